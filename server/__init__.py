"""Một Cửa Queue server: app factory, domain, API and realtime."""
