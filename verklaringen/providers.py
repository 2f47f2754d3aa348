"""What the verklaringen routes get injected: the PDF renderer, the status list signer cache and the
submission limit of the public aanmelding.

Each lives on the app's state, made on first use, so a test (or a deployment) can put another one
there: ``app.state.pdf_renderer = …``.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from registry.errors import RateLimited
from registry.ledenadministratie.ratelimit import SlidingWindowLimiter
from verklaringen.pdf import PdfRenderer, WeasyPrintRenderer
from verklaringen.services.statuslijsten import StatusListTokens

AANMELDINGEN_PER_UUR = 10
"""How many aanmeldingen one address may send per hour (spam protection of the public form and API)."""

# The renderer is an interface (a Protocol), which the signature model cannot validate: skip that.
Renderer = NamedDependency[SkipValidation[PdfRenderer]]
StatusTokens = NamedDependency[StatusListTokens]


def _state_value(state: State, name: str, factory: type[Any]) -> Any:
    value = getattr(state, name, None)
    if value is None:
        value = factory()
        setattr(state, name, value)
    return value


def provide_renderer(state: State) -> PdfRenderer:
    renderer: PdfRenderer = _state_value(state, "pdf_renderer", WeasyPrintRenderer)
    return renderer


def provide_status_tokens(state: State) -> StatusListTokens:
    tokens: StatusListTokens = _state_value(state, "status_list_tokens", StatusListTokens)
    return tokens


DEPENDENCIES = {
    "renderer": Provide(provide_renderer, sync_to_thread=False),
    "status_tokens": Provide(provide_status_tokens, sync_to_thread=False),
}


class _HourlyLimiter(SlidingWindowLimiter):
    def __init__(self) -> None:
        super().__init__(window=3600.0)


def limit_aanmeldingen(request: Request[Any, Any, Any]) -> None:
    """Count one aanmelding for the caller's address; :class:`RateLimited` beyond the hourly limit."""
    limiter: SlidingWindowLimiter = _state_value(request.app.state, "aanmelding_limiter", _HourlyLimiter)
    address = request.client.host if request.client else "onbekend"
    wait = limiter.hit(address, AANMELDINGEN_PER_UUR)
    if wait is not None:
        raise RateLimited(
            "Er zijn vanaf dit adres te veel aanmeldingen verstuurd. Probeer het later opnieuw.",
            retry_after=max(1, int(wait) + 1),
        )
