"""How a counter picks among its services (``Counter.call_policy``) and the aging rule
(``Service.aging_minutes``), at demo counter 4, which serves XDHKD (position 0) and NNMT
(position 1). Every call is checked against the console's list first: one function orders both."""
from __future__ import annotations

from sqlalchemy import select

from server.domain import console
from server.models import Center, Counter, CounterService, Service, TicketEvent
from tests.support.demo import counter_id, service_id, update


def setup_counter(db, policy: str, weights: tuple[int, int] = (1, 1)) -> int:
    """Counter 4 with ``policy`` and weights (XDHKD, NNMT), calling next finishing the last; returns its id."""
    counter = counter_id(db, 4)
    with db.write() as s:
        s.scalars(select(Center)).first().auto_finish_on_next = True
        s.get(Counter, counter).call_policy = policy
        for link in s.scalars(select(CounterService).where(CounterService.counter_id == counter)):
            link.weight = weights[0] if link.position == 0 else weights[1]
    return counter


def issue(queue, clock, db, codes: str, priority: str | None = None) -> list[int]:
    """Issue one ticket per letter (X = XDHKD, N = NNMT), a minute apart; returns their ids."""
    out = []
    for letter in codes:
        out.append(queue.issue_ticket(1, service_id(db, {"X": "XDHKD", "N": "NNMT"}[letter]), priority=priority)["id"])
        clock.advance(seconds=60)
    return out


def drain(queue, db, clock, counter: int) -> list[int]:
    """Call until nobody waits; each call must be the first of the console's list."""
    calls = []
    while True:
        listed = [t["id"] for t in console.waiting_list(db, clock, counter)["tickets"]]
        got = queue.call_next(counter).ticket
        assert (got["id"] if got else None) == (listed[0] if listed else None)
        if got is None:
            return calls
        calls.append(got["id"])


def test_longest_wait_calls_the_oldest_ticket_across_the_counters_services(db, clock, queue):
    counter = setup_counter(db, "longest_wait")
    n1, x1, n2 = issue(queue, clock, db, "NXN")
    assert drain(queue, db, clock, counter) == [n1, x1, n2]


def test_in_order_empties_the_counters_first_service_before_its_second(db, clock, queue):
    counter = setup_counter(db, "in_order")
    n1, x1, n2, x2 = issue(queue, clock, db, "NXNX")
    assert drain(queue, db, clock, counter) == [x1, x2, n1, n2]


def test_in_order_follows_the_position_an_admin_gives_each_service(db, clock, queue):
    counter = setup_counter(db, "in_order")
    with db.write() as s:
        for link in s.scalars(select(CounterService).where(CounterService.counter_id == counter)):
            link.position = 1 - link.position  # NNMT first now
    x1, n1 = issue(queue, clock, db, "XN")
    assert drain(queue, db, clock, counter) == [n1, x1]


def test_a_ratio_of_two_to_one_calls_two_of_the_first_service_then_one_of_the_second(db, clock, queue):
    counter = setup_counter(db, "ratio", (2, 1))
    n1, n2, n3, x1, x2, x3, x4 = issue(queue, clock, db, "NNNXXXX")
    assert drain(queue, db, clock, counter) == [x1, x2, n1, x3, x4, n2, n3]


def test_the_ratio_skips_a_service_with_nobody_waiting_and_keeps_its_place_between_calls(db, clock, queue):
    counter = setup_counter(db, "ratio", (2, 1))
    (n1,) = issue(queue, clock, db, "N")
    assert queue.call_next(counter).ticket["id"] == n1  # nobody for XDHKD: its turn is skipped
    with db.read() as s:
        assert s.get(Counter, counter).call_state == {"service_id": service_id(db, "NNMT"), "taken": 1}
    n2, x1, x2, x3 = issue(queue, clock, db, "NXXX")
    # NNMT's one call of the cycle is used: the cycle goes on with two of XDHKD, then NNMT.
    assert drain(queue, db, clock, counter) == [x1, x2, n2, x3]


def test_an_aged_ticket_goes_before_the_counters_policy(db, clock, queue):
    counter = setup_counter(db, "in_order")
    update(db, Service, service_id(db, "NNMT"), aging_minutes=10)
    (n1,) = issue(queue, clock, db, "N")
    x1, x2 = issue(queue, clock, db, "XX")
    assert [t["id"] for t in console.waiting_list(db, clock, counter)["tickets"]] == [x1, x2, n1]
    clock.advance(seconds=8 * 60)  # NNMT's ticket has now waited 11 minutes: past its service's 10
    assert drain(queue, db, clock, counter) == [n1, x1, x2]


def test_aged_calls_do_not_move_the_ratio_cycle(db, clock, queue):
    counter = setup_counter(db, "ratio", (1, 1))
    update(db, Service, service_id(db, "NNMT"), aging_minutes=5)
    (n1,) = issue(queue, clock, db, "N")
    clock.advance(seconds=10 * 60)
    x1, n2 = issue(queue, clock, db, "XN")
    assert queue.call_next(counter).ticket["id"] == n1  # aged: first, and the cycle stays at XDHKD
    assert drain(queue, db, clock, counter) == [x1, n2]


def test_priority_tickets_keep_their_fairness_rule_under_every_policy(db, clock, queue):
    for policy in ("in_order", "ratio"):
        counter = setup_counter(db, policy, (3, 1))
        with db.write() as s:
            center = s.scalars(select(Center)).first()
            center.priority_enabled, center.max_priority_streak = True, 2
            s.get(Counter, counter).priority_streak = 0
        x1, n1 = issue(queue, clock, db, "XN")
        p1, p2, p3 = issue(queue, clock, db, "NNX", priority="elderly")
        # Priority first, whatever the policy; after two priority calls one regular goes (the policy's first).
        assert drain(queue, db, clock, counter) == [p1, p2, x1, p3, n1], policy


def test_every_call_is_logged_with_the_rule_that_chose_it(db, clock, queue):
    counter = setup_counter(db, "ratio", (2, 1))
    update(db, Service, service_id(db, "NNMT"), aging_minutes=10)
    with db.write() as s:
        center = s.scalars(select(Center)).first()
        center.priority_enabled, center.max_priority_streak = True, 3
    (aged,) = issue(queue, clock, db, "N")
    clock.advance(seconds=15 * 60)
    x1, n1 = issue(queue, clock, db, "XN")
    (elderly,) = issue(queue, clock, db, "X", priority="elderly")
    assert drain(queue, db, clock, counter) == [elderly, aged, x1, n1]
    with db.read() as s:
        rules = dict(s.execute(select(TicketEvent.ticket_id, TicketEvent.data).where(TicketEvent.action == "call")).all())
    assert {t: rules[t]["rule"] for t in (elderly, aged, x1, n1)} == {elderly: "priority", aged: "aged", x1: "ratio", n1: "ratio"}
