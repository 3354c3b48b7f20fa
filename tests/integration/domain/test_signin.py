"""The sign-in throttle as a rule (server/domain/signin.py), over a real SQLite database with a
fixed clock: a few failures are free, then every attempt must wait a doubling delay capped at
15 minutes, a right password during the wait is refused too, after the wait it works and clears
the username's count; an address guessing many usernames is throttled as well; unknown
usernames count alike and cost the same password check."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.domain.errors import DomainError
from server.domain.signin import SigninGuard, SigninThrottled, ThrottleRule, signin_summary, wait_words
from server.models.admin import AuditEntry
from server.models.signin import SigninFailure
from tests.support.demo import DEMO_PASSWORD

WRONG = "not-the-password"
HOME = "10.0.0.5"


@pytest.fixture
def guard(db, clock) -> SigninGuard:
    return SigninGuard(db, clock)


def attempt(guard: SigninGuard, username: str, password: str = WRONG, address: str = HOME) -> str | int:
    """"ok" for a sign-in, "wrong" for a refused password, or the seconds to wait when throttled."""
    try:
        guard.sign_in(username, password, address)
    except SigninThrottled as refused:
        return refused.retry_after
    except DomainError as refused:
        assert refused.code == "bad_credentials" and refused.status == 401
        return "wrong"
    return "ok"


def fail_times(guard: SigninGuard, username: str, n: int, address: str = HOME) -> None:
    for _ in range(n):
        assert attempt(guard, username, address=address) == "wrong"


def fail_waiting(guard: SigninGuard, clock, username: str, n: int) -> None:
    """``n`` wrong passwords, each after the wait the throttle asks for."""
    for _ in range(n):
        answer = attempt(guard, username)
        if answer != "wrong":
            clock.advance(seconds=answer)
            assert attempt(guard, username) == "wrong"


def audit_rows(db, action: str) -> list[AuditEntry]:
    with db.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_five_failures_are_free_then_the_next_attempt_must_wait_a_second(guard):
    fail_times(guard, "quay1", 5)
    assert attempt(guard, "quay1") == 1


def test_a_right_password_during_the_wait_is_refused_too(guard, clock):
    fail_times(guard, "quay1", 5)
    assert attempt(guard, "quay1", DEMO_PASSWORD) == 1
    clock.advance(milliseconds=500)
    assert attempt(guard, "quay1", DEMO_PASSWORD) == 1  # half a second left, rounded up


def test_after_the_wait_the_right_password_signs_in(guard, clock):
    fail_times(guard, "quay1", 5)
    clock.advance(seconds=1)
    principal = guard.sign_in("quay1", DEMO_PASSWORD, HOME)
    assert principal.name == "quay1" and principal.role == "clerk"


def test_the_wait_doubles_with_each_further_failure_and_stops_at_fifteen_minutes(guard, clock):
    fail_times(guard, "quay1", 5)
    waits = []
    for _ in range(13):
        wait = attempt(guard, "quay1")
        waits.append(wait)
        clock.advance(seconds=wait)
        assert attempt(guard, "quay1") == "wrong"
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]


def test_a_right_password_after_the_wait_clears_the_count_of_the_username(guard, clock):
    fail_waiting(guard, clock, "quay1", 7)
    clock.advance(seconds=attempt(guard, "quay1"))
    assert attempt(guard, "quay1", DEMO_PASSWORD) == "ok"
    fail_times(guard, "quay1", 4, address="10.0.0.6")  # free again, from any address
    assert attempt(guard, "quay1", DEMO_PASSWORD, address="10.0.0.6") == "ok"


def test_a_count_is_forgotten_an_hour_after_its_last_failure(guard, clock):
    fail_times(guard, "quay1", 4)
    clock.advance(minutes=61)
    fail_times(guard, "quay1", 4)
    assert attempt(guard, "quay1", DEMO_PASSWORD) == "ok"


def test_one_username_locked_does_not_lock_another_account(guard):
    fail_times(guard, "quay1", 5)
    assert attempt(guard, "quay1") == 1
    assert attempt(guard, "quay2", DEMO_PASSWORD) == "ok"


def test_one_address_trying_many_usernames_is_throttled_too(guard, clock):
    for i in range(10):  # ten different names, one guess each: no username reaches its own limit
        assert attempt(guard, f"user{i}") == "wrong"
    assert attempt(guard, "quay3", DEMO_PASSWORD) == 1  # the address must wait, whatever the account
    assert attempt(guard, "quay3", DEMO_PASSWORD, address="10.0.0.99") == "ok"  # another PC is not held up
    clock.advance(seconds=1)
    assert attempt(guard, "user10") == "wrong"
    assert attempt(guard, "user11") == 2


def test_a_success_of_ones_own_account_does_not_wipe_out_guesses_at_others(guard, clock):
    for i in range(9):
        assert attempt(guard, f"user{i}") == "wrong"
    assert attempt(guard, "quay1", DEMO_PASSWORD) == "ok"
    assert attempt(guard, "user9") == "wrong"
    assert attempt(guard, "user10") == 1


def test_unknown_usernames_are_counted_and_answered_like_real_ones(guard):
    answers = []
    for name in ("quay1", "khong-co-ai"):
        for _ in range(5):
            with pytest.raises(DomainError) as refused:
                guard.sign_in(name, WRONG, "10.0.0." + str(len(name)))
            answers.append(refused.value.to_dict())
        assert attempt(guard, name, address="10.0.0." + str(len(name))) == 1
    assert all(a == answers[0] for a in answers)


def test_an_unknown_username_costs_a_password_check_like_a_real_one(guard):
    """A missing account must not answer faster: timing would tell which usernames exist."""
    def slowest_of_fastest(name: str) -> float:
        times = []
        for i in range(3):
            start = time.perf_counter()
            attempt(guard, name, address=f"10.1.{len(name)}.{i}")
            times.append(time.perf_counter() - start)
        return min(times)

    known, unknown = slowest_of_fastest("quay1"), slowest_of_fastest("khong-co-tai-khoan")
    assert unknown > 0.5 * known, (known, unknown)


def test_the_username_is_counted_whatever_its_case_or_spaces(guard):
    for name in ("quay1", "QUAY1", " Quay1 ", "quay1", "qUay1"):
        assert attempt(guard, name) == "wrong"
    assert attempt(guard, "quay1", DEMO_PASSWORD) == 1


def test_parallel_guesses_cannot_slip_past_the_count(db, clock):
    """Twenty attempts at once (threads, as a server's) get exactly five password checks."""
    guard = SigninGuard(db, clock)
    answers: list = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def one() -> None:
        start.wait()
        answer = attempt(guard, "giamsat")
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers.count("wrong") == 5 and answers.count(1) == 15


def test_each_lock_and_each_refusal_is_audited_without_the_password(guard, db, clock):
    fail_times(guard, "giamsat", 5)
    assert attempt(guard, "giamsat", "mat-khau-doan-thu") == 1
    assert attempt(guard, "giamsat", DEMO_PASSWORD) == 1
    locks, refusals = audit_rows(db, "signin_locked"), audit_rows(db, "signin_refused")
    assert len(locks) == 1 and len(refusals) == 2
    lock = locks[0]
    assert lock.entity == "signin" and lock.entity_id == "giamsat" and lock.center_id == 1
    assert lock.after["locked_for_seconds"] == 1 and lock.after["address"] == HOME and lock.actor == f"anonymous:{HOME}"
    assert "1 giây" in lock.summary
    assert refusals[0].after["retry_after_seconds"] == 1 and "giamsat" in refusals[0].summary
    everything = " ".join(str((e.summary, e.before, e.after)) for e in locks + refusals)
    assert WRONG not in everything and "mat-khau-doan-thu" not in everything and DEMO_PASSWORD not in everything


def test_failures_are_logged_for_the_dashboard_without_the_password(guard, db, clock):
    fail_times(guard, "quay1", 2)
    fail_times(guard, "khong-co-ai", 1, address="10.0.0.7")
    with db.read() as s:
        rows = list(s.scalars(select(SigninFailure).order_by(SigninFailure.id)))
    assert [(r.username, r.address, r.center_id) for r in rows] == [
        ("quay1", HOME, 1), ("quay1", HOME, 1), ("khong-co-ai", "10.0.0.7", None)]


def test_the_dashboard_summary_counts_the_last_hour_today_and_who_is_locked(guard, db, clock):
    fail_times(guard, "quay1", 3)
    clock.advance(minutes=90)
    fail_times(guard, "quay2", 5)
    fail_times(guard, "khong-co-ai", 1, address="10.0.0.8")
    with db.read() as s:
        summary = signin_summary(s, 1, clock.now(), "Asia/Ho_Chi_Minh")
        other_center = signin_summary(s, 2, clock.now(), "Asia/Ho_Chi_Minh")
    assert summary == {"failed_last_hour": 6, "failed_today": 9, "locked_accounts": ["quay2"], "locked_addresses": 0}
    # Another center sees only the failures tied to no center (the unknown username here).
    assert other_center["failed_last_hour"] == 1 and other_center["locked_accounts"] == []
    clock.advance(seconds=1)
    with db.read() as s:
        assert signin_summary(s, 1, clock.now(), "Asia/Ho_Chi_Minh")["locked_accounts"] == []


def test_today_starts_at_the_centers_local_midnight(guard, db, clock):
    clock.set(clock.now().replace(hour=16, minute=50))  # 23:50 in Hà Nội
    fail_times(guard, "quay1", 1)
    clock.advance(minutes=20)  # 00:10 the next local day
    with db.read() as s:
        summary = signin_summary(s, 1, clock.now(), "Asia/Ho_Chi_Minh")
    assert summary["failed_last_hour"] == 1 and summary["failed_today"] == 0


@pytest.mark.parametrize(("seconds", "vi", "en"), [
    (1, "1 giây", "1 second"), (45, "45 giây", "45 seconds"), (60, "1 phút", "1 minute"),
    (61, "2 phút", "2 minutes"), (900, "15 phút", "15 minutes"),
])
def test_the_wait_is_told_in_seconds_then_whole_minutes(seconds, vi, en):
    assert wait_words(seconds) == (vi, en)


def test_the_refusal_says_how_long_to_wait_in_both_languages():
    refused = SigninThrottled(120)
    assert refused.status == 429 and refused.code == "signin_throttled"
    assert refused.message_vi == "Đăng nhập sai nhiều lần. Vui lòng thử lại sau 2 phút."
    assert refused.message_en == "Too many failed sign-ins. Please try again in 2 minutes."
    assert refused.headers == {"Retry-After": "120"}


def test_the_rule_can_be_tuned(db, clock):
    guard = SigninGuard(db, clock, ThrottleRule(account_free=2, first_delay=timedelta(seconds=30)))
    fail_times(guard, "quay1", 2)
    assert attempt(guard, "quay1") == 30


def test_logins_that_succeed_do_not_keep_an_addresss_old_failures_alive(guard, clock):
    """Clerks behind one address: a few typos in the morning are forgotten an hour later, however
    many right passwords were typed from that address since."""
    for i in range(9):
        assert attempt(guard, f"user{i}") == "wrong"
    for _ in range(0, 70, 10):
        clock.advance(minutes=10)
        assert attempt(guard, "quay1", DEMO_PASSWORD) == "ok"
    for i in range(9):
        assert attempt(guard, f"other{i}") == "wrong"
    assert attempt(guard, "quay2", DEMO_PASSWORD) == "ok"  # nine fresh failures: still under ten
