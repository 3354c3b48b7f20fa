"""The hot paths write their rows with their own statements, not through the ORM's flush (issue 17):
an issue's ticket is one INSERT, a call's ticket one UPDATE and a finish's one UPDATE, each sent at
once, and the objects the rest of the transaction reads are the rows as written."""
from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select

from server.db import insert_row
from server.models import Ticket, TicketState
from tests.support.statements import recorded_statements


def _on_tickets(executed, verb: str) -> list[str]:
    return [sql for sql, _params in executed if sql.lstrip().upper().startswith(verb) and " tickets" in sql.split("(")[0]]


def test_an_issue_inserts_its_ticket_once_and_updates_nothing(db, queue, ids):
    with recorded_statements(db.engine) as executed:
        view = queue.issue_ticket(ids["center"], ids["justice"])
    assert len(_on_tickets(executed, "INSERT")) == 1, executed
    assert _on_tickets(executed, "UPDATE") == [], executed
    with db.read() as s:
        stored = s.get(Ticket, view["id"])
        assert (stored.display, stored.state, stored.recall_count, stored.at_head, stored.note) == (
            view["number"], TicketState.WAITING, 0, False, "")


def test_the_issued_ticket_is_in_the_transaction_as_written(db, queue, ids):
    from server.domain.events import EventCollector

    with db.write() as s:
        view = queue.issue_in(s, EventCollector(), ids["center"], ids["justice"], with_wait=False)
        with recorded_statements(db.engine) as executed:
            ticket = s.get(Ticket, view["id"])
            columns = {c.key: getattr(ticket, c.key) for c in Ticket.__table__.columns}
        assert executed == [], "the ticket was read again"
        assert columns["token"] == view["token"] and columns["counter_id"] is None and columns["at_head"] is False


def test_a_call_and_a_finish_each_update_the_ticket_once(db, queue, ids):
    issued = queue.issue_ticket(ids["center"], ids["justice"])
    with recorded_statements(db.engine) as executed:
        called = queue.call_next(ids["c1"]).ticket
        finished = queue.finish(ids["c1"]).ticket
    assert called["id"] == finished["id"] == issued["id"]
    assert len(_on_tickets(executed, "UPDATE")) == 2, executed
    with db.read() as s:
        row = s.execute(select(Ticket.state, Ticket.counter_id, Ticket.called_at, Ticket.started_at, Ticket.finished_at)
                        .where(Ticket.id == issued["id"])).one()
    assert row.state == TicketState.DONE and row.counter_id == ids["c1"]
    assert row.called_at is not None and row.started_at == row.finished_at  # finished straight from "called"


def test_insert_row_refuses_a_column_whose_default_is_computed(db):
    table = Table("computed", MetaData(), Column("id", Integer, primary_key=True),
                  Column("code", String(8), default=lambda: "x"))

    class Computed:
        __table__ = table

    with db.write() as s, pytest.raises(ValueError, match="computed.code"):
        insert_row(s, Computed)


def test_a_core_read_sees_what_the_unit_of_work_has_not_flushed_yet(db, queue, ids):
    """``run_core`` skips the ORM's execution path, not its autoflush: a ticket changed through the ORM
    is counted as changed by a count run on the connection in the same transaction."""
    from server.db import run_core
    from server.domain.queue.estimates import waiting_counts

    issued = queue.issue_ticket(ids["center"], ids["justice"])
    with db.write() as s:
        ticket = s.get(Ticket, issued["id"])
        before = {c["service_id"]: c["waiting"] for c in waiting_counts(s, ids["center"], ticket.day)}
        ticket.state = TicketState.CANCELLED  # pending in the unit of work, not yet sent
        after = {c["service_id"]: c["waiting"] for c in waiting_counts(s, ids["center"], ticket.day)}
        state = run_core(s, select(Ticket.state).where(Ticket.id == issued["id"])).scalar_one()
        s.rollback()
    assert (before[ids["justice"]], after[ids["justice"]]) == (1, 0)
    assert state == TicketState.CANCELLED
