"""Every request is checked once, before any view (or the rate limiter's token look-up) reads it.

Why here and not per route: dozens of routes take text from paths, query strings, JSON and forms
to the database, and each new one would have to remember. What is refused:

- a body over :data:`MAX_BODY_BYTES` (413 ``too_large``; Flask's ``MAX_CONTENT_LENGTH``);
- a JSON body nested deeper than :data:`~server.domain.inputs.MAX_JSON_DEPTH` (Python's parser
  raised RecursionError, a 500, at about a thousand levels) or holding text the database cannot
  store: 400 ``invalid_input``;
- NUL (or a broken surrogate) in the path: 404, as no ticket token, dossier code or page has one;
  in a query string, a header or a form field: 400 ``invalid_input``. PostgreSQL refuses NUL in
  text and answered 500 where SQLite said "not found".

Uploaded files (``request.files``) and non-form bodies such as audio are not read here: bytes
are theirs to carry, and the code that decodes them checks what it keeps.
"""
from __future__ import annotations

import json

from flask import Flask, request

from server.domain.errors import DomainError
from server.domain.inputs import bad_text_error, check_json_value, too_deep_error, unstorable

# The largest body the app accepts: a center's configuration file is the biggest upload (tens of KB).
MAX_BODY_BYTES = 4 * 1024 * 1024


def install(app: Flask) -> None:
    """Set the body size limit and check every request before the app's other hooks run."""
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # Registered before the rate limiter's hook (create_app calls this first): the limiter looks
    # device and API tokens up in the database from the request's headers.
    app.before_request(check_request)


def check_request() -> None:
    """Refuse what no view can answer sensibly (see the module's docstring)."""
    if unstorable(request.path):
        raise DomainError("not_found", "Không tìm thấy.", "Not found.", status=404)
    for key, value in request.args.items(multi=True):
        if unstorable(key) or unstorable(value):
            raise bad_text_error("query")
    for key, value in request.headers.items():
        if unstorable(value):
            raise bad_text_error(f"header {key}")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            if unstorable(key) or unstorable(value):
                raise bad_text_error(key if not unstorable(key) else "form")
    elif request.is_json:
        _check_json_body()


def _check_json_body() -> None:
    data = request.get_data(cache=True)  # cached: the view's parser reads it again
    if not data.strip():
        return
    try:
        value = json.loads(data)
    except RecursionError:
        raise too_deep_error() from None
    except ValueError:
        return  # not JSON at all: the view's parser answers its own 400 (or ignores an optional body)
    check_json_value(value)
