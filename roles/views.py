"""The public pages of the catalogue: ``/catalogus`` and the pages under it (no login needed).

Every page shows which release it shows and its status, and offers a release switcher
(``?release=1.2.0``); without it the definitive release is shown. Concept releases appear only for
logged-in users with ``Permission.CATALOGUS_LEZEN``.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.permissions import Permission, principal_of
from registry.dependencies import AppClock, DbSession
from registry.templating import page
from roles import schemas, services
from roles.invulling import invulling_van

ROLTYPEN: tuple[tuple[str, str, str], ...] = (
    (
        "besturing",
        "Besturingsrollen",
        "De rollen en verantwoordelijkheden voor de besturing van het afsprakenstelsel; hiermee wordt "
        "de governance geborgd. De besturing sluit aan op NEN 7522:2021.",
    ),
    (
        "organisatorisch",
        "Organisatorische en procesrollen",
        "De rollen en verantwoordelijkheden voor het organiseren van de samenwerking binnen het jeugd-, "
        "zorg- en veiligheidsdomein; hiermee wordt het proces geborgd.",
    ),
    (
        "technisch",
        "Technische rollen",
        "De systeemrollen voor de technische realisatie van gegevensuitwisseling binnen het "
        "afsprakenstelsel; hiermee wordt de techniek geborgd.",
    ),
    (
        "dienstverlening",
        "Dienstverlening",
        "Partijen die deelnemers ondersteunen bij hun deelname, en de diensten van de stelselorganisatie "
        "zelf, zoals het afgeven van verklaringen.",
    ),
)
RELATIESOORTEN = {
    "ondersteunt": "Ondersteunt",
    "handelt-namens": "Handelt namens",
    "kent-toe": "Kent de rol toe aan",
    "registreert": "Houdt de registratie bij van",
    "specialiseert": "Is een uitwerking van",
    "stemt-af-met": "Stemt af met",
    "neemt-af-van": "Neemt gegevens en diensten af van",
}
DUTY_KOLOMMEN = (
    ("taak", "Taken"),
    ("verantwoordelijkheid", "Verantwoordelijkheden"),
    ("bevoegdheid", "Bevoegdheden"),
)

ReleaseQuery = Annotated[str | None, QueryParameter(name="release", required=False, max_length=64)]


def may_read_concepts(request: Request[Any, Any, Any]) -> bool:
    principal = principal_of(request)
    return principal is not None and principal.can(Permission.CATALOGUS_LEZEN)


async def _shared(
    request: Request[Any, Any, Any], session: AsyncSession, release: schemas.Release, chosen: str | None
) -> dict[str, Any]:
    """What every catalogue page shows: the release, the switcher and the section navigation."""
    include = may_read_concepts(request)
    query = "?" + urlencode({"release": chosen}) if chosen else ""
    sections = [
        ("Rollen", "/catalogus"),
        ("Samenwerkfuncties", "/catalogus/samenwerkfuncties"),
        ("Samenwerkingsproces en patronen", "/catalogus/samenwerkpatronen"),
        ("Grondslagen", "/catalogus/grondslagen"),
    ]
    path = request.url.path
    return {
        "release": release,
        "releases": await services.list_releases(session, include_concept=include),
        "geldend": await services.current_release(session),
        "release_query": query,
        "secties": [
            {
                "label": label,
                "href": href + query,
                "active": path == href
                or path.startswith((href if href != "/catalogus" else "/catalogus/rollen") + "/"),
            }
            for label, href in sections
        ],
    }


@get("/catalogus", opt={"public": True}, include_in_schema=False)
async def catalogus(
    request: Request[Any, Any, Any], db_session: DbSession, release: ReleaseQuery = None
) -> Template:
    if release is None and await services.current_release(db_session) is None:
        return page(request, "roles/leeg.html")
    found, rollen = await services.list_rollen(
        db_session, release, include_concept=may_read_concepts(request)
    )
    groepen = [
        {
            "roltype": code,
            "titel": titel,
            "omschrijving": omschrijving,
            "rollen": [r for r in rollen if r.roltype == code],
        }
        for code, titel, omschrijving in ROLTYPEN
    ]
    return page(
        request,
        "roles/catalogus.html",
        {**await _shared(request, db_session, found, release), "groepen": groepen, "aantal": len(rollen)},
    )


@get("/catalogus/rollen/{code:str}", opt={"public": True}, include_in_schema=False)
async def rol(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    clock: AppClock,
    code: FromPath[str],
    release: ReleaseQuery = None,
) -> Template:
    include = may_read_concepts(request)
    found = await services.get_rol(db_session, code, release, include_concept=include)
    _, rollen = await services.list_rollen(db_session, found.release.versie, include_concept=include)
    release_info = await services.get_release(db_session, found.release.versie, include_concept=include)
    return page(
        request,
        "roles/rol.html",
        {
            **await _shared(request, db_session, release_info, release),
            "rol": found,
            "kolommen": [(soort, titel, found.duties_van_soort(soort)) for soort, titel in DUTY_KOLOMMEN],
            "rolnamen": {r.code: r.naam for r in rollen},
            "relatiesoorten": RELATIESOORTEN,
            "roltypen": {code: titel for code, titel, _ in ROLTYPEN},
            "houders": await invulling_van(db_session, found.code, clock.now()),
        },
    )


@get("/catalogus/samenwerkfuncties", opt={"public": True}, include_in_schema=False)
async def samenwerkfuncties(
    request: Request[Any, Any, Any], db_session: DbSession, release: ReleaseQuery = None
) -> Template:
    found, functies = await services.list_samenwerkfuncties(
        db_session, release, include_concept=may_read_concepts(request)
    )
    return page(
        request,
        "roles/samenwerkfuncties.html",
        {**await _shared(request, db_session, found, release), "functies": functies},
    )


@get("/catalogus/samenwerkfuncties/{code:str}", opt={"public": True}, include_in_schema=False)
async def samenwerkfunctie(
    request: Request[Any, Any, Any], db_session: DbSession, code: FromPath[str], release: ReleaseQuery = None
) -> Template:
    found, functie = await services.get_samenwerkfunctie(
        db_session, code, release, include_concept=may_read_concepts(request)
    )
    return page(
        request,
        "roles/samenwerkfunctie.html",
        {**await _shared(request, db_session, found, release), "functie": functie},
    )


@get("/catalogus/grondslagen", opt={"public": True}, include_in_schema=False)
async def grondslagen(
    request: Request[Any, Any, Any], db_session: DbSession, release: ReleaseQuery = None
) -> Template:
    found, items = await services.list_grondslagen(
        db_session, release, include_concept=may_read_concepts(request)
    )
    return page(
        request,
        "roles/grondslagen.html",
        {**await _shared(request, db_session, found, release), "grondslagen": items},
    )


@get("/catalogus/samenwerkpatronen", opt={"public": True}, include_in_schema=False)
async def samenwerkpatronen(
    request: Request[Any, Any, Any], db_session: DbSession, release: ReleaseQuery = None
) -> Template:
    detail = await services.release_detail(db_session, release, include_concept=may_read_concepts(request))
    return page(
        request,
        "roles/samenwerkpatronen.html",
        {
            **await _shared(request, db_session, detail.release, release),
            "processtappen": detail.samenwerkingsproces,
            "patronen": detail.samenwerkpatronen,
        },
    )


public_route_handlers = [catalogus, rol, samenwerkfuncties, samenwerkfunctie, grondslagen, samenwerkpatronen]
