"""Every page keeps to the Content-Security-Policy: no inline scripts or styles, headers present."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from registry.api import API_PREFIX
from tests.accounts.conftest import SignIn

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def _page_paths(app: Litestar) -> list[str]:
    return sorted(
        {
            route.path
            for route in app.routes
            if isinstance(route, HTTPRoute)
            and not route.path_parameters
            and not route.path.startswith(API_PREFIX)
            and "GET" in route.route_handler_map
        }
    )


@pytest.mark.parametrize("role", ["stelselbeheerder", "deelnemer-contact", None])
async def test_pages_have_no_inline_script_or_style(
    app: Litestar, client: AsyncTestClient[Litestar], sign_in: SignIn, role: str | None
) -> None:
    if role:
        await sign_in(role)
    checked = 0
    for path in _page_paths(app):
        response = await client.get(path)
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        checked += 1
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        assert response.headers["x-frame-options"] == "DENY", path
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, EVENT_HANDLER):
            found = pattern.search(response.text)
            assert found is None, f"{path}: {found.group(0) if found else ''}"
    assert checked > 0
