"""The application factory: one Flask (APIFlask) app with the API, realtime layer and pages."""

from __future__ import annotations

import logging

from apiflask import APIFlask
from flask import Flask, render_template_string
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

import booking.views
import display.views
import kiosk.views
import server.web.admin
import server.web.console
import server.web.pairing
from server.adapters import realtime
from server.bootstrap import Services, build_services
from server.clock import Clock
from server.config import Settings
from server.extensions import SERVICES_KEY, services
from server.models import Center, load_all_models
from server.schema import upgrade
from server.web.api import api_bp, openapi
from server.web.auth import init_auth
from server.web.errors import install_error_handlers
from server.web.ratelimit import init_rate_limits
from server.web.request_guard import install as install_request_guard
from server.web.vendor import vendor_bp

log = logging.getLogger("motcua")


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> APIFlask:
    """Build the app over ``settings`` (default: the environment's). It seeds nothing: the demo
    center comes from ``run.py`` (server/demo.py)."""
    settings = settings or Settings.from_env()
    app = APIFlask(
        __name__.split(".")[0],
        title="Một Cửa Queue API",
        version="1.0",
        spec_path="/api/v1/openapi.json",
        docs_path="/api/v1/docs",
        template_folder=None,
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        VALIDATION_ERROR_STATUS_CODE=400,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=8 * 3600,  # a working day; clerks log in again tomorrow
        # The session cookie is signed and sent again only when the session changes, not with every answer
        # (0.16 ms of each signed-in request, issue 17). A clerk's session still slides: the presence note
        # (server/web/auth.py note_presence) changes it at least every 5 minutes while they work.
        SESSION_REFRESH_EACH_REQUEST=False,
        JSON_SORT_KEYS=False,
        DESCRIPTION="Hàng đợi, phát số và gọi số cho Bộ phận một cửa / Queue, ticketing and calling for one-stop centers.",
        SWAGGER_UI_CSS="/vendor/swagger-ui/swagger-ui.css",
        SWAGGER_UI_BUNDLE_JS="/vendor/swagger-ui/swagger-ui-bundle.js",
        SWAGGER_UI_STANDALONE_PRESET_JS="/vendor/swagger-ui/swagger-ui-standalone-preset.js",
        DOCS_FAVICON="/vendor/swagger-ui/favicon-32x32.png",
    )
    app.json.ensure_ascii = False  # Vietnamese stays readable in JSON
    app.json.sort_keys = False
    # First of the request hooks: body size, JSON depth and NUL checks run before anything reads the request.
    install_request_guard(app)

    upgrade(settings.database_url)
    load_all_models()
    app.extensions[SERVICES_KEY] = build_services(settings, clock)

    # Ids are database integers: a 30-digit id is "not found", not an overflow.
    app.url_map.converters["int"] = BoundedIntConverter
    openapi.install(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(vendor_bp)
    _register_pages(app)
    realtime.init_app(app, settings)
    _trust_proxies(app, settings.trusted_proxies)
    init_auth(app)
    init_rate_limits(app, settings)
    install_error_handlers(app)

    @app.get("/")
    @app.doc(hide=True)
    def index():
        return render_template_string(INDEX_HTML, centers=_centers(app))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return app


# Pages load nothing from outside the center's own server (no CDN: centers run offline, and a
# page tricked into loading or sending to a foreign host is refused). What the policy does not
# restrict, on purpose: inline scripts and styles (a few templates have them), string evaluation
# (browser automation — the test suite's Playwright, a support technician's devtools — evaluates
# in the page; with inline scripts allowed it adds little), and WebAssembly (the camera scanner
# compiles its zxing module, served locally).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' 'wasm-unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'self'",
        "form-action 'self'",
    ]
)


def _trust_proxies(app: Flask, hops: int) -> None:
    """Believe ``X-Forwarded-For``/``-Proto`` from ``hops`` reverse proxies (``TRUSTED_PROXIES``).

    Behind nginx every client is 127.0.0.1: rate limits would throttle the whole center as one
    caller and logs would name nobody. Off by default, because without a proxy in front anyone
    could write those headers and pick their own address."""
    if hops <= 0:
        return
    # Called after Socket.IO has wrapped wsgi_app, so its connections see the real address too.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to the database's 32-bit ids, written in ASCII digits (werkzeug's ``\\d``
    also matches other scripts' digits: ``/counters/١`` would have been counter 1)."""

    regex = r"[0-9]+"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        # Out of range is an id that exists nowhere (-1, a 404 from the view), not a failed match:
        # werkzeug would answer a failed match with 405 when a sibling rule of the path takes another method.
        number = int(value)
        too_small = self.min is not None and number < self.min
        return -1 if too_small or (self.max is not None and number > self.max) else number


def _centers(app: Flask) -> list[Center]:
    with services(app).db.read() as session:
        return list(session.scalars(select(Center).order_by(Center.id)))


def _register_pages(app: Flask) -> None:
    """Kiosk, display, booking, console, administration and pairing pages: each package registers its blueprint."""
    for package in (kiosk.views, display.views, booking.views, server.web.console, server.web.admin, server.web.pairing):
        package.register(app)


INDEX_HTML = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Một Cửa Queue</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:'DejaVu Sans','Noto Sans',Arial,sans-serif;margin:0;background:#f3f5f8;color:#1b2733;
 font-size:1.2rem;line-height:1.45}
header{background:#0b4f8a;color:#fff;padding:1.4rem max(2rem, calc((100% - 72rem) / 2))}
header h1{margin:0;font-size:2.2rem}header p{margin:.3rem 0 0;font-size:1.15rem}
main{max-width:72rem;margin:0 auto;padding:1.5rem 2rem 2rem}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(20rem,1fr));gap:1rem;margin:0;padding:0;list-style:none}
.tiles a{display:block;min-height:7.5rem;padding:1.1rem 1.3rem;background:#fff;border:2px solid #c9d6e3;border-radius:.8rem;
 color:#0b4f8a;text-decoration:none}
.tiles a:hover,.tiles a:focus{border-color:#0b4f8a;box-shadow:0 0 0 3px #b7d0ea;outline:none}
.tiles b{display:block;font-size:1.55rem;margin-bottom:.3rem}.tiles span{color:#3d4b59;font-size:1.05rem}
h2{font-size:1.4rem;margin:2rem 0 .6rem}.centers a,.tech a{color:#0b4f8a}.centers li,.tech li{margin:.35rem 0}
</style></head><body>
<header><h1>Một Cửa Queue</h1><p>Hệ thống phát số, xếp hàng và gọi số cho Bộ phận một cửa. Chọn việc cần làm:</p></header>
<main>
<ul class="tiles">
<li><a href="/kiosk/" id="go-kiosk"><b>Kiosk lấy số</b>
<span>Màn hình cảm ứng cho công dân lấy số thứ tự (máy đã đăng ký làm kiosk)</span></a></li>
<li><a href="/display/board" id="go-board"><b>Màn hình gọi số</b>
<span>Tivi ở sảnh chờ: hiện số được gọi và đọc lời mời (máy đã đăng ký làm màn hình)</span></a></li>
<li><a href="/dat-lich" id="go-booking"><b>Đặt lịch hẹn / Book a time</b>
<span>Công dân chọn lĩnh vực, ngày và giờ để đến làm thủ tục, nhận mã lịch hẹn và mã QR</span></a></li>
<li><a href="/console/" id="go-console"><b>Bàn làm việc cán bộ</b>
<span>Cán bộ một cửa đăng nhập để gọi số, tiếp nhận hồ sơ, trả kết quả</span></a></li>
<li><a href="/admin/" id="go-admin"><b>Giám sát, quản trị và báo cáo</b>
<span>Theo dõi trực tiếp, cấu hình trung tâm, thiết bị, tài khoản; báo cáo quý, 6 tháng, 9 tháng, năm</span></a></li>
<li><a href="/pair" id="go-pair"><b>Ghép nối thiết bị mới</b>
<span>Mở trang này trên kiosk, tivi hoặc máy tính bảng mới để ghép nối với trung tâm</span></a></li>
<li><a href="/api/v1/docs" id="go-api"><b>Tài liệu API</b>
<span>Cho cán bộ công nghệ thông tin và hệ thống một cửa điện tử kết nối (OpenAPI)</span></a></li>
</ul>
{% if centers %}<h2>Xem thử màn hình gọi số của từng trung tâm</h2>
<ul class="centers">{% for c in centers %}<li>{{ c.name }}: <a href="/display/board?center={{ c.id }}">màn hình gọi số</a>
 · <a href="/api/v1/centers/{{ c.id }}/queue">hàng đợi hôm nay (JSON)</a></li>{% endfor %}</ul>{% endif %}
<h2>Cho cán bộ công nghệ thông tin</h2>
<ul class="tech"><li>Quên mật khẩu quản trị: chạy <code>python run.py reset-password TÊN_ĐĂNG_NHẬP</code> trên máy chủ.</li>
<li>In thử: <code>python run.py print-test --printer tcp://192.168.1.50:9100</code>;
nghe thử giọng đọc: <code>python run.py say "…" --play</code>.</li>
<li><a href="/api/v1/openapi.json">openapi.json</a></li></ul>
</main>
</body></html>"""

__all__ = ["create_app", "services", "Services"]
