"""The public, read-only JSON API of the catalogue under ``/api/v1``.

Role, function and grondslag codes are the stable identifiers. Every answer taken from one release
says which (``release``: versie and status); without ``?release=`` the definitive release is meant.
Concept releases exist only for callers with ``Permission.CATALOGUS_LEZEN`` (no API scope grants
it today, so the public API shows consultatie, definitief and vervallen releases); for anyone else
a concept is simply not found. Answers carry a strong ``ETag`` computed from their content and a
``Cache-Control``; ``If-None-Match`` with that ETag gives ``304 Not Modified``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, Request, Response, get
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, QueryParameter

from registry.accounts.permissions import Permission, principal_of
from registry.api import API_PREFIX, Page, PageRequest, paginated
from registry.dependencies import DbSession, Paging
from registry.problems import Problem
from roles import catalogue_file as cf
from roles import schemas, services

T = TypeVar("T")

PUBLIC_CACHE = "public, max-age=300"
PRIVATE_CACHE = "private, no-cache"

ReleaseQuery = Annotated[
    str | None,
    QueryParameter(
        name="release",
        description="Versie van de release (zoals 1.2.0); zonder deze parameter de definitieve release.",
        max_length=64,
    ),
]


def _may_read_concepts(request: Request[Any, Any, Any]) -> bool:
    principal = principal_of(request)
    return principal is not None and principal.can(Permission.CATALOGUS_LEZEN)


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    candidates = [candidate.strip().removeprefix("W/") for candidate in header.split(",")]
    return "*" in candidates or etag in candidates


def conditional(request: Request[Any, Any, Any], response: Response[T]) -> Response[T]:
    """Add a strong ETag (SHA-256 of the JSON body) and Cache-Control; answer 304 on a match."""
    etag = '"' + hashlib.sha256(msgspec.json.encode(response.content)).hexdigest()[:40] + '"'
    headers = {
        **response.headers,
        "ETag": etag,
        "Cache-Control": PRIVATE_CACHE if principal_of(request) else PUBLIC_CACHE,
        "Vary": "Authorization",
    }
    if _etag_matches(request.headers.get("if-none-match"), etag):
        not_modified: Response[Any] = Response(content=None, status_code=304, headers=headers)
        return not_modified
    return Response(content=response.content, headers=headers)


def _page(
    request: Request[Any, Any, Any],
    release: schemas.Release,
    items: Sequence[T],
    paging: PageRequest,
) -> Response[schemas.ReleasePage[T]]:
    window = items[paging.offset : paging.offset + paging.page_size]
    listed: Response[Page[T]] = paginated(request, window, len(items), paging)
    page = schemas.ReleasePage(**msgspec.structs.asdict(listed.content), release=release.ref)
    return conditional(request, Response(page, headers=listed.headers))


# A ``?release=`` that names no (visible) release is a 404: the release asked for does not exist.
UNKNOWN_RELEASE = {
    404: ResponseSpec(data_container=Problem, description="De gevraagde release bestaat niet."),
}


class CatalogusController(Controller):
    """Releases, rollen, samenwerkfuncties and grondslagen of the afsprakenstelsel."""

    path = API_PREFIX
    tags = ["Catalogus"]

    @get(
        "/releases",
        opt={"public": True},
        summary="Releases van de catalogus",
        description="Alle releases, hoogste versie eerst, met hun status en data.",
    )
    async def releases(
        self, request: Request[Any, Any, Any], db_session: DbSession, paging: Paging
    ) -> Response[Page[schemas.Release]]:
        releases = await services.list_releases(db_session, include_concept=_may_read_concepts(request))
        window = releases[paging.offset : paging.offset + paging.page_size]
        return conditional(request, paginated(request, window, len(releases), paging))

    @get(
        "/releases/{versie:str}",
        opt={"public": True},
        summary="Eén release",
        description=(
            "De release met het samenwerkingsproces, de samenwerkpatronen en de omvang van de catalogus."
        ),
    )
    async def release(
        self, request: Request[Any, Any, Any], db_session: DbSession, versie: FromPath[str]
    ) -> Response[schemas.ReleaseDetail]:
        detail = await services.release_detail(
            db_session, versie, include_concept=_may_read_concepts(request)
        )
        return conditional(request, Response(detail))

    @get(
        "/releases/{versie:str}/verschillen",
        opt={"public": True},
        summary="Verschillen tussen twee releases",
        description=(
            "Wat er in release `versie` anders is dan in `tenOpzichteVan` (standaard: de vorige release): "
            "rollen, taken, verantwoordelijkheden en bevoegdheden per rol, samenwerkfuncties, "
            "samenwerkpatronen, grondslagen en processtappen "
            "die zijn toegevoegd, verwijderd of gewijzigd, veld voor veld."
        ),
    )
    async def verschillen(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        versie: FromPath[str],
        ten_opzichte_van: Annotated[
            str | None,
            QueryParameter(
                name="tenOpzichteVan", description="De oudere release om mee te vergelijken.", max_length=64
            ),
        ] = None,
    ) -> Response[schemas.Releaseverschil]:
        verschil = await services.compare_releases(
            db_session, versie, ten_opzichte_van, include_concept=_may_read_concepts(request)
        )
        return conditional(request, Response(verschil))

    @get(
        "/rollen",
        responses=UNKNOWN_RELEASE,
        opt={"public": True},
        summary="Rollen",
        description="De rollen van een release in catalogusvolgorde, desgewenst van één roltype.",
    )
    async def rollen(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        paging: Paging,
        release: ReleaseQuery = None,
        roltype: Annotated[
            cf.Roltype | None,
            QueryParameter(
                name="roltype", description="besturing, organisatorisch, technisch of dienstverlening."
            ),
        ] = None,
    ) -> Response[schemas.ReleasePage[schemas.RolSamenvatting]]:
        found, rollen = await services.list_rollen(
            db_session,
            release,
            roltype=str(roltype) if roltype else None,
            include_concept=_may_read_concepts(request),
        )
        return _page(request, found, rollen, paging)

    @get(
        "/rollen/{code:str}",
        responses=UNKNOWN_RELEASE,
        opt={"public": True},
        summary="Eén rol",
        description=(
            "De rol met zijn taken, verantwoordelijkheden en bevoegdheden (in volgorde) en zijn relaties."
        ),
    )
    async def rol(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        code: FromPath[str],
        release: ReleaseQuery = None,
    ) -> Response[schemas.Rol]:
        rol = await services.get_rol(db_session, code, release, include_concept=_may_read_concepts(request))
        return conditional(request, Response(rol))

    @get(
        "/samenwerkfuncties",
        responses=UNKNOWN_RELEASE,
        opt={"public": True},
        summary="Samenwerkfuncties",
        description="De samenwerkfuncties van een release, op nummer.",
    )
    async def samenwerkfuncties(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        paging: Paging,
        release: ReleaseQuery = None,
    ) -> Response[schemas.ReleasePage[schemas.Samenwerkfunctie]]:
        found, functies = await services.list_samenwerkfuncties(
            db_session, release, include_concept=_may_read_concepts(request)
        )
        return _page(request, found, functies, paging)

    @get(
        "/samenwerkfuncties/{code:str}",
        responses=UNKNOWN_RELEASE,
        opt={"public": True},
        summary="Eén samenwerkfunctie",
        description=(
            "De samenwerkfunctie met haar uitwerking: voorbeelden, gebruikersverhaal en zakelijke "
            "rechtvaardiging."
        ),
    )
    async def samenwerkfunctie(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        code: FromPath[str],
        release: ReleaseQuery = None,
    ) -> Response[schemas.SamenwerkfunctieInRelease]:
        found, functie = await services.get_samenwerkfunctie(
            db_session, code, release, include_concept=_may_read_concepts(request)
        )
        return conditional(
            request, Response(schemas.SamenwerkfunctieInRelease(release=found.ref, samenwerkfunctie=functie))
        )

    @get(
        "/grondslagen",
        responses=UNKNOWN_RELEASE,
        opt={"public": True},
        summary="Grondslagen",
        description="De wetten en verdragen die de grondslag en het juridisch kader van het stelsel vormen.",
    )
    async def grondslagen(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        paging: Paging,
        release: ReleaseQuery = None,
    ) -> Response[schemas.ReleasePage[schemas.Grondslag]]:
        found, grondslagen = await services.list_grondslagen(
            db_session, release, include_concept=_may_read_concepts(request)
        )
        return _page(request, found, grondslagen, paging)
