"""The demo center's board, so ``make run`` shows a working, speaking call board at once.

Like the demo kiosk (see kiosk/demo.py), the demo display keeps its token in
``Device.config["demo_token"]`` so every start prints the same setup link. A display
token only reads what the public board shows anyway; an admin who rotates it ends this.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.demo import DEMO_CENTER_CODE
from server.domain.accounts import hash_token, register_device
from server.extensions import services
from server.models import Center, Device

DEMO_DISPLAY_NAME = "Màn hình gọi số sảnh chính (demo)"


def ensure_demo_display(session: Session, center_id: int) -> str:
    """Create the demo board of ``center_id`` if missing (sound on) and return its token, the same every time."""
    for device in session.scalars(select(Device).where(Device.center_id == center_id, Device.kind == "display")):
        token = (device.config or {}).get("demo_token")
        if token and device.token_hash == hash_token(token) and device.active:
            return token
    device, token = register_device(session, center_id, "display", DEMO_DISPLAY_NAME, config={"demo": True, "sound": True})
    device.config = {"demo": True, "sound": True, "demo_token": token}
    session.flush()
    return token


def demo_display_url(token: str, base_url: str = "http://localhost:8000") -> str:
    """The link that sets a browser up as the demo board (it stores the token, then drops it from the address)."""
    return f"{base_url.rstrip('/')}/display/board?device={token}"


def demo_display_link(app: object, base_url: str = "http://localhost:8000") -> str | None:
    """Ensure the demo center's board and return its setup link; None when there is no demo center."""

    with services(app).db.write() as session:  # type: ignore[arg-type]
        center = session.execute(select(Center).where(Center.code == DEMO_CENTER_CODE)).scalar_one_or_none()
        if center is None:
            return None
        token = ensure_demo_display(session, center.id)
    return demo_display_url(token, base_url)
