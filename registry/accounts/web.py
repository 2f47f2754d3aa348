"""What the HTML pages share: reading form posts, inline field errors, safe redirects, list paging."""

from __future__ import annotations

import math
import typing
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import msgspec
from litestar import Request

from registry.api import PageRequest
from registry.errors import ValidationFailed

FormT = TypeVar("FormT", bound=msgspec.Struct)


async def read_form(request: Request[Any, Any, Any], struct: type[FormT]) -> FormT:
    """The posted form as ``struct``: absent fields take their defaults, list fields take every value."""
    form = await request.form()
    values: dict[str, Any] = {}
    for field in msgspec.structs.fields(struct):
        name = field.encode_name
        if typing.get_origin(field.type) is list:
            values[name] = [str(value) for value in form.getall(name, [])]
        elif name in form:
            values[name] = str(form.get(name))
    return msgspec.convert(values, struct)


def field_errors(exc: ValidationFailed) -> dict[str, list[str]]:
    """``{field name: [reasons]}`` for the form macros' ``error=`` and the error summary."""
    errors: dict[str, list[str]] = {}
    for param in exc.invalid_params:
        errors.setdefault(param.name, []).append(param.reason)
    return errors


def safe_next(url: str | None) -> str | None:
    """``url`` when it is a path on this site (``/beheer?x=1``), else ``None``: no open redirects."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in url):
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    return url


def page_info(paging: PageRequest, total: int) -> dict[str, int]:
    """What the pagination macro needs: ``{number, size, total, pages}``."""
    return {
        "number": paging.page,
        "size": paging.page_size,
        "total": total,
        "pages": max(1, math.ceil(total / paging.page_size)),
    }


def page_links(request: Request[Any, Any, Any]) -> Callable[[int], str]:
    """``url_for_page(n)``: this page's URL with every query parameter kept and ``page=n``."""
    kept = [(key, value) for key, value in request.query_params.multi_items() if key != "page"]

    def url_for_page(number: int) -> str:
        return f"{request.url.path}?{urlencode([*kept, ('page', str(number))])}"

    return url_for_page
