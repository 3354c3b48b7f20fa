"""Kiosk pages: the touch kiosk (``/kiosk/``), the ticket's phone page (``/t/<token>``) and
ticket previews. The JSON the pages call lives in ``server/web/api/kiosk.py``; the demo kiosk
is seeded by ``server.demo.seed_demo``.
"""
