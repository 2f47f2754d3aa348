"""Pages that belong to the portal as a whole: the home page, the accessibility statement, the
contact page and the pages of the problem types that API errors name in ``type``."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template

from registry.errors import NotFound
from registry.problems import PROBLEM_TYPES
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


@get("/contact", opt={"public": True}, include_in_schema=False)
async def contact(request: Request[Any, Any, Any]) -> Template:
    """How to reach the beheerorganisatie; also the contact URL of the OpenAPI document."""
    return page(request, "pages/contact.html")


@get("/problemen", opt={"public": True}, include_in_schema=False)
async def problem_types(request: Request[Any, Any, Any]) -> Template:
    soorten = sorted(PROBLEM_TYPES.values(), key=lambda soort: (soort.status, soort.title))
    return page(request, "pages/problemen.html", {"soorten": soorten})


@get("/problemen/{slug:str}", opt={"public": True}, include_in_schema=False)
async def problem_type(request: Request[Any, Any, Any], slug: FromPath[str]) -> Template:
    """The page a problem's ``type`` URI points at: what the problem means and what to do."""
    soort = PROBLEM_TYPES.get(slug)
    if soort is None:
        raise NotFound("Deze foutsoort bestaat niet.")
    return page(request, "pages/probleem.html", {"soort": soort})


route_handlers = [home, accessibility_statement, styleguide, contact, problem_types, problem_type]
