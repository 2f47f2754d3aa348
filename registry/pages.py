"""Pages that belong to the portal as a whole: the home page and the accessibility statement."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from registry.templating import page


@get("/", opt={"public": True}, include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Template:
    return page(request, "pages/home.html")


@get("/toegankelijkheid", opt={"public": True}, include_in_schema=False)
async def accessibility_statement(request: Request[Any, Any, Any]) -> Template:
    return page(request, "pages/toegankelijkheid.html")


@get("/stijlgids", opt={"public": True}, include_in_schema=False)
async def styleguide(request: Request[Any, Any, Any]) -> Template:
    """Every component on one page: the reference for the look and for the accessibility checks."""
    return page(request, "pages/styleguide.html")


route_handlers = [home, accessibility_statement, styleguide]
