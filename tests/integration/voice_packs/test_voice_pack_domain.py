"""The voice pack service without the web: the announcer's pack cache follows every change (also one
made by another process), and packs work the same on PostgreSQL (bytea clips, cascade on delete)."""
from __future__ import annotations

from sqlalchemy import func, select

from server.clock import FixedClock
from server.db import Database
from server.domain.accounts import Principal
from server.domain.voice_packs import VoicePackService, load_pack
from server.models.voice import VoiceClip
from tests.support.demo import MONDAY_9AM, make_db
from tests.support.voice import tone_wav

ADMIN = Principal(kind="user", id=1, name="admin", role="admin", center_id=None)


def test_the_announcers_pack_is_read_once_and_again_only_after_a_change(db):
    packs = VoicePackService(db, FixedClock(MONDAY_9AM))  # a fixed clock: changes within one tick must still be seen
    pack_id = packs.create_pack(ADMIN, "Giọng phường")["id"]
    packs.save_clip(ADMIN, pack_id, "vi", "một", tone_wav(0.3))
    first = load_pack(db, pack_id)
    assert load_pack(db, pack_id) is first  # cached: no blob read for the next call

    other_db = Database(db.url)
    try:
        VoicePackService(other_db, FixedClock(MONDAY_9AM)).save_clip(ADMIN, pack_id, "vi", "hai", tone_wav(0.4))
    finally:
        other_db.dispose()
    changed = load_pack(db, pack_id)
    assert changed is not first and changed.fingerprint != first.fingerprint and ("vi", "hai") in changed.clips

    packs.delete_clip(ADMIN, pack_id, "vi", "hai")
    assert ("vi", "hai") not in load_pack(db, pack_id).clips
    assert load_pack(db, None) is None and load_pack(db, 999_999) is None


def test_packs_on_postgresql_keep_their_clips_and_lose_them_with_the_pack(pg_url):
    database = make_db(pg_url)
    try:
        packs = VoicePackService(database, FixedClock(MONDAY_9AM))
        pack_id = packs.create_pack(ADMIN, "Giọng tỉnh")["id"]
        saved = packs.save_clip(ADMIN, pack_id, "vi", "đến quầy số", tone_wav(0.5, rate=48000, channels=2))
        assert 450 <= saved["duration_ms"] <= 600
        assert packs.clip_wav(pack_id, "vi", "đến quầy số")[:4] == b"RIFF"
        name, data = packs.export(pack_id)
        copy = packs.import_file(ADMIN, data)
        assert name.startswith("Giọng tỉnh") and copy["name"] == "Giọng tỉnh (2)"
        packs.delete_pack(ADMIN, pack_id)
        with database.read() as s:
            assert s.scalar(select(func.count()).select_from(VoiceClip).where(VoiceClip.pack_id == pack_id)) == 0
            assert s.scalar(select(func.count()).select_from(VoiceClip).where(VoiceClip.pack_id == copy["id"])) == 1
    finally:
        database.dispose()
