"""Conventions every JSON API endpoint shares (Dutch API Design Rules 2.2).

- Everything lives under :data:`API_PREFIX`; the ``API-Version`` header carries :data:`API_VERSION`.
- Lists are paginated with ``page`` and ``pageSize`` (at most :data:`MAX_PAGE_SIZE`), and answer
  with the total count, ``_links`` (first/prev/self/next/last) and the same links as an RFC 8288
  ``Link`` header.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response
from litestar.params import QueryParameter

API_PREFIX = "/api/v1"
API_VERSION = "1.0.0"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page of a list the caller asked for."""

    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def provide_page_request(
    page: Annotated[
        int, QueryParameter(name="page", ge=1, le=1_000_000, description="Paginanummer, vanaf 1.")
    ] = 1,
    page_size: Annotated[
        int,
        QueryParameter(
            name="pageSize", ge=1, le=MAX_PAGE_SIZE, description=f"Aantal per pagina (max {MAX_PAGE_SIZE})."
        ),
    ] = DEFAULT_PAGE_SIZE,
) -> PageRequest:
    return PageRequest(page=page, page_size=page_size)


class Link(msgspec.Struct):
    href: str


class PageLinks(msgspec.Struct, omit_defaults=True):
    self: Link
    first: Link
    last: Link
    prev: Link | None = None
    next: Link | None = None


class Page(msgspec.Struct, Generic[T]):
    """One page of a list: the items, the total count over all pages, and navigation links."""

    items: list[T]
    total: int
    page: int
    page_size: int = msgspec.field(name="pageSize")
    links: PageLinks = msgspec.field(name="_links")


def _page_url_prefix(request: Request[Any, Any, Any]) -> str:
    """The URL of this list up to its page parameters: its path and every other query parameter."""
    params = [
        (key, value) for key, value in request.query_params.multi_items() if key not in {"page", "pageSize"}
    ]
    return f"{request.url.path}?{urlencode(params)}&" if params else f"{request.url.path}?"


def paginated(
    request: Request[Any, Any, Any],
    items: Sequence[T],
    total: int,
    paging: PageRequest,
    headers: dict[str, str] | None = None,
) -> Response[Page[T]]:
    """The list response with body links, a ``Link`` header and ``X-Total-Count``."""
    last = max(1, math.ceil(total / paging.page_size))
    link = {
        "self": paging.page,
        "first": 1,
        "last": last,
        **({"prev": min(paging.page - 1, last)} if paging.page > 1 else {}),
        **({"next": paging.page + 1} if paging.page < last else {}),
    }
    prefix = _page_url_prefix(request)  # the same for every link: encoded once
    urls = {rel: f"{prefix}page={number}&pageSize={paging.page_size}" for rel, number in link.items()}
    body = Page(
        items=list(items),
        total=total,
        page=paging.page,
        page_size=paging.page_size,
        links=PageLinks(**{rel: Link(href=url) for rel, url in urls.items()}),
    )
    link_header = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in urls.items())
    return Response(body, headers={"Link": link_header, "X-Total-Count": str(total), **(headers or {})})
