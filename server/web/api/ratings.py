"""Satisfaction ratings: from the ticket's phone page (by token) or a counter tablet (by key)."""
from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import String
from apiflask.validators import Length, OneOf, Range
from flask import current_app
from flask.views import MethodView

from server.domain.errors import DomainError, not_found
from server.domain.ratings import LEVELS, REASONS, check_tablet_key, choices
from server.extensions import services
from server.web.api.blueprint import api_bp as bp
from server.web.api.schemas import Int

RATING_DOC = {"tags": ["Ratings"]}
CREATED_DOC = {**RATING_DOC, "responses": {201: "Đã ghi nhận / recorded"}}


class RatingIn(Schema):
    level = String(required=True, validate=OneOf(list(LEVELS)))
    reason = String(load_default=None, allow_none=True, validate=OneOf([*REASONS, ""]))


class TabletRatingIn(RatingIn):
    key = String(required=True, validate=Length(min=1, max=80))
    ticket_id = Int(required=True, validate=Range(min=1, max=2**31 - 1))


class TabletQuery(Schema):
    key = String(required=True, validate=Length(min=1, max=80))


def _check_key(counter_id: int, key: str) -> None:
    if not check_tablet_key(current_app.config["SECRET_KEY"], counter_id, key):
        raise DomainError("invalid_key", "Đường dẫn máy đánh giá không hợp lệ.", "Invalid rating tablet link.", status=403)


@bp.get("/ratings/choices")
@bp.doc(**RATING_DOC)
def rating_choices():
    """The three levels and the optional reasons, in Vietnamese and English."""
    return choices()


@bp.post("/tickets/<token>/rating")
@bp.input(RatingIn, arg_name="data")
@bp.doc(**CREATED_DOC)
def rate_ticket(token: str, data: dict[str, Any]):
    """Rate a served ticket from its phone page (public, by its unguessable token; once)."""
    if len(token) > 64:
        raise not_found("số thứ tự", "Ticket", "unknown_ticket")
    return services().ratings.rate_by_token(token, data["level"], data.get("reason") or None), 201


@bp.route("/counters/<int:counter_id>/rating-tablet")
class RatingTablet(MethodView):
    """A counter's rating tablet (one URL rule for GET and POST)."""

    @bp.input(TabletQuery, location="query", arg_name="query")
    @bp.doc(**RATING_DOC)
    def get(self, counter_id: int, query: dict[str, Any]):
        """What the counter's tablet shows: the ticket just finished there, if it may be rated."""
        _check_key(counter_id, query["key"])
        return services().ratings.tablet_state(counter_id)

    @bp.input(TabletRatingIn, arg_name="data")
    @bp.doc(**CREATED_DOC)
    def post(self, counter_id: int, data: dict[str, Any]):
        """Rate at the counter: only a ticket finished at this counter in the last minutes, once."""
        _check_key(counter_id, data["key"])
        return services().ratings.rate_at_counter(counter_id, data["ticket_id"], data["level"], data.get("reason") or None), 201
