"""Voice packs API: a center's own recorded voice (server/domain/voice_packs.py).

Managing packs and clips is for administrators; supervisors may list them, listen to clips and
preview a call. A center's sound settings (chime, volume, rate, repeats, which pack) are saved
by whoever may edit its announcements (an administrator of the center). Clip uploads are a
multipart form (``file``) or the raw audio body with ``?filename=``; every change from a signed-in
browser carries the session's CSRF token (``X-CSRF-Token``).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from apiflask import Schema
from apiflask.fields import String
from apiflask.validators import Length, OneOf, Range
from flask import Response, request, send_file

from server.adapters.announcer import announcer_for
from server.domain.voice_packs import VoicePackService, chime_wav
from server.extensions import services
from server.web.api.admin import ADMIN_DOC, CREATED_DOC, ID, SettingIn
from server.web.api.blueprint import api_bp as bp
from server.web.api.schemas import Int, QueryInt
from server.web.auth import require

AUDIO_ERRORS = {413: "Tệp quá lớn / file too large", 422: "Âm thanh hoặc tệp không dùng được / unusable audio or file"}
WAV_DOC = {**ADMIN_DOC, "responses": {200: {"description": "audio/wav", "content": {"audio/wav": {}}}, **AUDIO_ERRORS}}
ZIP_DOC = {**ADMIN_DOC, "responses": {200: {"description": "Tệp bộ giọng đọc / voice pack file",
                                            "content": {"application/zip": {}}}}}
UPLOAD_DOC = {**ADMIN_DOC, "responses": AUDIO_ERRORS}


class PackIn(Schema):
    name = String(required=True, validate=Length(min=1, max=120))
    description = String(validate=Length(max=2000))


class PackPatch(Schema):
    name = String(validate=Length(min=1, max=120))
    description = String(validate=Length(max=2000))


class CenterQuery(Schema):
    center_id = QueryInt(required=True, validate=ID)


class PreviewIn(Schema):
    number = String(required=True, validate=Length(min=1, max=12))
    counter = Int(required=True, validate=Range(min=1, max=999))
    kind = String(load_default="call", validate=OneOf(["call", "recall", "pickup"]))
    pack_id = Int(allow_none=True, validate=ID)


def packs() -> VoicePackService:
    """The voice pack service over the app's database and clock."""
    core = services()
    return VoicePackService(core.db, core.clock)


def _upload() -> tuple[bytes, str, str]:
    """The audio sent: a form's ``file`` (an upload) or the raw body (a browser recording) with ``?filename=``."""
    sent = request.files.get("file")
    if sent is not None:
        return sent.read(), sent.filename or "", request.form.get("source") or "uploaded"
    return request.get_data(cache=False), request.args.get("filename", "")[:200], request.args.get("source") or "recorded"


def _attachment(filename: str) -> str:
    ascii_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._- ") else "_" for ch in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


# ------------------------------------------------------------------ packs
@bp.get("/admin/voice-packs")
@bp.doc(**ADMIN_DOC)
def voice_packs_list():
    """Every voice pack: clips, total length, centers using it."""
    require("supervisor")
    return packs().list_packs()


@bp.post("/admin/voice-packs")
@bp.input(PackIn, arg_name="data")
@bp.doc(**CREATED_DOC)
def voice_pack_create(data: dict[str, Any]):
    """A new, empty voice pack (administrators)."""
    return packs().create_pack(require("admin"), data["name"], data.get("description", "")), 201


@bp.get("/admin/voice-packs/<int:pack_id>")
@bp.doc(**ADMIN_DOC)
def voice_pack_get(pack_id: int):
    """One pack and the facts of its clips (no audio)."""
    require("supervisor")
    return packs().get_pack(pack_id)


@bp.patch("/admin/voice-packs/<int:pack_id>")
@bp.input(PackPatch, arg_name="data")
@bp.doc(**ADMIN_DOC)
def voice_pack_update(pack_id: int, data: dict[str, Any]):
    """Rename a pack or change its description."""
    return packs().update_pack(require("admin"), pack_id, data)


@bp.delete("/admin/voice-packs/<int:pack_id>")
@bp.doc(**{**ADMIN_DOC, "responses": {204: "Đã xoá / deleted"}})
def voice_pack_delete(pack_id: int):
    """Delete a pack and its clips (409 while a center uses it)."""
    packs().delete_pack(require("admin"), pack_id)
    return "", 204


@bp.get("/admin/voice-packs/<int:pack_id>/status")
@bp.input(CenterQuery, location="query", arg_name="query")
@bp.doc(**ADMIN_DOC)
def voice_pack_status(pack_id: int, query: dict[str, Any]):
    """The clips the center needs, each with whether the pack has it."""
    require("supervisor", query["center_id"])
    return packs().clip_status(pack_id, query["center_id"])


@bp.get("/admin/voice-packs/<int:pack_id>/coverage")
@bp.input(CenterQuery, location="query", arg_name="query")
@bp.doc(**ADMIN_DOC)
def voice_pack_coverage(pack_id: int, query: dict[str, Any]):
    """Which of the center's call, recall and pickup sentences the pack says in full, and what the others lack."""
    require("supervisor", query["center_id"])
    return packs().coverage(pack_id, query["center_id"])


# ------------------------------------------------------------------ clips
@bp.put("/admin/voice-packs/<int:pack_id>/clips/<lang>/<key>")
@bp.doc(**UPLOAD_DOC)
def voice_clip_put(pack_id: int, lang: str, key: str):
    """Record or replace a clip: a form upload (``file``; WAV, FLAC, OGG, MP3) or the raw WAV body
    (``?filename=``); trimmed, normalised and resampled on save. 422 with the reason for unusable audio."""
    data, filename, source = _upload()
    return packs().save_clip(require("admin"), pack_id, lang, key, data, filename, source)


@bp.delete("/admin/voice-packs/<int:pack_id>/clips/<lang>/<key>")
@bp.doc(**{**ADMIN_DOC, "responses": {204: "Đã xoá / deleted"}})
def voice_clip_delete(pack_id: int, lang: str, key: str):
    """Remove a clip (its sentences go back to the synthesizer)."""
    packs().delete_clip(require("admin"), pack_id, lang, key)
    return "", 204


@bp.get("/admin/voice-packs/<int:pack_id>/clips/<lang>/<key>")
@bp.doc(**WAV_DOC)
def voice_clip_get(pack_id: int, lang: str, key: str):
    """A clip as stored (22 050 Hz mono WAV), to listen to it."""
    require("supervisor")
    return Response(packs().clip_wav(pack_id, lang, key), mimetype="audio/wav", headers={"Cache-Control": "no-store"})


# ------------------------------------------------------------------ export / import
@bp.get("/admin/voice-packs/<int:pack_id>/export")
@bp.doc(**ZIP_DOC)
def voice_pack_export(pack_id: int):
    """The pack as one file (manifest + clips), named after it: record once, import in every commune."""
    require("admin")
    filename, body = packs().export(pack_id)
    return Response(body, mimetype="application/zip", headers={"Content-Disposition": _attachment(filename)})


@bp.post("/admin/voice-packs/import")
@bp.doc(**{**CREATED_DOC, "responses": {201: "Đã nhập / imported", **AUDIO_ERRORS}})
def voice_pack_import():
    """A new pack from an exported file (form ``file`` or the raw body); a taken name gets a number."""
    principal = require("admin")
    data = request.files["file"].read() if request.files.get("file") else request.get_data(cache=False)
    return packs().import_file(principal, data), 201


# ------------------------------------------------------------------ a center's sound
@bp.put("/admin/centers/<int:center_id>/announcements")
@bp.input(SettingIn, arg_name="data")
@bp.doc(**ADMIN_DOC)
def center_announcements_put(center_id: int, data: dict[str, Any]):
    """Save the center's announcements: templates, dialect, English, and the sound (chime, volume,
    rate, repeat, repeat_gap_s, voice_pack_id: a pack that exists)."""
    principal = require("admin", center_id)
    return packs().save_announcements(services().admin, principal, center_id, data["value"])


@bp.post("/admin/centers/<int:center_id>/announcement-preview")
@bp.input(PreviewIn, arg_name="data")
@bp.doc(**ADMIN_DOC)
def center_announcement_preview(center_id: int, data: dict[str, Any]):
    """Hear a call as the center would say it: ``{text, wav_url, recorded_segments, missing}``."""
    require("supervisor", center_id)
    found, result = announcer_for().preview(center_id, data["number"], data["counter"], data["kind"], data.get("pack_id"))
    return preview_view(found, result)


@bp.get("/admin/announcement-previews/<key>.wav")
@bp.doc(**WAV_DOC)
def announcement_preview_wav(key: str):
    """A preview's WAV, by the key the preview answered with."""
    require("supervisor")
    return send_file(announcer_for().cached_wav(key), mimetype="audio/wav", conditional=True, max_age=0)


@bp.get("/admin/chimes/<name>.wav")
@bp.doc(**WAV_DOC)
def chime_sound(name: str):
    """One chime alone (ding-dong, three-tone, bell, four-tone), to choose by ear."""
    require("supervisor")
    return Response(chime_wav(name), mimetype="audio/wav", headers={"Cache-Control": "public, max-age=3600"})


def preview_view(found: Any, result: Any) -> dict[str, Any]:
    """A preview's answer: the text heard, where its WAV is, how many sentences were said from the pack
    and, per sentence, the words the pack lacks."""
    pack = announcer_for().pack_for(found)
    missing = packs().sentence_gaps(found.center_id, pack, [(seg.text, seg.lang) for seg in found.segments])
    # A cached WAV carries no synthesis facts; a sentence the pack covers in full is always said from it.
    recorded = (result.info or {}).get("recorded_segments", sum(1 for m in missing if m["missing"] == []))
    return {"text": found.text, "wav_url": f"/api/v1/admin/announcement-previews/{result.key}.wav",
            "recorded_segments": int(recorded), "from_cache": result.from_cache,
            "pack_id": found.sound.voice_pack_id if pack else None, "missing": missing}
