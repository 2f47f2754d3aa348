"""Assertions several test packages share."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx


def assert_sent_to_login(response: httpx.Response, came_from: str) -> None:
    """An anonymous browser asking for a page behind a login is sent to the login page, with the
    page it asked for as ``next`` so it returns there after logging in."""
    assert response.status_code == 303, response.status_code
    location = urlsplit(response.headers["location"])
    assert location.path == "/inloggen"
    assert parse_qs(location.query)["next"] == [came_from]
