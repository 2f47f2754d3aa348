"""Lookup answers, plain or signed.

A lookup asked with ``Accept: application/jwt`` is answered with a compact JWS (media type
``application/jwt``) instead of JSON. Its payload is the same JSON object plus:

``iss``      the register's base URL (``settings.base_url``)
``iat``      when the answer was made (seconds since the epoch)
``exp``      five minutes later: a signed answer is evidence of a moment, not a cache
``jti``      a unique id of this answer
``request``  ``{"method": …, "path": …}``: the question it answers, path with query string

The header carries ``alg`` ES256, the ``kid`` of the active key in ``/.well-known/jwks.json``, and
``typ`` :data:`ANSWER_TYP`. Verify it with the published keys; every field of the JSON answer is in
the signed payload.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from registry.directread import Snapshot, direct_reader
from registry.errors import ServiceUnavailable
from registry.ledenadministratie.catalogus import Catalogusstand, catalogusstand
from registry.ledenadministratie.peildatum import Peildatum, day_start, parse_peildatum
from registry.ledenadministratie.verklaringcheck import registered_verklaring_check
from registry.readcache import MOMENT_PLACEHOLDER, PLACEHOLDER_TEXT, Entry, ReadCache, read_cache
from registry.signing import TYP_LOOKUP_RESPONSE, NoActiveKeyError, sign_jws

JWT_MEDIA_TYPE = "application/jwt"
ANSWER_TYP = TYP_LOOKUP_RESPONSE
ANSWER_LIFETIME = timedelta(minutes=5)
_encoder = msgspec.json.Encoder()


def wants_signed(request: Request[Any, Any, Any]) -> bool:
    """Whether the caller asked for a signed answer (``application/jwt`` in ``Accept``)."""
    accepted = (part.split(";")[0].strip().lower() for part in request.headers.get("accept", "").split(","))
    return JWT_MEDIA_TYPE in accepted


def answer(request: Request[Any, Any, Any], response: Response[Any] | Any) -> Response[Any]:
    """``response`` (or a body) as JSON, or signed when the caller asked for ``application/jwt``."""
    if not isinstance(response, Response):
        response = Response(response)
    headers = {**response.headers, "Vary": "Accept"}
    if not wants_signed(request):
        response.headers = headers
        return response
    return _signed(request, msgspec.to_builtins(response.content), headers, response.status_code)


def _signed(
    request: Request[Any, Any, Any], payload: Any, headers: dict[str, Any], status: int | None
) -> Response[Any]:
    state = request.app.state
    now = state.clock.now()
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    claims = {
        **(payload if isinstance(payload, dict) else {"items": payload}),
        "iss": state.settings.base_url,
        "iat": int(now.timestamp()),
        "exp": int((now + ANSWER_LIFETIME).timestamp()),
        "jti": uuid.uuid4().hex,
        "request": {"method": request.method, "path": path},
    }
    try:
        signer = state.keyring.active_signer()
    except NoActiveKeyError:
        raise ServiceUnavailable(
            "Het register kan nu geen ondertekende antwoorden geven: er is geen actieve sleutel."
        ) from None
    token = sign_jws(claims, signer, ANSWER_TYP)
    return Response(token, media_type=JWT_MEDIA_TYPE, headers=headers, status_code=status)


@dataclass(slots=True)
class Bron:
    """Where a lookup answer is read from: a :class:`~registry.directread.Snapshot`, a SQLAlchemy
    session opened only when asked for, and the catalogue as of this version of the register."""

    snap: Snapshot
    state: State
    cache: ReadCache
    _session: AsyncSession | None = None

    async def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.state.db_sessionmaker()
        return self._session

    async def catalogus(self) -> Catalogusstand:
        async def load() -> Catalogusstand:
            return await catalogusstand(await self.session())

        stand: Catalogusstand = await self.cache.memo("catalogus", load)
        return stand

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


Compute = Callable[[Bron, Peildatum], Coroutine[Any, Any, Any]]


async def cached_answer(
    request: Request[Any, Any, Any],
    compute: Compute,
    peildatum: str | None,
    *key: Any,
) -> Response[Any]:
    """The answer to this request from this worker's cache (:mod:`registry.readcache`), or
    ``compute``-d from a :class:`Bron` as of the peildatum and kept; JSON or signed.

    ``key`` adds what the answer depends on besides the path and query string (the caller's
    visibility). An answer as of now is computed with a placeholder moment that each request fills in.
    """
    state = request.app.state
    reader = direct_reader(state)
    versie = await reader.versie()
    # 'now' is read after the version: every write of this version happened before it, so an
    # answer as of now kept for this version never misses a schorsing or intrekking of it
    now: datetime = state.clock.now()
    as_of_now = peildatum is None or not peildatum.strip()
    moment = parse_peildatum(peildatum, now)
    cache = read_cache(state).at(versie)
    scope = request.scope
    full_key = (scope["path"], scope["query_string"], id(registered_verklaring_check()), *key)

    async def computed() -> Entry:
        shown = Peildatum(moment.moment, weergave=MOMENT_PLACEHOLDER) if as_of_now else moment
        async with reader.snapshot() as snap:
            bron = Bron(snap, state, cache)
            try:
                result = await compute(bron, shown)
            finally:
                await bron.close()
        response = result if isinstance(result, Response) else Response(result)
        body = _encoder.encode(response.content)
        return Entry(
            parts=tuple(body.split(PLACEHOLDER_TEXT)) if as_of_now else (body,),
            headers=dict(response.headers),
            vanaf=now if as_of_now else None,
            tot=day_start(moment.datum + timedelta(days=1)) if as_of_now else None,
        )

    entry = cache.get(full_key, now) or await cache.fetch(versie, full_key, now, computed)
    body = entry.body(_encoder.encode(Peildatum.at(now).moment)[1:-1])
    headers = {**entry.headers, "Vary": "Accept"}
    if wants_signed(request):
        return _signed(request, msgspec.json.decode(body), headers, HTTP_200_OK)
    return Response(body, media_type=MediaType.JSON, headers=headers)
