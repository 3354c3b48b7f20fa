"""Every error the app answers, mapped in one place to JSON (the API, scripts) or a plain page (browsers).

- :class:`~server.domain.errors.DomainError`: its own code, status and Vietnamese and English
  message (plus headers such as ``Retry-After`` of a throttled sign-in);
- a CSRF failure (Flask-WTF's ``CSRFError``): 403 ``csrf_failed``;
- HTTP errors (bad JSON or input 400, 404, 405, 413, 415, 429 …): :data:`HTTP_ERRORS`;
- anything else: 500 ``internal_error`` — or 503 ``temporarily_unavailable`` with ``Retry-After``
  when the database is unreachable — logged for the IT officer, never a stack trace to a citizen.
"""
from __future__ import annotations

import logging
from typing import Any

from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask import render_template_string, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from server.domain.errors import DomainError
from server.web.auth import CSRFError, csrf_failed

log = logging.getLogger("motcua")

# status → (code, Vietnamese message); the English one is the HTTP error's own text.
HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_input", "Dữ liệu gửi lên không hợp lệ."),
    401: ("unauthorized", "Bạn cần đăng nhập."),
    403: ("forbidden", "Bạn không có quyền làm việc này."),
    404: ("not_found", "Không tìm thấy."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ."),
    413: ("too_large", "Dữ liệu gửi lên quá lớn."),
    415: ("unsupported_media_type", "Kiểu dữ liệu gửi lên không được hỗ trợ."),
    429: ("rate_limited", "Quá nhiều yêu cầu, vui lòng thử lại sau."),
}
BUSY = ("temporarily_unavailable", "Hệ thống đang bận, vui lòng thử lại.", "The system is busy, please retry.")
FAILED = ("internal_error", "Đã có lỗi hệ thống. Vui lòng thử lại hoặc báo cán bộ.",
          "Something went wrong. Please try again or ask staff.")

ERROR_HTML = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{{ vi }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:'DejaVu Sans',sans-serif;text-align:center;margin-top:15vh;font-size:1.6rem}
p.en{color:#555;font-size:1.2rem}a{font-size:1.4rem}</style></head>
<body><p>{{ vi }}</p><p class="en">{{ en }}</p><p><a href="javascript:history.back()">Quay lại / Back</a></p></body></html>"""


def install_error_handlers(app: APIFlask) -> None:
    """Answer every error of ``app`` as the table above says."""
    app.error_processor(http_error)
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(CSRFError, lambda _error: domain_error(csrf_failed()))
    app.register_error_handler(Exception, unexpected)


def wants_json() -> bool:
    """API paths, JSON bodies and clients asking for JSON get JSON; browsers get a page."""
    return request.path.startswith("/api/") or request.is_json or request.accept_mimetypes.best == "application/json"


def answer(body: dict[str, Any], status: int, headers: Any = None) -> ResponseReturnValue:
    """``{"error": body}`` as JSON, or the error page with its Vietnamese and English messages."""
    if not wants_json():
        return render_template_string(ERROR_HTML, vi=body["message_vi"], en=body["message_en"]), status, headers or {}
    return {"error": body}, status, headers or {}


def http_error(error: HTTPError) -> ResponseReturnValue:
    """APIFlask's HTTP errors (validation, bad JSON, 404, 405 …) in our error format."""
    code, vi = HTTP_ERRORS.get(error.status_code, ("http_error", error.message))
    body = {"code": code, "message": vi, "message_vi": vi, "message_en": error.message, "details": error.detail or {}}
    return answer(body, error.status_code, error.headers)


def domain_error(error: DomainError) -> ResponseReturnValue:
    """A refusal of the domain, with its code, status and headers."""
    return answer(error.to_dict(), error.status, getattr(error, "headers", None))


def unexpected(error: Exception) -> ResponseReturnValue | HTTPException:
    """A bug or an outage: logged, answered plainly (503 and ``Retry-After`` when a retry may work)."""
    if isinstance(error, HTTPException):
        return error
    log.exception("unexpected error on %s %s", request.method, request.path)
    # Database unreachable, connection dropped, pool exhausted: the client may simply retry.
    retryable = isinstance(error, (OperationalError, InterfaceError, PoolTimeout)) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )
    code, vi, en = BUSY if retryable else FAILED
    body = {"code": code, "message": vi, "message_vi": vi, "message_en": en}
    return answer(body, 503 if retryable else 500, {"Retry-After": "2"} if retryable else None)


__all__ = ["ERROR_HTML", "HTTP_ERRORS", "install_error_handlers", "wants_json"]
