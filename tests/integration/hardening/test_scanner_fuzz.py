"""What a barcode scanner, a phone or a curious visitor can type, thrown at the places that take it:
the kiosk's scan endpoint, the ticket's phone page ``/t/<token>``, dossier-code look-ups, and the
console and admin forms. Never a 5xx; JSON answers keep our error format.

The inputs come from our own generators with a fixed seed (so a failure reproduces): random bytes,
100 KB strings, SQL/HTML/JS injection strings, Vietnamese text in NFC and NFD, codes shaped like
dossier codes (``000.00.12.H26-261123-0001``) and like the citizen ID card's QR, each mutated, and
NUL and control characters, numbers that are not ids. The number of requests by status code is printed in pytest's summary."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest

from server.app import create_app
from server.demo_procedures import seed_demo_procedures
from server.domain.accounts import register_device
from tests.support.demo import form_csrf, login, make_db
from tests.support.fuzz_tally import count
from tests.support.settings import make_settings

SEED = 20261206
INJECTIONS = [
    "' OR '1'='1' --",
    "1; DROP TABLE tickets; --",
    "'; SELECT pg_sleep(5); --",
    "\" OR \"\"=\"",
    "1' UNION SELECT password_hash FROM users --",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(document.cookie)",
    "{{7*7}}",
    "${7*7}",
    "{% raw %}{{ config }}{% endraw %}",
    "../../../../etc/passwd",
    "%00",
    "%2e%2e%2f",
    "\\u0000",
    "$(reboot)",
    "`id`",
    "*)(uid=*))(|(uid=*",
]
VIETNAMESE = [
    "Nguyễn Văn A",
    "Trần Thị Bích Ngọc",
    "Hồ sơ đã có kết quả",
    "Phường Hoàn Kiếm, Hà Nội",
    "Đặng Quốc Việt",
    "ỷ ỹ ự ừ ữ",
]
DOSSIER_CODES = ["000.00.12.H26-261123-0001", "000.00.12.H23-261122-0007", "H26.22-261123-0001"]
CCCD = "001234567890||NGUYỄN VĂN A|01011990|Nam|Hà Nội|01012022"
CONTROL = "".join(chr(c) for c in range(32)) + "\x7f\u200b\u202e\ufeff"


def _mutate(rng: random.Random, text: str) -> str:
    """One to three edits: drop, duplicate, replace a character, change case, insert a control or an accented letter."""
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(chars) + 1)
        edit = rng.choice(["drop", "dup", "replace", "case", "control", "accent", "digit"])
        if edit == "drop" and chars:
            del chars[min(i, len(chars) - 1)]
        elif edit == "dup" and chars:
            chars.insert(i, chars[min(i, len(chars) - 1)])
        elif edit == "replace" and chars:
            chars[min(i, len(chars) - 1)] = rng.choice("0123456789-.|ABCHZ ")
        elif edit == "case":
            chars = list("".join(chars).lower() if rng.random() < 0.5 else "".join(chars).upper())
        elif edit == "control":
            chars.insert(i, rng.choice(CONTROL))
        elif edit == "accent":
            chars.insert(i, rng.choice("ăâđêôơưáàảãạẤỪ"))
        else:
            chars.insert(i, rng.choice("0123456789١٢"))
    return "".join(chars)


def scanner_inputs(rng: random.Random, n: int, real_codes: list[str]) -> Iterator[str]:
    """``n`` strings, a mix of every family named in the module's docstring."""
    families = ["bytes", "long", "injection", "vietnamese", "dossier", "cccd", "control", "real", "nul", "number"]
    for i in range(n):
        family = families[i % len(families)]
        if family == "bytes":
            yield bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))).decode("utf-8", errors="replace")
        elif family == "long":
            yield rng.choice(["A", "9", "Ư", "-", "<"]) * rng.choice([4097, 100_000])
        elif family == "injection":
            yield rng.choice(INJECTIONS)
        elif family == "vietnamese":
            text = rng.choice(VIETNAMESE)
            yield unicodedata.normalize(rng.choice(["NFC", "NFD"]), text)
        elif family == "dossier":
            yield _mutate(rng, rng.choice(DOSSIER_CODES))
        elif family == "cccd":
            yield _mutate(rng, CCCD) if rng.random() < 0.7 else unicodedata.normalize("NFD", CCCD)
        elif family == "nul":
            code = rng.choice(real_codes + DOSSIER_CODES)
            i = rng.randrange(len(code) + 1)
            yield code[:i] + "\x00" + code[i:]
        elif family == "number":
            yield rng.choice(["99999999999999999999", "2147483648", "-1", "0", "1.5", "1e3", "١", "+1", " 1", "0x10"])
        elif family == "control":
            yield "".join(rng.choice(CONTROL) for _ in range(rng.randint(1, 8))) + rng.choice(DOSSIER_CODES)
        else:
            yield rng.choice(real_codes) if rng.random() < 0.5 else _mutate(rng, rng.choice(real_codes))


@pytest.fixture(params=["sqlite", "postgresql"])
def fuzz_target(request, tmp_path, clock):
    """The demo center with a received dossier whose result is ready, a kiosk, a clerk and an admin."""
    url = f"sqlite:///{tmp_path / 'scan.sqlite3'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    make_db(url).dispose()
    app = create_app(
        make_settings(database_url=url, instance_path=tmp_path, secret_key="scan-fuzz", rate_limit_enabled=False), clock=clock
    )
    db = app.extensions["motcua"].db
    with db.write() as s:
        seed_demo_procedures(s, 1)
        _device, kiosk = register_device(s, 1, "kiosk", "Kiosk quét")
    citizen = app.test_client()
    ticket = citizen.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).get_json()
    clerk = app.test_client()
    csrf = login(clerk, "quay1")
    assert clerk.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf}).status_code == 200
    dossier = clerk.post(
        "/api/v1/counters/1/dossiers",
        headers={"X-CSRF-Token": csrf},
        json={"procedure_code": "TPHT-KH", "applicant_name": "Nguyễn Thị Hoa", "print": False},
    ).get_json()["dossier"]
    assert (
        clerk.post(f"/api/v1/dossiers/{dossier['code']}/result-ready", headers={"X-CSRF-Token": csrf}, json={}).status_code == 200
    )
    admin = app.test_client()
    login(admin, "admin")
    yield {
        "app": app,
        "db": request.param,
        "kiosk": kiosk,
        "clerk": clerk,
        "csrf": csrf,
        "admin": admin,
        "codes": [dossier["code"], ticket["token"]],
    }
    db.dispose()


def _check(label: str, response, *, json_api: bool) -> str | None:
    count(label, response.status_code)
    if response.status_code >= 500:
        return f"{response.status_code}: {response.get_data(as_text=True)[:300]}"
    if json_api and response.status_code >= 400:
        error = (response.get_json(silent=True) or {}).get("error") or {}
        if not (error.get("code") and error.get("message_vi") and error.get("message_en")):
            return f"{response.status_code} without our error body: {response.get_data(as_text=True)[:300]}"
    return None


def test_scanner_and_form_input_never_gives_a_5xx(fuzz_target):
    app, kiosk, clerk, csrf, admin = (fuzz_target[k] for k in ("app", "kiosk", "clerk", "csrf", "admin"))
    rng = random.Random(SEED)
    anonymous = app.test_client()
    label = f"scanner/forms {fuzz_target['db']}"
    per_target = 80 if fuzz_target["db"] == "sqlite" else 60
    failures: list[str] = []

    def send(name: str, response, json_api: bool = True) -> None:
        problem = _check(label, response, json_api=json_api)
        if problem:
            failures.append(f"{name}: {problem}")

    texts = list(scanner_inputs(rng, per_target, fuzz_target["codes"]))
    for text in texts:
        short = text[:5000]  # a path or query beyond a few KB is refused by any real server before us
        send(f"scan {text[:60]!r}", anonymous.post("/api/v1/kiosk/scan", json={"code": text}, headers={"X-Device-Token": kiosk}))
        send(f"/t/ {text[:60]!r}", anonymous.get("/t/" + quote(short, safe="")), json_api=False)
        send(f"status {text[:60]!r}", anonymous.get(f"/api/v1/dossiers/{quote(short, safe='')}/status"))
        send(f"dossier {text[:60]!r}", clerk.get(f"/api/v1/dossiers/{quote(short, safe='')}"))
        send(
            f"pickup {text[:60]!r}",
            clerk.post("/api/v1/centers/1/dossier-pickup", json={"code": text}, headers={"X-CSRF-Token": csrf}),
        )
        send(f"ticket {text[:60]!r}", anonymous.get(f"/api/v1/tickets/{quote(short, safe='')}"))
        send(f"rating {text[:60]!r}", anonymous.get("/rate/t/" + quote(short, safe="")), json_api=False)
        send(
            f"console search {text[:60]!r}",
            clerk.get("/console/dossiers?" + urlencode({"q": short, "center": short[:20], "state": short[:30]})),
            json_api=False,
        )
        send(
            f"admin reports {text[:60]!r}",
            admin.get("/admin/reports?" + urlencode({"center": short[:20], "date": short[:20], "period": short[:10]})),
            json_api=False,
        )
        send(
            f"admin audit {text[:60]!r}",
            admin.get("/admin/audit?" + urlencode({"center": short[:20], "offset": short[:20], "entity": short[:40]})),
            json_api=False,
        )
        send(f"api login {text[:60]!r}", anonymous.post("/api/v1/auth/login", json={"username": text, "password": text}))
        send(
            f"console login {text[:60]!r}",
            _form_post(anonymous, "/console/login", {"username": text, "password": text[:200]}),
            json_api=False,
        )
        send(f"pick counter {text[:60]!r}", _form_post(clerk, "/console/counter", {"counter_id": text}), json_api=False)

    # Raw bodies: invalid UTF-8 and random bytes as JSON and as a form.
    for _ in range(per_target // 4):
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
        send(
            "scan raw bytes",
            anonymous.post("/api/v1/kiosk/scan", data=raw, content_type="application/json", headers={"X-Device-Token": kiosk}),
        )
        send(
            "login raw form",
            anonymous.post("/console/login", data=raw, content_type="application/x-www-form-urlencoded"),
            json_api=False,
        )
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])


def _form_post(client, path: str, fields: dict[str, str]):
    """A form post with the page's CSRF token, as a browser sends it."""
    return client.post(path, data={**fields, "csrf_token": form_csrf(client.get(path))})
