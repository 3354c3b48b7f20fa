"""Bad input gets a clear 4xx in our error format, never a 500, and creates nothing (issue 12,
items 14–16): JSON nested too deep or too large, numbers that are not whole numbers where an id
is expected, and the NUL character that PostgreSQL cannot store, on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from server.app import create_app
from server.demo_procedures import seed_demo_procedures
from server.domain.accounts import register_device
from server.domain.errors import DomainError
from server.domain.inputs import MAX_JSON_DEPTH, check_json_value, id_from_text, int_from_text, strict_int
from server.models import Ticket
from server.models.dossiers import Dossier
from server.web.request_guard import MAX_BODY_BYTES
from tests.support.demo import form_csrf, login, make_db
from tests.support.settings import make_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request, tmp_path, clock):
    """The app over the demo center, once on SQLite and once on PostgreSQL."""
    url = f"sqlite:///{tmp_path / 'bad.sqlite3'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    make_db(url).dispose()
    app = create_app(
        make_settings(database_url=url, instance_path=tmp_path, secret_key="bad-input", rate_limit_enabled=False), clock=clock
    )
    yield app
    app.extensions["motcua"].db.dispose()


def _count(app, model) -> int:
    with app.extensions["motcua"].db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def _kiosk(app) -> dict[str, str]:
    with app.extensions["motcua"].db.write() as s:
        _device, token = register_device(s, 1, "kiosk", "Kiosk thử")
    return {"X-Device-Token": token}


def _clerk_serving_a_ticket(app, client) -> dict[str, str]:
    """The demo's procedures, a ticket called to counter 1 by its clerk; the clerk's headers."""
    with app.extensions["motcua"].db.write() as s:
        seed_demo_procedures(s, 1)
    assert client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).status_code == 201
    headers = {"X-CSRF-Token": login(client, "quay1")}
    assert client.post("/api/v1/counters/1/call-next", headers=headers).get_json()["ticket"] is not None
    return headers


def assert_refused(response, status: int = 400, code: str = "invalid_input") -> dict:
    """The response is our bilingual error with ``status`` and ``code``."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message_vi"] and error["message_en"]
    return error


# ------------------------------------------------------------------ rules (plain Python)
def test_a_whole_number_is_an_int_and_nothing_else():
    assert strict_int(7) == 7
    for value in (1.9999, 1.5, 1.0, "1", True, None, [1]):
        with pytest.raises(ValueError):
            strict_int(value)


def test_a_whole_number_in_text_is_ascii_digits_only():
    assert int_from_text("42") == 42 and int_from_text("-3") == -3
    for text in ("1.5", " 1", "1 ", "+1", "1_0", "1e3", "١", "", "12345678901", None):
        with pytest.raises(ValueError):
            int_from_text(text)
    assert id_from_text("0") is None and id_from_text("2147483648") is None and id_from_text("2147483647") == 2**31 - 1


def test_json_nesting_is_accepted_up_to_the_limit_and_refused_beyond():
    def nested(levels: int):
        value: object = 1
        for _ in range(levels):
            value = [value]
        return value

    check_json_value(nested(MAX_JSON_DEPTH))
    check_json_value({"a": {"b": nested(MAX_JSON_DEPTH - 2)}})
    with pytest.raises(DomainError) as refused:
        check_json_value(nested(MAX_JSON_DEPTH + 1))
    assert refused.value.code == "invalid_input" and refused.value.status == 400
    with pytest.raises(DomainError):  # the walk itself never recurses: 100,000 levels are refused, not a crash
        check_json_value(nested(100_000))
    with pytest.raises(DomainError):
        check_json_value({"ghi chú": "a\x00b"})
    with pytest.raises(DomainError):
        check_json_value({"a\x00": 1})


# ------------------------------------------------------------------ item 14: JSON depth and size
DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/v1/auth/login", "/api/v1/kiosk/scan", "/api/v1/kiosk/tickets"])
def test_json_nested_5000_deep_is_a_400_and_issues_nothing(app, client, path):
    response = client.post(path, data=DEEP, content_type="application/json", headers=_kiosk(app))
    assert_refused(response)
    assert _count(app, Ticket) == 0


def test_deep_json_inside_a_valid_looking_body_is_refused_too(app, client):
    body = '{"center_id": 1, "service_id": 1, "priority": ' + "{\"a\":" * 3000 + "1" + "}" * 3000 + "}"
    assert_refused(client.post("/api/v1/tickets", data=body, content_type="application/json"))
    assert _count(app, Ticket) == 0


def test_admin_settings_nested_too_deep_are_refused_and_unchanged(app, client):
    csrf = login(client, "admin")
    before = client.get("/api/v1/admin/centers/1", headers={"X-CSRF-Token": csrf}).get_json()["settings"]
    body = '{"value": ' + "[" * 1000 + "]" * 1000 + "}"
    response = client.put(
        "/api/v1/admin/centers/1/settings/board_notice",
        data=body,
        content_type="application/json",
        headers={"X-CSRF-Token": csrf},
    )
    assert_refused(response)
    assert client.get("/api/v1/admin/centers/1").get_json()["settings"] == before


def test_a_body_over_the_size_limit_is_a_413_in_our_error_format(app, client):
    body = json.dumps({"center_id": 1, "service_id": 1, "padding": "x" * (MAX_BODY_BYTES + 10)})
    error = assert_refused(client.post("/api/v1/tickets", data=body, content_type="application/json"), 413, "too_large")
    assert error["message_vi"] == "Dữ liệu gửi lên quá lớn."
    assert _count(app, Ticket) == 0


@pytest.mark.parametrize(
    "text",
    ["[" * 5000 + "]" * 5000, "a:\n" + "".join("  " * i + "- \n" for i in range(1, 3000)), "[" * 3000 + "]" * 3000],
    ids=["json", "yaml-block", "yaml-flow"],
)
def test_a_center_file_nested_too_deep_is_refused_on_import(app, client, text):
    csrf = login(client, "admin")
    response = client.post(
        "/api/v1/admin/centers/import",
        headers={"X-CSRF-Token": csrf},
        data={"file": (io.BytesIO(text.encode()), "trung-tam.json"), "code": "MOI", "name": "Trung tâm mới"},
        content_type="multipart/form-data",
    )
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["message_vi"]
    assert client.get("/api/v1/admin/centers", headers={"X-CSRF-Token": csrf}).get_json()[-1]["code"] != "MOI"


# ------------------------------------------------------------------ item 15: integers are integers
NOT_INTEGERS = [1.9999, 1.5, 1.0, "1", True]


@pytest.mark.parametrize("value", NOT_INTEGERS, ids=repr)
def test_a_ticket_for_a_fractional_or_textual_service_id_is_refused(app, client, value):
    assert_refused(client.post("/api/v1/tickets", json={"center_id": 1, "service_id": value}))
    assert_refused(client.post("/api/v1/tickets", json={"center_id": value, "service_id": 1}))
    assert_refused(client.post("/api/v1/kiosk/tickets", json={"service_id": value}, headers=_kiosk(app)))
    assert _count(app, Ticket) == 0


@pytest.mark.parametrize("value", NOT_INTEGERS, ids=repr)
def test_a_dossier_for_a_fractional_procedure_id_is_refused(app, client, value):
    headers = _clerk_serving_a_ticket(app, client)
    response = client.post(
        "/api/v1/counters/1/dossiers",
        headers=headers,
        json={"procedure_id": value, "applicant_name": "Nguyễn Thị Hoa", "print": False},
    )
    assert_refused(response)
    response = client.post(
        "/api/v1/centers/1/dossiers/receive",
        headers=headers,
        json={"procedure_id": value, "applicant_name": "Nguyễn Thị Hoa", "print": False},
    )
    assert_refused(response)
    assert _count(app, Dossier) == 0


@pytest.mark.parametrize(
    "body",
    [{"number": 7.5}, {"number": "8"}, {"number": 9, "service_ids": [1.5]}, {"number": 9, "service_ids": ["1"]}],
    ids=["fraction", "text", "fraction-in-list", "text-in-list"],
)
def test_admin_numbers_must_be_whole(app, client, body):
    csrf = login(client, "admin")
    before = client.get("/api/v1/admin/centers/1/counters").get_json()
    assert_refused(client.post("/api/v1/admin/centers/1/counters", json=body, headers={"X-CSRF-Token": csrf}))
    assert client.get("/api/v1/admin/centers/1/counters").get_json() == before


@pytest.mark.parametrize("query", ["limit=1.5", "limit=%2B5", "limit=1e2", "center_id=%D9%A1", "offset=%201"])
def test_query_string_integers_are_ascii_digits(client, query):
    login(client, "admin")
    assert_refused(client.get(f"/api/v1/admin/audit?{query}"))
    assert client.get("/api/v1/admin/audit?limit=5&center_id=1").status_code == 200


def test_a_path_id_in_another_script_is_not_found(client):
    """``/counters/١`` (an Arabic-Indic one) is no counter, not counter 1."""
    login(client, "admin")
    assert client.get("/api/v1/counters/1").status_code == 200
    assert client.get("/api/v1/counters/%D9%A1").status_code == 404


@pytest.mark.parametrize("counter_id", ["99999999999999999999", "1.5", "١", " 1", ""])
def test_the_console_counter_form_takes_only_an_id(app, client, counter_id):
    login(client, "quay1")
    csrf = form_csrf(client.get("/console/counter"))
    response = client.post("/console/counter", data={"counter_id": counter_id, "csrf_token": csrf})
    assert response.status_code == 400, response.status_code
    assert "Hãy chọn một quầy." in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "counter_id" not in session and not any("counter" in k for k in session)


def test_a_board_subscribing_to_center_1_9_is_not_put_in_center_1(app):
    from server.adapters.realtime import socketio

    board = socketio.test_client(app, auth={"center_id": 1.9})
    received = board.get_received()
    board.disconnect()
    assert [m["name"] for m in received] == ["error"]
    assert received[0]["args"][0]["code"] == "invalid_subscription"


# ------------------------------------------------------------------ item 16: NUL never reaches the database
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tickets/%00",
        "/t/%00",
        "/t/abc%00def",
        "/api/v1/dossiers/%00/status",
        "/rate/t/%00",
        "/t/%00/ticket.png",
        "/api/v1/dossiers/000.00.12.H26-261123-0001%00/status",
    ],
)
def test_a_nul_in_a_path_is_not_found_on_every_database(any_app, path):
    response = any_app.test_client().get(path)
    assert response.status_code == 404, response.get_data(as_text=True)[:300]


def test_a_nul_in_fields_is_a_400_and_nothing_is_created(any_app):
    client = any_app.test_client()
    kiosk = _kiosk(any_app)
    assert_refused(client.post("/api/v1/kiosk/scan", json={"code": "000.00.12.H26-261123-0001\x00"}, headers=kiosk))
    assert_refused(client.post("/api/v1/auth/login", json={"username": "admin\x00", "password": "x"}))
    assert_refused(
        client.post("/api/v1/auth/login", data=b'{"username": "\\ud800", "password": "x"}', content_type="application/json")
    )
    assert_refused(client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1, "priority\x00": None}))
    assert_refused(client.get("/api/v1/centers/1/queue?x=%00"))
    assert_refused(client.get("/api/v1/kiosk/me", headers={"X-Device-Token": "abc\x00"}))
    headers = _clerk_serving_a_ticket(any_app, client)
    response = client.post(
        "/api/v1/counters/1/dossiers",
        headers=headers,
        json={"procedure_code": "TPHT-KH", "applicant_name": "Nguyễn\x00 Thị Hoa", "print": False},
    )
    assert_refused(response)
    page = client.get("/console/dossiers?q=%00")  # a page: the same refusal, as HTML
    assert page.status_code == 400 and "ký tự không hợp lệ" in page.get_data(as_text=True)
    assert _count(any_app, Dossier) == 0
    assert _count(any_app, Ticket) == 1  # the one taken above, nothing from the refused requests


def test_a_nul_in_a_login_form_is_a_400_on_every_database(any_app):
    client = any_app.test_client()
    csrf = form_csrf(client.get("/console/login"))
    response = client.post("/console/login", data={"username": "quay1\x00", "password": "x", "csrf_token": csrf})
    assert response.status_code == 400
    assert "ký tự không hợp lệ" in response.get_data(as_text=True)


def test_a_phone_subscribing_with_a_nul_token_gets_an_error_not_a_crash(any_app):
    from server.adapters.realtime import socketio

    phone = socketio.test_client(any_app, auth={"ticket": "abc\x00"})
    received = phone.get_received()
    phone.disconnect()
    assert [m["name"] for m in received] == ["error"]
    assert received[0]["args"][0]["code"] == "unknown_ticket"


def _integer_fields(schema, path: str):
    """Every (dotted name, field) of an input schema whose value is an integer, nested and listed ones too."""
    from marshmallow import fields

    for name, field in schema.fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            yield from _integer_fields(inner.schema, f"{path}.{name}")
        elif isinstance(inner, fields.Integer):
            yield f"{path}.{name}", inner


def test_every_integer_an_endpoint_reads_is_a_strict_one(app):
    """One rule on every endpoint, including those added later: an integer read from a JSON body
    is an ``Int`` (1.5, "1", true refused) and one read from a query string a ``QueryInt``
    (ASCII digits only). A plain marshmallow ``Integer`` would truncate 1.9999 to 1 again."""
    from server.web.api.schemas import Int, QueryInt

    seen, loose = 0, []
    for rule in app.url_map.iter_rules():
        spec = getattr(app.view_functions[rule.endpoint], "_spec", None) or {}
        inputs = [("body", spec.get("body"))] + [("args", a[0] if isinstance(a, tuple) else a) for a in spec.get("args") or []]
        for where, schema in inputs:
            if schema is None or isinstance(schema, dict):
                continue
            strict = QueryInt if where == "args" else Int
            for name, field in _integer_fields(schema, f"{rule.rule} {where}"):
                seen += 1
                if not isinstance(field, strict):
                    loose.append(name)
    assert seen > 20, "the walk found the API's integer inputs"
    assert loose == [], f"integers read without the strict rule: {loose}"
