"""The demo board's setup link, which ``run.py serve`` prints so ``make run`` shows a working, speaking board at once.

The demo board itself is made by ``server.demo.seed_demo`` (see there why its token is kept)."""
from __future__ import annotations


def demo_display_url(token: str, base_url: str = "http://localhost:8000") -> str:
    """The link that sets a browser up as the demo board (it stores the token, then drops it from the address)."""
    return f"{base_url.rstrip('/')}/display/board?device={token}"


__all__ = ["demo_display_url"]
