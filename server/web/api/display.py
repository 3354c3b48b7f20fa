"""Display endpoints: what a registered board or counter screen shows, and each call's spoken WAV.

* ``GET /display/me`` — the registered display (``X-Device-Token``): center, filters, sound on/off, notice.
* ``GET /centers/<id>/board`` — the same for a read-only demo board (``/display/board?center=N``): no sound.
* ``GET /announcements/<event_id>`` — the sentence a call says (JSON), ``…/<event_id>.wav`` — chime + voice.

Announcements are public like the board itself: they say a ticket number (a result pickup's too)
and a counter, never a name.
"""
from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Integer, List, String
from flask import Response, send_file

from server.adapters.announcer import announcer_for
from server.domain.errors import not_found
from server.extensions import services
from server.models import Center
from server.web.api.blueprint import api_bp as bp
from server.web.auth import DISPLAY_KINDS, device_from_request

DISPLAY_DOC = {"tags": ["Display"]}
DEFAULT_RECENT = 8
NOTICE_MAX = 500


class BoardConfigOut(Schema):
    device = Dict(allow_none=True, metadata={"description": "null for a read-only demo board"})
    center = Dict()
    sound = Boolean()
    counter_numbers = List(Integer(), metadata={"description": "only calls to these counters (empty: all)"})
    service_codes = List(String(), metadata={"description": "only these services (empty: all)"})
    recent = Integer(metadata={"description": "how many recent calls the board lists"})
    notice = String(metadata={"description": "scrolling notice (Center.settings['board_notice'])"})


class AnnouncementOut(Schema):
    event_id = Integer()
    center_id = Integer()
    kind = String(metadata={"description": "call | recall | pickup"})
    number = String(metadata={"description": "the called ticket's number (a result pickup's too: the number on its pickup "
                                             "ticket)"})
    dossier_code = String(allow_none=True,
                          metadata={"description": "pickup only: the dossier code, shown under the number, never spoken"})
    counter_number = Integer()
    text = String(metadata={"description": "the sentence spoken after the chime"})
    wav_url = String()


def _int_list(value: Any) -> list[int]:
    if not isinstance(value, (list, tuple)):
        return []
    out = []
    for item in value:
        try:
            out.append(int(item))
        except (TypeError, ValueError):
            continue
    return out


def board_config(center: Center, device_config: dict[str, Any] | None, *, sound_allowed: bool) -> dict[str, Any]:
    """The board's settings: the device's config over the center's, within safe bounds."""
    config = device_config or {}
    settings = center.settings or {}
    try:
        recent = max(3, min(12, int(config.get("recent", settings.get("board_recent_calls", DEFAULT_RECENT)))))
    except (TypeError, ValueError):
        recent = DEFAULT_RECENT
    notice = settings.get("board_notice") or ""
    return {
        "center": {"id": center.id, "code": center.code, "name": center.name, "name_en": center.name_en,
                   "timezone": center.timezone},
        "sound": bool(sound_allowed and config.get("sound", True)),
        "counter_numbers": _int_list(config.get("counter_numbers")),
        "service_codes": [str(c) for c in config.get("service_codes") or [] if isinstance(c, (str, int))],
        "recent": recent,
        "notice": str(notice)[:NOTICE_MAX] if isinstance(notice, str) else "",
    }


@bp.get("/display/me")
@bp.output(BoardConfigOut)
@bp.doc(**DISPLAY_DOC)
def display_me():
    """The registered display or counter screen (header ``X-Device-Token``) and what it shows."""
    device = device_from_request(DISPLAY_KINDS)
    with services().db.read() as s:
        body = board_config(s.get(Center, device["center_id"]), device["config"], sound_allowed=device["kind"] == "display")
    body["device"] = {"id": device["id"], "name": device["name"], "kind": device["kind"]}
    return body


@bp.get("/centers/<int:center_id>/board")
@bp.output(BoardConfigOut)
@bp.doc(**DISPLAY_DOC)
def demo_board(center_id: int):
    """Settings of a read-only board for any center (no device, no sound)."""
    with services().db.read() as s:
        center = s.get(Center, center_id)
        if center is None:
            raise not_found("trung tâm", "Center", "unknown_center")
        body = board_config(center, {}, sound_allowed=False)
    body["device"] = None
    return body


@bp.get("/announcements/<int:event_id>")
@bp.output(AnnouncementOut)
@bp.doc(**DISPLAY_DOC)
def announcement(event_id: int):
    """The sentence a call (or recall, or result pickup) says; no name, ever."""
    found = announcer_for().for_event(event_id)
    return {"event_id": found.event_id, "center_id": found.center_id, "kind": found.kind, "number": found.number,
            "dossier_code": found.dossier_code, "counter_number": found.counter_number, "text": found.text,
            "wav_url": f"/api/v1/announcements/{event_id}.wav"}


@bp.get("/announcements/<int:event_id>.wav")
@bp.doc(**DISPLAY_DOC, responses={200: {"description": "audio/wav: chime + Vietnamese voice", "content": {"audio/wav": {}}},
                                  503: {"description": "speech synthesis failed (a voice_failed alert is raised)"}})
def announcement_wav(event_id: int) -> Response:
    """Chime + Vietnamese voice for a call, made once and then served from the cache.

    ``X-Audio-Cache: hit`` when the file was already made (pre-warmed when the call was published)."""
    announcer = announcer_for()
    found = announcer.for_event(event_id)
    result = announcer.wav(found)
    response = send_file(result.path, mimetype="audio/wav", conditional=True, etag=result.key, max_age=86400)
    response.headers["X-Audio-Cache"] = "hit" if result.from_cache else "miss"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
