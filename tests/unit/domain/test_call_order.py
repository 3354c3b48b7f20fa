"""The waiting order's pure part (server.domain.queue.waiting.call_sequence): policies, aging and
priority fairness over plain objects, no database."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from server.domain.queue.waiting import call_sequence, next_call_state

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
A, B, OTHER = 10, 20, 30


def ticket(tid: int, service: int, minutes_ago: int, priority: str | None = None, at_head: bool = False,
           booked: bool = False):
    """A waiting ticket; ``booked``: checked in for a slot that starts at its sort time (ranked from then on)."""
    sort_at = NOW - timedelta(minutes=minutes_ago)
    return SimpleNamespace(id=tid, service_id=service, sort_at=sort_at, priority=priority, at_head=at_head,
                           ahead_from=sort_at if booked else None)


def counter(policy: str, weights=(1, 1), state=None, order=(A, B)):
    links = [SimpleNamespace(service_id=sid, position=i, weight=w) for i, (sid, w) in enumerate(zip(order, weights, strict=True))]
    return SimpleNamespace(call_policy=policy, links=links, call_state=state or {})


CENTER = SimpleNamespace(priority_enabled=True, max_priority_streak=2)


def ids(tickets, policy="longest_wait", streak=0, aging=None, **kw):
    oldest_first = sorted(tickets, key=lambda t: (t.sort_at, t.id))
    return [t.id for t in call_sequence(oldest_first, CENTER, streak, counter=counter(policy, **kw), aging=aging, now=NOW)]


QUEUE = [ticket(1, B, 50), ticket(2, A, 40), ticket(3, B, 30), ticket(4, A, 20), ticket(5, A, 10)]


def test_longest_wait_is_oldest_first():
    assert ids(QUEUE) == [1, 2, 3, 4, 5]


def test_in_order_takes_the_first_services_tickets_first():
    assert ids(QUEUE, "in_order") == [2, 4, 5, 1, 3]
    assert ids(QUEUE, "in_order", order=(B, A)) == [1, 3, 2, 4, 5]


def test_ratio_interleaves_by_weight_and_skips_an_empty_service():
    assert ids(QUEUE, "ratio", weights=(2, 1)) == [2, 4, 1, 5, 3]
    assert ids(QUEUE, "ratio", weights=(2, 1), state={"service_id": A, "taken": 1}) == [2, 1, 4, 5, 3]


def test_a_ticket_sent_by_name_for_a_service_the_counter_does_not_serve_comes_last_in_order():
    assert ids([ticket(1, OTHER, 60), *QUEUE[1:3]], "in_order") == [2, 3, 1]


def test_aged_tickets_go_before_the_policy_oldest_first():
    assert ids(QUEUE, "in_order", aging={B: 25}) == [1, 3, 2, 4, 5]


def test_priority_keeps_its_fairness_rule_before_aging_and_policy():
    line = [*QUEUE, ticket(6, B, 5, "elderly"), ticket(7, B, 4, "elderly"), ticket(8, A, 3, "disabled")]
    assert ids(line, "in_order", aging={B: 45}) == [6, 7, 1, 8, 2, 4, 5, 3]


def test_a_ticket_put_back_at_the_head_goes_before_anyone():
    assert ids([*QUEUE, ticket(9, B, 1, at_head=True)], "in_order") == [9, 2, 4, 5, 1, 3]


def test_the_ratio_cycle_moves_only_for_calls_the_policy_chose():
    ratio = counter("ratio", weights=(2, 1))
    assert next_call_state(CENTER, ratio, ticket(1, A, 5), None, NOW) == {"service_id": A, "taken": 1}
    ratio.call_state = {"service_id": A, "taken": 1}
    assert next_call_state(CENTER, ratio, ticket(2, A, 5), None, NOW) == {"service_id": A, "taken": 2}
    assert next_call_state(CENTER, ratio, ticket(3, B, 5, "elderly"), None, NOW) == {"service_id": A, "taken": 1}
    assert next_call_state(CENTER, ratio, ticket(4, B, 50), 30, NOW) == {"service_id": A, "taken": 1}  # aged
    assert next_call_state(CENTER, counter("in_order"), ticket(5, A, 5), None, NOW) == {}


def test_a_booked_ticket_is_ranked_with_priority_ones_only_from_its_slots_start_under_the_same_streak():
    later = ticket(6, A, -5, booked=True)  # its slot starts in 5 minutes: a regular ticket until then, sorted by that start
    started = [ticket(7, A, 5, booked=True), ticket(8, B, 4, booked=True), ticket(9, A, 3, booked=True)]
    assert ids(QUEUE + started + [later]) == [7, 8, 1, 9, 2, 3, 4, 5, 6]  # two ranked, one regular (max streak 2)…
    no_priority = SimpleNamespace(priority_enabled=False, max_priority_streak=2)
    order = call_sequence(sorted(QUEUE + started, key=lambda t: (t.sort_at, t.id)), no_priority, 0, now=NOW)
    assert [t.id for t in order] == [7, 8, 1, 9, 2, 3, 4, 5]  # …whether or not the center has priority on
