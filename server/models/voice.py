"""Tables of the voice packs: a center's own recorded human voice.

- ``voice_packs``: a named set of recorded clips (a province records once, every commune uses it);
- ``voice_clips``: one short WAV (22 050 Hz mono, 16-bit, already trimmed and normalised) per
  (language, vocabulary key) of a pack.

Clips live in the database, not on disk: backups carry them and every server process sees the
same pack. A center chooses its pack in ``Center.settings["announcements"]["voice_pack_id"]``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.core import Base

CLIP_SOURCES = ("recorded", "uploaded", "imported")


class VoicePack(Base):
    """A named set of recorded clips; ``updated_at`` moves with every clip change (the announcer's cache key)."""

    __tablename__ = "voice_packs"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class VoiceClip(Base):
    """One recorded word or phrase of a pack, in one language."""

    __tablename__ = "voice_clips"
    __table_args__ = (UniqueConstraint("pack_id", "lang", "key", name="uq_voice_clips_pack_lang_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("voice_packs.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(120))
    wav: Mapped[bytes] = mapped_column(LargeBinary)
    duration_ms: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(12), default="recorded")  # recorded | uploaded | imported
    updated_at: Mapped[datetime] = mapped_column(DateTime)
