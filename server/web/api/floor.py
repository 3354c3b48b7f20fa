"""The supervisor's notice to everyone waiting (server/domain/floor_messages.py): read, post, clear.

A supervisor or admin of the center; a signed-in page sends its CSRF token. Posting replaces the
notice in force; boards and phone pages show it at once (``floor_message`` over Socket.IO)."""
from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import String
from apiflask.validators import Length
from flask.views import MethodView

from server.domain.floor_messages import MAX_EXPIRY_MINUTES, MAX_TEXT
from server.extensions import services
from server.web.api.blueprint import api_bp as bp
from server.web.api.schemas import Int
from server.web.auth import require

FLOOR_DOC = {"tags": ["Floor"], "security": [{"BearerAuth": []}, {"CookieAuth": []}]}


class FloorMessageIn(Schema):
    text_vi = String(required=True, validate=Length(min=1, max=MAX_TEXT),
                     metadata={"description": "Nội dung tiếng Việt / Vietnamese text", "example": "Mạng của tỉnh đang gián đoạn, "
                                                                                                   "dự kiến 15 phút."})
    text_en = String(load_default="", validate=Length(max=MAX_TEXT))
    expires_minutes = Int(load_default=None, allow_none=True,
                          metadata={"description": f"1–{MAX_EXPIRY_MINUTES}; bỏ trống: đến khi gỡ / empty: until cleared"})


@bp.route("/centers/<int:center_id>/floor-message")
class FloorMessageResource(MethodView):
    """The center's notice to everyone waiting."""

    @bp.doc(**FLOOR_DOC)
    def get(self, center_id: int):
        """The notice in force (``message`` null when none) and the latest ones posted (the log)."""
        principal = require("supervisor", center_id)
        floor = services().floor
        return {"message": floor.active(center_id), "history": floor.history(principal, center_id)}

    @bp.input(FloorMessageIn, arg_name="data")
    @bp.doc(**FLOOR_DOC, responses={201: "Đã đăng / posted"})
    def post(self, center_id: int, data: dict[str, Any]):
        """Show a notice to everyone waiting (replaces the one in force)."""
        return services().floor.post(require("supervisor", center_id), center_id, data), 201

    @bp.doc(**FLOOR_DOC)
    def delete(self, center_id: int):
        """Take the notice down."""
        return services().floor.clear(require("supervisor", center_id), center_id)
