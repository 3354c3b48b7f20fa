"""Admin and supervisor pages (server-rendered; changes go through the JSON API with the
session's CSRF token), plus the counter rating tablet and the phone rating page."""
from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse, urlsplit, urlunsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from audio.announcements import DEFAULT_TEMPLATES
from server.adapters.printing import PAPER_WIDTHS, public_base_url
from server.clock import DEFAULT_TZ, format_local, local_date
from server.domain import report_pages
from server.domain.accounts import Principal
from server.domain.bookings.settings import booking_settings
from server.domain.center_rules import (
    DEFAULT_CLOSING_RULES,
    DEFAULT_OPENING_HOURS,
    DEFAULT_RETENTION_DAYS,
    SOUND_DEFAULTS,
    WEEKDAYS,
    WEEKDAYS_VI,
    national_holidays,
)
from server.domain.centers import centers_visible_to
from server.domain.devices import DeviceService
from server.domain.errors import DomainError, not_found
from server.domain.inputs import id_from_text
from server.domain.ratings import check_tablet_key, choices, tablet_key
from server.domain.reports.published import vi_decimal, vi_int, vi_percent
from server.domain.voice_packs import CHIME_LABELS, VoicePackService
from server.extensions import services
from server.models import Center, ServiceKind, User
from server.web.api.devices import device_view
from server.web.auth import csrf_ok, csrf_token, end_session, login_page, staff_page

admin_bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static",
                     static_url_path="/static")
rate_bp = Blueprint("rate", __name__, url_prefix="/rate", template_folder="templates")
MAX_TICKET_TOKEN = 64  # a ticket's token is shorter: a longer one is never looked up

ROLE_LABELS = {"clerk": ("Cán bộ một cửa", "Clerk"), "supervisor": ("Giám sát", "Supervisor"),
               "admin": ("Quản trị", "Administrator")}
KIND_LABELS = {ServiceKind.SUBMIT: ("Nộp hồ sơ", "Submit"), ServiceKind.COLLECT: ("Nhận kết quả", "Collect result"),
               ServiceKind.INFORMATION: ("Hỏi đáp, hướng dẫn", "Information")}
POLICY_LABELS = {"longest_wait": ("Chờ lâu nhất trước", "Longest wait first"),
                 "in_order": ("Theo thứ tự lĩnh vực", "Services in order"),
                 "ratio": ("Xen kẽ theo tỉ lệ", "Interleave by ratio")}
DEVICE_LABELS = {"kiosk": ("Kiosk lấy số", "Kiosk"), "display": ("Màn hình gọi số", "Display"),
                 "counter_screen": ("Màn hình quầy", "Counter screen"), "rating_tablet": ("Máy đánh giá", "Rating tablet"),
                 "printer": ("Máy in", "Printer")}


# Every instant on the admin pages reads "11:43, 06/12/2026" in the center's time zone.
admin_bp.add_app_template_filter(format_local, "local_dt")
# Counts, shares and points the Vietnamese way on the periodic report (3.544 hồ sơ, 95,2%, 17,35 điểm).
admin_bp.add_app_template_filter(vi_int, "vi_int")
admin_bp.add_app_template_filter(vi_percent, "vi_percent")
admin_bp.add_app_template_filter(vi_decimal, "vi_decimal")


# ------------------------------------------------------------------ access


def page(role: str = "supervisor") -> Callable:
    """A page for ``role`` and above: anonymous visitors go to the login page, others get 403."""
    return staff_page(role, "admin.login")


def _centers_for(user: User) -> list[Center]:
    with services().db.read() as s:
        return centers_visible_to(s, user)


def _render(template: str, center_id: int | None = None, **context: Any) -> str:
    user: User = g.user
    centers = _centers_for(user)
    center = next((c for c in centers if c.id == center_id), None)
    return render_template(
        template, user=user, is_admin=user.role == "admin", centers=centers, center=center,
        center_id=center_id, center_tz=center.timezone if center else DEFAULT_TZ, csrf=csrf_token(), role_labels=ROLE_LABELS,
        kind_labels=KIND_LABELS, device_labels=DEVICE_LABELS, **context,
    )


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme): never an open redirect."""
    if not target:
        return url_for("admin.home")
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("admin.home")
    return target


# ------------------------------------------------------------------ login
@admin_bp.route("/login", methods=["GET", "POST"])
def login():
    """The admin/supervisor login form (clerks log in here too and go on to the console)."""
    return login_page("admin/login.html", expired_status=401, landing=_landing)


def _landing(principal: Principal) -> str:
    return "/console/" if principal.role == "clerk" else _safe_next(request.form.get("next"))


@admin_bp.post("/logout")
def logout():
    """Sign out (a form post with the page's CSRF token)."""
    if csrf_ok():
        end_session()
    return redirect(url_for("admin.login"))


@admin_bp.get("/")
@page("supervisor")
def home():
    """The first center's dashboard (a province-wide account picks among all)."""
    centers = _centers_for(g.user)
    if not centers:
        return redirect(url_for("admin.centers"))
    return redirect(url_for("admin.dashboard", center_id=centers[0].id))


# ------------------------------------------------------------------ dashboard & reports
@admin_bp.get("/c/<int:center_id>/")
@page("supervisor")
def dashboard(center_id: int):
    """Live dashboard: waiting per service, longest wait, counters and clerks, today, alerts."""
    core = services()
    data = report_pages.live_view(core.db, core.clock, core.alerts.open_alerts(center_id), center_id)
    return _render("admin/dashboard.html", center_id, live=data, page_key="dashboard")


@admin_bp.get("/reports")
@page("supervisor")
def report_page():
    """Period report with charts and exports, and the periodic report a center publishes (báo cáo định kỳ)."""
    ask = report_pages.page_ask(services().db, g.user, request.args)
    report, period, day = report_pages.period_report(services().db, services().clock, ask)
    published = report_pages.page_published(services().db, services().clock, g.user, ask, request.args.get("scope"))
    return _render("admin/reports.html", ask.center_id, report=report, period=period, day=day, page_key="reports",
                   query=report_pages.page_query(ask.center_id, period, day), published=published,
                   selected=("all" if ask.center_id is None else ask.center_id))


# ------------------------------------------------------------------ configuration pages
@admin_bp.get("/centers")
@page("supervisor")
def centers():
    """All centers (a province-wide admin adds or imports one here)."""
    return _render("admin/centers.html", None, rows=services().admin.list_centers(g.principal), page_key="centers")


@admin_bp.get("/c/<int:center_id>/center")
@page("supervisor")
def center_settings(center_id: int):
    """A center's details, queue policy, opening hours and closing rules."""
    data = services().admin.get_center(g.principal, center_id)
    settings = data["settings"]
    return _render("admin/center.html", center_id, data=data, hours=settings.get("opening_hours") or {},
                   has_hours=bool(settings.get("opening_hours")), default_hours=DEFAULT_OPENING_HOURS,
                   rules={**DEFAULT_CLOSING_RULES, **(settings.get("closing_rules") or {})}, weekdays=WEEKDAYS,
                   weekday_labels=WEEKDAYS_VI, all_centers=services().admin.list_centers(g.principal), page_key="center",
                   retention_days=(settings.get("privacy") or {}).get("retention_days", DEFAULT_RETENTION_DAYS),
                   **_booking_form(center_id, settings))


def _booking_form(center_id: int, settings: dict[str, Any]) -> dict[str, Any]:
    """The booking section's values and the center's fields with their "open to booking" box."""
    booking = booking_settings(SimpleNamespace(settings=settings))
    rows = [r for r in services().admin.list_services(g.principal, center_id) if r.get("active", True)]
    chosen = booking["service_ids"]
    fields = [{"id": r["id"], "name": r["name"],
               "chosen": r["id"] in chosen if chosen is not None else r.get("kind") in (ServiceKind.SUBMIT, ServiceKind.COLLECT)}
              for r in rows]
    return {"booking": booking, "booking_services": fields}


@admin_bp.get("/c/<int:center_id>/services")
@page("supervisor")
def services_page(center_id: int):
    return _render("admin/services.html", center_id, rows=services().admin.list_services(g.principal, center_id),
                   page_key="services")


@admin_bp.get("/c/<int:center_id>/counters")
@page("supervisor")
def counters_page(center_id: int):

    rows = services().admin.list_counters(g.principal, center_id)
    secret = current_app.config["SECRET_KEY"]
    for row in rows:
        # On the LAN address (a tablet cannot open the admin's "localhost"), like every device link.
        row["rating_url"] = public_base_url() + url_for("rate.tablet", counter_id=row["id"], key=tablet_key(secret, row["id"]))
    service_rows = services().admin.list_services(g.principal, center_id)
    return _render("admin/counters.html", center_id, rows=rows, service_rows=service_rows, policy_labels=POLICY_LABELS,
                   page_key="counters")


@admin_bp.get("/c/<int:center_id>/devices")
@page("supervisor")
def devices_page(center_id: int):
    """The center's devices, their printers and the pairing link."""
    core = services()
    rows = [device_view(d) for d in DeviceService(core.db, core.clock).list(g.principal, center_id)]
    counters = [{k: c[k] for k in ("id", "number", "name")} for c in core.admin.list_counters(g.principal, center_id)]
    for row in rows:
        # The URL field shows the connection only; width and cut have fields of their own.
        row["printer_base"] = _without_width_cut(row["printer_url"]) if row["printer_url"] else ""
    return _render("admin/devices.html", center_id, rows=rows, counters=counters, paper_widths=PAPER_WIDTHS,
                   pair_url=_pair_url(), page_key="devices")


def _without_width_cut(url: str) -> str:

    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("width", "cut")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, safe="/:"), parts.fragment))


def _pair_url() -> str:
    """The pairing page as another machine on the LAN opens it (never ``localhost``)."""

    return f"{public_base_url()}/pair"


@admin_bp.get("/c/<int:center_id>/calendar")
@page("supervisor")
def calendar_page(center_id: int):
    """Days off and make-up working days of the center, with the national holidays for reference."""
    data = services().admin.get_center(g.principal, center_id)
    cal = data["settings"].get("calendar") or {"use_national_holidays": True, "days_off": [], "workdays": []}
    year = local_date(services().clock.now()).year
    national = sorted(list(national_holidays(year).items()) + list(national_holidays(year + 1).items()))
    return _render("admin/calendar.html", center_id, cal=cal, national=national, year=year, page_key="calendar")


@admin_bp.get("/c/<int:center_id>/announcements")
@page("supervisor")
def announcements_page(center_id: int):
    """Announcement templates, voice settings, board notice and ticket footer."""
    data = services().admin.get_center(g.principal, center_id)

    ann = {**SOUND_DEFAULTS, **(data["settings"].get("announcements") or {})}
    return _render("admin/announcements.html", center_id, data=data, ann=ann, defaults=DEFAULT_TEMPLATES,
                   packs=_voice_packs().list_packs(), chimes=CHIME_LABELS,
                   board_notice=data["settings"].get("board_notice") or "",
                   ticket_footer=data["settings"].get("ticket_footer") or "",
                   ratings=data["settings"].get("ratings") or {"tablet_minutes": 10}, page_key="announcements")


@admin_bp.get("/c/<int:center_id>/procedures")
@page("supervisor")
def procedures_page(center_id: int):
    """The procedure catalogue (dossier area) with processing days."""
    return _render("admin/procedures.html", center_id, rows=services().procedures.list(center_id),
                   service_rows=services().admin.list_services(g.principal, center_id), page_key="procedures")


@admin_bp.get("/users")
@page("admin")
def users_page():
    user: User = g.user
    return _render("admin/users.html", user.center_id, rows=services().admin.list_users(g.principal), page_key="users")


@admin_bp.get("/audit")
@page("supervisor")
def audit_page():
    """The audit log, with the rule of ``GET /api/v1/admin/audit``: a center's staff read their
    center's log, a province-wide supervisor one center's at a time, only a province-wide admin all of it."""
    user: User = g.user
    center_arg = id_from_text(request.args.get("center"))
    if user.center_id is not None:
        center_arg = user.center_id
    elif center_arg is None and g.principal.role != "admin":
        return _one_center_audit(user)
    entity = request.args.get("entity") or None
    offset = id_from_text(request.args.get("offset")) or 0  # a page offset: digits, 0 up to the ids' range
    rows = services().admin.audit_log(g.principal, center_arg, entity, 100, offset)
    return _render("admin/audit.html", center_arg, rows=rows, entity=entity, offset=offset, page_key="audit")


def _one_center_audit(user: User) -> Any:
    """A province-wide supervisor asking for the whole log: send them to the first center's.

    The unscoped log also holds province-level changes (accounts, passwords, new centers) that
    the API refuses a supervisor; the menu links here without a center, hence a redirect, not a 403."""
    centers = _centers_for(user)
    if not centers:
        raise DomainError("forbidden", "Bạn không có quyền làm việc này.", "You are not allowed to do this.", status=403)
    return redirect(url_for("admin.audit_page", center=centers[0].id, entity=request.args.get("entity") or None))


# ------------------------------------------------------------------ rating pages
@rate_bp.get("/<int:counter_id>")
def tablet(counter_id: int):
    """The counter tablet: big buttons for the ticket just finished at this counter."""
    key = request.args.get("key", "")
    if not check_tablet_key(current_app.config["SECRET_KEY"], counter_id, key):
        raise DomainError("invalid_key", "Đường dẫn máy đánh giá không hợp lệ.", "Invalid rating tablet link.", status=403)
    state = services().ratings.tablet_state(counter_id)
    return render_template("rate/tablet.html", state=state, key=key, counter_id=counter_id)


@rate_bp.get("/t/<token>")
def phone(token: str):
    """A served ticket's rating page (linked from the ticket's phone page)."""
    if len(token) > MAX_TICKET_TOKEN:
        raise not_found("số thứ tự", "Ticket", "unknown_ticket")
    view = services().queue.ticket_by_token(token)
    return render_template("rate/phone.html", ticket=view, token=token, rated=services().ratings.given(view["id"]),
                           choices=choices())


# ------------------------------------------------------------------ voice packs
@admin_bp.get("/c/<int:center_id>/voice-packs")
@page("supervisor")
def voice_packs_page(center_id: int):
    """The voice packs: create, import, export, delete; which one this center uses."""
    data = services().admin.get_center(g.principal, center_id)
    chosen = (data["settings"].get("announcements") or {}).get("voice_pack_id")
    return _render("admin/voice_packs.html", center_id, packs=_voice_packs().list_packs(), chosen=chosen, page_key="voice_packs")


@admin_bp.get("/c/<int:center_id>/voice-packs/<int:pack_id>")
@page("supervisor")
def voice_pack_page(center_id: int, pack_id: int):
    """One pack: each clip this center needs, recorded from the microphone or uploaded, and a preview of the calls."""
    packs = _voice_packs()
    pack = packs.get_pack(pack_id)
    return _render("admin/voice_pack.html", center_id, pack=pack, clips=packs.clip_status(pack_id, center_id),
                   coverage=packs.coverage(pack_id, center_id), page_key="voice_packs")


def _voice_packs() -> VoicePackService:
    core = services()
    return VoicePackService(core.db, core.clock)
