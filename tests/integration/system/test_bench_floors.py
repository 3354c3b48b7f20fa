"""The floors bench/bench_core.py and bench/bench_load.py print our figures against (issue 17) do the
work they claim: a floor that skipped its statements would flatter every ratio beside it."""
from __future__ import annotations

import importlib
import sqlite3
import sys

import pytest


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """The bare app on a file of its own, with a test client."""
    path = tmp_path_factory.mktemp("bare") / "bare.sqlite3"
    with pytest.MonkeyPatch.context() as env:  # read once, at import
        env.setenv("BARE_SQLITE", str(path))
        sys.modules.pop("bench.bare_app", None)
        module = importlib.import_module("bench.bare_app")
    yield module.app.test_client(), path
    sys.modules.pop("bench.bare_app", None)


def _rows(path, sql, *params):
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.mark.parametrize("endpoint", ["/issue_rules", "/issue_rules_sa"])
def test_the_issue_rules_floor_numbers_logs_and_counts_each_ticket(bare, endpoint):
    client, path = bare
    first = client.post(endpoint, json={"service_id": 3}).get_json()
    second = client.post(endpoint, json={"service_id": 3}).get_json()

    assert second["number"] == first["number"] + 1  # the day's number, from the field's range (3000 + seq)
    assert str(second["number"]).startswith("3")
    assert second["people_ahead"] == first["people_ahead"] + 1
    waiting = [dict((row[0], row[2]) for row in answer["counts"]) for answer in (first, second)]
    assert waiting[1][3] == waiting[0][3] + 1 >= 2  # the boards' waiting counts, of this floor's own line
    assert second["open_counters"] == 4
    logged = _rows(path, "SELECT action FROM r_ticket_events WHERE ticket_id = ?", second["id"])
    assert logged == [("issue",)]


def test_the_call_floor_claims_logs_and_counts_a_ticket_and_only_then_emits(bare):
    client, path = bare
    socket = importlib.import_module("bench.bare_app").socketio.test_client(client.application)

    answer = client.post("/call_rules_sa", json={"payload": {"seq": 7, "pad": "x" * 10}, "counter": 1}).get_json()

    called = answer["ticket_id"]
    assert _rows(path, "SELECT state, counter_id FROM r_tickets WHERE id = ?", called) == [("called", 2)]
    assert _rows(path, "SELECT action FROM r_ticket_events WHERE ticket_id = ? ORDER BY id", called) == [("issue",), ("call",)]
    assert [(m["name"], m["args"][0]["seq"]) for m in socket.get_received()] == [("bare_event", 7)]


def test_each_floor_counts_its_own_line(bare):
    """A floor measured after another must not count the tickets the first one issued."""
    client, _path = bare
    plain = client.post("/issue_rules", json={"service_id": 5}).get_json()
    for _ in range(3):
        client.post("/issue_rules", json={"service_id": 5})
    through_sqlalchemy = client.post("/issue_rules_sa", json={"service_id": 5}).get_json()
    assert through_sqlalchemy["people_ahead"] == 0
    assert plain["people_ahead"] == 0


def test_the_request_layer_figure_goes_through_our_hooks_and_schemas_and_no_database(tmp_path):
    """bench_core's request-layer figure (added to the rules floor) times what it says: our app's
    hooks and the issue's schemas answering a ticket view, next to bare Flask; no statement runs."""
    from bench.bench_core import request_layer_posts, seed
    from tests.support.statements import recorded_statements

    url = f"sqlite:///{tmp_path / 'layer.sqlite3'}"
    seed(url)
    bare_post, our_post = request_layer_posts(url, tmp_path)
    bare, ours = bare_post(), our_post()
    assert bare.status_code == ours.status_code == 201
    assert ours.get_json()["number"] and ours.get_json()["service"]["id"] == 1  # the issue's own TicketOut
    assert "X-Content-Type-Options" in ours.headers and "X-Content-Type-Options" not in bare.headers  # our hooks ran

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import Engine

    with recorded_statements(Engine) as executed:  # every engine, the app's among them
        our_post()
    assert executed == []
    with recorded_statements(Engine) as control, create_engine(url).connect() as conn:
        conn.execute(text("SELECT 1"))
    assert control, "the recording sees every engine's statements"
