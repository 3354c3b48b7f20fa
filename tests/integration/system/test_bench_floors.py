"""The floors bench/bench_core.py and bench/bench_load.py print our figures against (issue 17) do the
work they claim: a floor that skipped its statements would flatter every ratio beside it."""
from __future__ import annotations

import importlib
import os
import sqlite3
import sys

import pytest


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """The bare app on a file of its own, with a test client."""
    path = tmp_path_factory.mktemp("bare") / "bare.sqlite3"
    os.environ["BARE_SQLITE"] = str(path)
    try:
        sys.modules.pop("bench.bare_app", None)
        module = importlib.import_module("bench.bare_app")
    finally:
        del os.environ["BARE_SQLITE"]
    yield module.app.test_client(), path
    sys.modules.pop("bench.bare_app", None)


def _rows(path, sql, *params):
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.mark.parametrize("endpoint", ["/issue_rules", "/issue_rules_sa"])
def test_the_issue_rules_floor_numbers_logs_and_counts_each_ticket(bare, endpoint):
    client, path = bare
    before = _rows(path, "SELECT count(*) FROM r_tickets WHERE service_id = 3")[0][0] if _tables(path) else 0
    first = client.post(endpoint, json={"service_id": 3}).get_json()
    second = client.post(endpoint, json={"service_id": 3}).get_json()

    assert second["number"] == first["number"] + 1  # the day's number, from the field's range (3000 + seq)
    assert str(second["number"]).startswith("3")
    assert second["people_ahead"] == first["people_ahead"] + 1
    assert dict((row[0], row[2]) for row in second["counts"])[3] == before + 2  # the boards' waiting counts
    assert second["open_counters"] == 4
    logged = _rows(path, "SELECT action FROM r_ticket_events WHERE ticket_id = ?", second["id"])
    assert logged == [("issue",)]


def test_the_call_floor_calls_the_first_waiting_ticket_logs_it_and_then_emits(bare):
    client, path = bare
    client.post("/issue_rules_sa", json={"service_id": 2})
    first_waiting = _rows(path, "SELECT id FROM r_tickets WHERE state = 'waiting' ORDER BY at_head DESC,"
                                " priority IS NULL, sort_at, id LIMIT 1")[0][0]
    socket = importlib.import_module("bench.bare_app").socketio.test_client(client.application)

    answer = client.post("/call_rules_sa", json={"payload": {"seq": 7, "pad": "x" * 10}, "counter": 1}).get_json()

    assert answer["ticket_id"] == first_waiting
    assert _rows(path, "SELECT state, counter_id FROM r_tickets WHERE id = ?", first_waiting) == [("called", 2)]
    assert _rows(path, "SELECT action FROM r_ticket_events WHERE ticket_id = ? ORDER BY id", first_waiting)[-1] == ("call",)
    received = socket.get_received()
    assert [(m["name"], m["args"][0]["seq"]) for m in received] == [("bare_event", 7)]


def _tables(path) -> bool:
    return bool(_rows(path, "SELECT 1 FROM sqlite_master WHERE name = 'r_tickets'"))
