"""One waiting order: what the clerk's console lists first is what "Gọi số tiếp" calls, and the
people-ahead a citizen is told (ticket page, phone push) count in that same order.

The property tests build random queues over the demo center — several services per counter
(counter 4 serves XDHKD and NNMT), priority tickets of several categories, transfers to a service
and to a counter, tickets put back at the head, the fairness streak with a random
``max_priority_streak``, tickets of yesterday, each counter's call policy (longest wait, in order of
its services' positions, or a weighted ratio with a running cycle), each service's aging rule and
booked tickets (checked in for a slot that started already, starts now, or starts later: ranked
with the priority ones only from their slot's start, priority on or off) — then drain them through
call-next.
"""
from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from server.clock import FixedClock, local_date
from server.db import Database
from server.domain import console
from server.domain.citizen_push import queue_positions
from server.domain.queue import QueueService, service_queue, waiting_query
from server.models import Center, Counter, CounterService, Service, Ticket, TicketEvent, TicketState
from tests.support.demo import MONDAY_9AM, login, make_db
from tests.support.positions import people_ahead

SERVICES = ("TPHT", "DD", "XDHKD", "NNMT", "VHXH", "NKQ")
COUNTERS = (1, 2, 3, 4, 5, 7)
CATEGORIES = (None, None, "elderly", "pregnant", "disabled")


# ------------------------------------------------------------------ plain specifications
def test_the_consoles_list_starts_with_the_regular_ticket_when_fairness_gives_it_the_turn(app, client):
    """After ``max_priority_streak`` priority calls in a row, call-next takes a regular ticket:
    the console's list must say so, not show the next priority ticket first."""
    queue = app.extensions["motcua"].queue
    with app.extensions["motcua"].db.write() as s:
        s.execute(select(Center)).scalars().first().max_priority_streak = 1
    regular = queue.issue_ticket(1, 1)
    first = queue.issue_ticket(1, 1, priority="elderly")
    second = queue.issue_ticket(1, 1, priority="pregnant")
    assert queue.call_next(1).ticket["number"] == first["number"]  # priority first: streak is now 1
    queue.finish(1)
    login(client, "quay1")
    listed = [t["number"] for t in client.get("/api/v1/counters/1/waiting").get_json()["tickets"]]
    assert listed == [regular["number"], second["number"]]
    assert queue.call_next(1).ticket["number"] == listed[0]


def test_a_phone_is_told_the_same_people_ahead_as_the_ticket_page_when_a_ticket_was_put_back(db, clock):
    """A regular ticket put back at the head goes before everyone, priority ones too: the pushed
    positions count it first, as the ticket page and call-next do."""
    queue = QueueService(db, clock)
    put_back = queue.issue_ticket(1, 1)
    assert queue.call_next(1).ticket["id"] == put_back["id"]
    clock.advance(seconds=5)
    waiting = [queue.issue_ticket(1, 1, priority="elderly"), queue.issue_ticket(1, 1)]
    queue.requeue(1)
    with db.read() as s:
        line = queue_positions(s, 1, [1], clock.now(), queue.mean_service_minutes, queue.open_counters_for)[0]
    pushed = people_ahead(line)
    assert pushed == {put_back["id"]: 0, waiting[0]["id"]: 1, waiting[1]["id"]: 2}
    assert {t["id"]: queue.ticket_by_token(t["token"])["people_ahead"] for t in [put_back, *waiting]} == pushed
    assert queue.call_next(2).ticket["id"] == put_back["id"]


@st.composite
def scenarios(draw):
    """A random day at the demo center, as a list of steps plus the center's rules."""
    # Counter 4's two fields (XDHKD, NNMT) more often: its call policy has something to choose between.
    fields = st.sampled_from(SERVICES + ("XDHKD", "NNMT") * 3)
    # The last item: a booked ticket's slot start in minutes from its check-in (None: a walk-in).
    booked = st.sampled_from((None, None, None, -30, -1, 0, 1, 30))
    issue = st.tuples(st.just("issue"), fields, st.sampled_from(CATEGORIES), st.integers(0, 90), booked)
    step = st.one_of(
        issue, issue, issue,  # mostly arrivals, so queues grow long enough for the rules to matter
        st.tuples(st.just("call"), st.sampled_from(COUNTERS)),
        st.tuples(st.just("requeue"), st.sampled_from(COUNTERS)),
        st.tuples(st.just("to_service"), st.integers(0, 40), st.sampled_from(SERVICES)),
        st.tuples(st.just("to_counter"), st.integers(0, 40), st.sampled_from(COUNTERS)),
    )
    return {
        "yesterday": draw(st.lists(st.tuples(st.sampled_from(SERVICES), st.sampled_from(CATEGORIES)), max_size=4)),
        "steps": draw(st.lists(issue, min_size=4, max_size=20)) + draw(st.lists(step, min_size=1, max_size=40)),
        "max_streak": draw(st.integers(0, 4)),
        "streaks": draw(st.lists(st.integers(0, 5), min_size=len(COUNTERS), max_size=len(COUNTERS))),
        "keeps_place": draw(st.booleans()),
        "priority_on_when_calling": draw(st.sampled_from((True, True, True, False))),
        "drain_seed": draw(st.integers(0, 2**16)),
        "policies": draw(st.lists(st.sampled_from(("longest_wait", "in_order", "ratio")), min_size=len(COUNTERS),
                                  max_size=len(COUNTERS))),
        "links": draw(st.lists(st.tuples(st.integers(0, 5), st.integers(1, 2)), min_size=12, max_size=12)),
        "cycle": draw(st.lists(st.one_of(st.none(), st.sampled_from(SERVICES)), min_size=len(COUNTERS),
                               max_size=len(COUNTERS))),
        # A late rush at counter 4's two fields, so its policy has a real line to order when drained.
        "rush": draw(st.lists(st.tuples(st.sampled_from(("XDHKD", "NNMT")), st.sampled_from(CATEGORIES)), max_size=8)),
        # No aging anywhere half the time: call-next then takes its one-row path (waiting.claim_first), held to the same answer.
        "aging": draw(st.one_of(
            st.just([None] * len(SERVICES)),
            st.lists(st.sampled_from((None, None, 1, 5, 10, 20)), min_size=len(SERVICES), max_size=len(SERVICES)),
        )),
    }


class Floor:
    """The demo center in one database, reset for each example (a new day, no tickets)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.clock = FixedClock(MONDAY_9AM)
        self.queue = QueueService(db, self.clock)
        self.day = 0
        with db.read() as s:
            self.service = {sv.code: sv.id for sv in s.scalars(select(Service))}
            self.counter = {c.number: c.id for c in s.scalars(select(Counter))}

    def reset(self, scenario: dict) -> None:
        self.day += 2  # a fresh day for each example: numbering restarts, yesterday is empty
        self.clock.set(MONDAY_9AM + timedelta(days=self.day))
        with self.db.write() as s:
            s.execute(delete(TicketEvent))
            s.execute(delete(Ticket))
            center = s.scalars(select(Center)).first()
            center.priority_enabled, center.max_priority_streak = True, scenario["max_streak"]
            center.transfer_keeps_place, center.auto_finish_on_next = scenario["keeps_place"], True
            for number, streak in zip(COUNTERS, scenario["streaks"], strict=True):
                s.get(Counter, self.counter[number]).priority_streak = streak
            for code, minutes in zip(SERVICES, scenario["aging"], strict=True):
                s.get(Service, self.service[code]).aging_minutes = minutes
            links = iter(scenario["links"] * 4)
            for number, policy, cycle_at in zip(COUNTERS, scenario["policies"], scenario["cycle"], strict=True):
                counter = s.get(Counter, self.counter[number])
                counter.call_policy = policy
                # A cycle left mid-way by an earlier day (or at a service the counter no longer serves).
                counter.call_state = {} if cycle_at is None else {"service_id": self.service[cycle_at], "taken": 1}
                for link in s.scalars(select(CounterService).where(CounterService.counter_id == counter.id)):
                    link.position, link.weight = next(links)

    def play(self, scenario: dict) -> set[int]:
        """Issue yesterday's leftovers, then today's steps; returns yesterday's ticket ids."""
        self.clock.advance(days=-1)
        yesterday = {self.issue(code, category)["id"] for code, category in scenario["yesterday"]}
        self.clock.advance(days=1)
        issued: list[int] = []
        for kind, *args in scenario["steps"]:
            if kind == "issue":
                issued.append(self.issue(args[0], args[1], booked_in=args[3])["id"])
                self.clock.advance(seconds=args[2])  # 0: two tickets in the same second, ties go by id
            elif kind == "call":
                self.queue.call_next(self.counter[args[0]])
            elif kind == "requeue":
                if self.current(args[0]) is not None:
                    self.queue.requeue(self.counter[args[0]])
            elif issued and self.state(issued[args[0] % len(issued)]) == TicketState.WAITING:
                ticket_id = issued[args[0] % len(issued)]
                if kind == "to_service":
                    self.queue.transfer(ticket_id=ticket_id, to_service_id=self.service[args[1]])
                else:
                    self.queue.transfer(ticket_id=ticket_id, to_counter_id=self.counter[args[1]])
            self.clock.advance(seconds=1)
        for code, category in scenario["rush"]:
            self.issue(code, category)
            self.clock.advance(seconds=20)
        with self.db.write() as s:
            s.scalars(select(Center)).first().priority_enabled = scenario["priority_on_when_calling"]
        return yesterday

    def issue(self, code: str, category: str | None, booked_in: int | None = None) -> dict:
        """A walk-in ticket, or (``booked_in`` minutes: its slot's start from now) a booked one."""
        ticket = self.queue.issue_ticket(1, self.service[code], priority=category)
        if booked_in is not None:
            slot_start = self.clock.now() + timedelta(minutes=booked_in)
            with self.db.write() as s:
                row = s.get(Ticket, ticket["id"])
                row.sort_at = row.ahead_from = slot_start
        return ticket

    def current(self, number: int) -> int | None:
        return self.queue.counter_view(self.counter[number])["current"]

    def state(self, ticket_id: int) -> str:
        with self.db.read() as s:
            return s.get(Ticket, ticket_id).state

    def console_list(self, number: int) -> list[int]:
        """The ids of the counter's waiting list exactly as the console gets it (GET /counters/<id>/waiting)."""
        return [t["id"] for t in console.waiting_list(self.db, self.clock, self.counter[number])["tickets"]]

    def check_people_ahead(self) -> None:
        """Every waiting ticket: its page's people-ahead = the phone push's = its index in the
        service's queue, and that queue is each serving counter's waiting order (fairness aside)."""
        with self.db.read() as s:
            pushed = {ticket_id: ahead
                      for line in queue_positions(s, 1, None, self.clock.now(), self.queue.mean_service_minutes,
                                                  self.queue.open_counters_for)
                      for ticket_id, ahead in people_ahead(line).items()}
            center = s.get(Center, 1)
            day = local_date(self.clock.now(), center.timezone)
            for number in COUNTERS:
                counter = s.get(Counter, self.counter[number])
                at_counter = list(s.scalars(waiting_query(center, counter, day, now=self.clock.now())))
                for service_id in counter.service_ids:
                    line = [t.id for t in s.scalars(service_queue(center, service_id, day, self.clock.now()))]
                    assert [pushed[i] for i in line] == list(range(len(line)))
                    untargeted = {t.id for t in s.scalars(select(Ticket).where(Ticket.target_counter_id.is_(None)))}
                    assert [i for i in line if i in untargeted] == [
                        t.id for t in at_counter if t.service_id == service_id and t.id in untargeted]
            tokens = dict(s.execute(select(Ticket.id, Ticket.token).where(Ticket.id.in_(list(pushed)))).all())
        for ticket_id, ahead in pushed.items():
            assert self.queue.ticket_by_token(tokens[ticket_id])["people_ahead"] == ahead

    def drain(self, scenario: dict, yesterday: set[int]) -> None:
        """Call until nobody waits: each call claims the first of the console's list; a counter
        left to itself calls its whole list in the listed order."""
        pick = random.Random(scenario["drain_seed"])
        order = list(COUNTERS)
        pick.shuffle(order)
        if pick.random() < 0.5:  # counter 4 serves two fields: its policy and ratio cycle matter most
            order.remove(4)
            order.insert(0, 4)
        alone, rest = order[0], order[1:]
        expected = self.console_list(alone)
        claimed = []
        while True:
            listed = self.console_list(alone)
            got = self.queue.call_next(self.counter[alone]).ticket
            assert (got["id"] if got else None) == (listed[0] if listed else None)
            if got is None:
                break
            claimed.append(got["id"])
        assert claimed == expected
        self.check_people_ahead()
        while True:
            lists = {n: self.console_list(n) for n in rest}
            busy = [n for n in rest if lists[n]]
            if not busy:
                break
            number = pick.choice(busy)
            got = self.queue.call_next(self.counter[number]).ticket
            assert got is not None and got["id"] == lists[number][0], (number, lists[number], got)
            assert got["id"] not in yesterday
            if pick.random() < 0.2:
                self.check_people_ahead()
        with self.db.read() as s:
            today = s.scalars(select(Ticket.id).where(Ticket.state == TicketState.WAITING,
                                                      Ticket.id.not_in(yesterday or {-1}))).all()
        assert today == []  # every ticket of today reached a counter: none was skipped


def run_property(db: Database, max_examples: int) -> None:
    floor = Floor(db)

    @settings(max_examples=max_examples, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(scenarios())
    def the_console_lists_what_call_next_claims(scenario: dict) -> None:
        floor.reset(scenario)
        yesterday = floor.play(scenario)
        floor.check_people_ahead()
        floor.drain(scenario, yesterday)

    the_console_lists_what_call_next_claims()


def test_the_first_of_the_consoles_list_is_what_call_next_claims(db):
    run_property(db, 35)  # each example is a whole day of a floor played and drained: 35 days in ~15 s


def test_the_first_of_the_consoles_list_is_what_call_next_claims_on_postgresql(pg_url):
    database = make_db(pg_url)
    try:
        run_property(database, 8)
    finally:
        database.dispose()
