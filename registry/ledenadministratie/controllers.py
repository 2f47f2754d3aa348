"""The lookup API of the ledenadministratie: "who is this party and what may it do?".

Every answer can be asked as of a ``peildatum`` (a date, or a date-time with offset; see
:mod:`registry.ledenadministratie.peildatum`), and signed by asking ``Accept: application/jwt`` (see
:mod:`registry.ledenadministratie.antwoord`). Public fields need no login; an API client with scope
``lookup:read`` also sees contactpersonen and history. Calls are rate limited per API client and per
anonymous address (:mod:`registry.ledenadministratie.ratelimit`).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.params import PathParameter, QueryParameter

from registry.accounts.permissions import Permission, principal_of
from registry.api import API_PREFIX, Page, paginated
from registry.dependencies import AppSettings, DbSession, Paging
from registry.ledenadministratie import peildatum as peil
from registry.ledenadministratie import schemas, services
from registry.ledenadministratie.antwoord import ANSWER_TYP, Bron, answer, cached_answer
from registry.ledenadministratie.ratelimit import RATE_LIMITED
from registry.ledenadministratie.services import directe_lookup, lookup

PUBLIC = {"public": True}
SIGNED = (
    f" Met `Accept: application/jwt` komt het antwoord als ondertekende JWS (typ `{ANSWER_TYP}`), te "
    "controleren met /.well-known/jwks.json."
)
Peildatum = Annotated[
    str | None,
    QueryParameter(
        name="peildatum",
        description=(
            "Antwoord zoals het register er op dit moment voor stond: een datum (2025-06-01, 00:00 "
            "Nederlandse tijd) of een tijdstip met tijdzone (2025-06-01T14:30:00+02:00). Standaard: nu."
        ),
    ),
]


def _volledig(request: Request[Any, Any, Any]) -> bool:
    """Full lookup access (contactpersonen, history): an API client with scope ``lookup:read``."""
    principal = principal_of(request)
    return principal is not None and principal.can(Permission.LOOKUP_VOLLEDIG)


class LookupController(Controller):
    path = API_PREFIX
    tags = ["Ledenadministratie"]
    opt = {RATE_LIMITED: True}

    @get(
        "/deelnemers",
        opt=PUBLIC,
        summary="Deelnemers zoeken",
        description=(
            "Deelnemers zoals ze op de peildatum in het register stonden, op naam. `zoek` vindt het begin "
            "van de naam of van een woord erin (hoofdletters en accenten doen er niet toe) of het nummer van "
            "een identificatie. `identificatie=kvk:12345678` zoekt één deelnemer op zijn identificatie "
            "(soort:waarde met soort kvk, vestigingsnummer, rsin, oin, ura of agb); het antwoord is dan een "
            "lijst van hoogstens één. `rol` houdt deelnemers over met die rol op de peildatum, `status` de "
            "status op dat moment." + SIGNED
        ),
    )
    async def list_deelnemers(
        self,
        request: Request[Any, Any, Any],
        paging: Paging,
        zoek: Annotated[
            str | None,
            QueryParameter(name="zoek", description="Begin van de naam, of een nummer.", max_length=200),
        ] = None,
        identificatie: Annotated[
            str | None,
            QueryParameter(
                name="identificatie", description="soort:waarde, bijvoorbeeld kvk:12345678.", max_length=60
            ),
        ] = None,
        rol: Annotated[
            str | None,
            QueryParameter(name="rol", description="Code van een rol uit de catalogus.", max_length=80),
        ] = None,
        status: Annotated[
            str | None,
            QueryParameter(
                name="status", description="aangemeld, actief, geschorst of beeindigd.", max_length=20
            ),
        ] = None,
        soort: Annotated[
            str | None, QueryParameter(name="soort", description="Soort organisatie.", max_length=40)
        ] = None,
        regio: Annotated[
            str | None, QueryParameter(name="regio", description="Naam van de regio, exact.", max_length=200)
        ] = None,
        peildatum: Peildatum = None,
    ) -> Response[Page[schemas.Deelnemer]]:
        vraag = services.Zoekvraag(
            zoek=zoek, identificatie=identificatie, rol=rol, status=status, soort=soort, regio=regio
        )
        volledig = _volledig(request)

        async def compute(bron: Bron, moment: peil.Peildatum) -> Response[Page[schemas.Deelnemer]]:
            if vraag.alleen_identificatie() and not volledig:
                found = await directe_lookup.met_identificatie(
                    bron.snap, identificatie or "", moment, await bron.catalogus(), session=bron.session
                )
                items, total = found[paging.offset : paging.offset + paging.page_size], len(found)
            elif vraag.alleen_zoek() and not volledig:
                items, total = await directe_lookup.gezocht(
                    bron.snap, zoek or "", moment, await bron.catalogus(), paging, session=bron.session
                )
            else:
                items, total = await services.search_deelnemers(
                    await bron.session(), vraag, moment, paging, volledig=volledig
                )
            return paginated(request, items, total, paging)

        return await cached_answer(request, compute, peildatum, volledig)

    @get(
        "/deelnemers/{id:str}",
        opt=PUBLIC,
        summary="Eén deelnemer",
        description=(
            "Een deelnemer op id of op identificatie (`/deelnemers/kvk:12345678`), zoals hij op de peildatum "
            "in het register stond: status, rollen en ondersteuningsrelaties. Een rol op een verklaring die "
            "op de peildatum niet geldt (geschorst, ingetrokken) staat erbij met in `verklaringbezwaar` "
            "waarom: de rolcheck kent hem dan niet toe." + SIGNED
        ),
    )
    async def get_deelnemer(
        self,
        request: Request[Any, Any, Any],
        id: Annotated[str, PathParameter(description="Id (uuid) of identificatie soort:waarde.")],
        peildatum: Peildatum = None,
    ) -> Response[schemas.Deelnemer]:
        volledig = _volledig(request)

        async def compute(bron: Bron, moment: peil.Peildatum) -> schemas.Deelnemer:
            if volledig:
                return await services.get_deelnemer(await bron.session(), id, moment, volledig=True)
            verwijzing = directe_lookup.Verwijzing.lees(id, "id")
            return await directe_lookup.deelnemer(
                bron.snap, verwijzing, moment, await bron.catalogus(), session=bron.session
            )

        return await cached_answer(request, compute, peildatum, volledig)

    @get(
        "/deelnemers/{id:str}/rollen",
        opt=PUBLIC,
        summary="Rollen van een deelnemer",
        description="De rolvervullingen van een deelnemer die op de peildatum gelden." + SIGNED,
    )
    async def list_rollen(
        self,
        request: Request[Any, Any, Any],
        paging: Paging,
        id: Annotated[str, PathParameter(description="Id (uuid) of identificatie soort:waarde.")],
        peildatum: Peildatum = None,
    ) -> Response[Page[schemas.Rolvervulling]]:
        volledig = _volledig(request)

        async def compute(bron: Bron, moment: peil.Peildatum) -> Response[Page[schemas.Rolvervulling]]:
            session = await bron.session()
            items, total = await services.rollen_van(session, id, moment, paging, volledig=volledig)
            return paginated(request, items, total, paging)

        return await cached_answer(request, compute, peildatum, volledig)

    @get(
        "/rolcheck",
        opt=PUBLIC,
        summary="Vervult deze deelnemer deze rol?",
        description=(
            "Of de deelnemer de rol op de peildatum vervult, sinds en tot wanneer, op welke basis en onder "
            "welke release van de catalogus; zo niet, waarom niet (`redenCode`, `reden`). Een geschorste "
            "deelnemer houdt zijn rolvervullingen, maar ze gelden niet zolang hij geschorst is. `deelnemer` "
            "en `rol` zijn verplicht." + SIGNED
        ),
    )
    async def rolcheck(
        self,
        request: Request[Any, Any, Any],
        deelnemer: Annotated[
            str,
            QueryParameter(
                name="deelnemer",
                description="Id of identificatie van de deelnemer, bijv. oin:00000001823288444000.",
                max_length=60,
            ),
        ] = "",
        rol: Annotated[
            str, QueryParameter(name="rol", description="Code van de rol uit de catalogus.", max_length=80)
        ] = "",
        peildatum: Peildatum = None,
    ) -> Response[schemas.Rolcheck]:
        async def compute(bron: Bron, moment: peil.Peildatum) -> schemas.Rolcheck:
            return await lookup.rolcheck(
                bron.snap, deelnemer, rol, moment, catalogus=await bron.catalogus(), session=bron.session
            )

        return await cached_answer(request, compute, peildatum)

    @get(
        "/dienstverleners",
        opt=PUBLIC,
        summary="Dienstverleners",
        description=(
            "De lijst die het stelsel publiceert: de actieve deelnemers met een rol van dienstverlening "
            "(dienstverlener of gtk-beheerder) op de peildatum, met adres en website, hun rollen met de "
            "verklaring waarop die rusten en of die verklaring geldig is, de taken van hun "
            "ondersteuningsrelaties en de deelnemers die ze ondersteunen. `zoek` vindt het begin van de naam "
            "of een nummer, `rol` en `taak` houden wie die rol heeft of die taak voor een deelnemer "
            "uitvoert, `regio` de eigen regio (exact). Ook als CSV of JSON te downloaden op "
            "/dienstverleners.csv en /dienstverleners.json." + SIGNED
        ),
    )
    async def list_dienstverleners(
        self,
        request: Request[Any, Any, Any],
        settings: AppSettings,
        paging: Paging,
        zoek: Annotated[
            str, QueryParameter(name="zoek", description="Begin van de naam, of een nummer.", max_length=200)
        ] = "",
        rol: Annotated[
            str, QueryParameter(name="rol", description="dienstverlener of gtk-beheerder.", max_length=80)
        ] = "",
        taak: Annotated[
            str,
            QueryParameter(name="taak", description="Code van een taak uit de catalogus.", max_length=80),
        ] = "",
        regio: Annotated[
            str, QueryParameter(name="regio", description="Naam van de regio, exact.", max_length=200)
        ] = "",
        peildatum: Peildatum = None,
    ) -> Response[Page[schemas.Dienstverlener]]:
        vraag = services.Dienstverlenervraag(zoek=zoek, rol=rol, taak=taak, regio=regio)

        async def compute(bron: Bron, moment: peil.Peildatum) -> Response[Page[schemas.Dienstverlener]]:
            rolnamen = (await bron.catalogus()).namen
            items, total = await services.list_dienstverleners(
                await bron.session(), moment, paging, vraag, base_url=settings.base_url, rolnamen=rolnamen
            )
            return paginated(request, items, total, paging)

        return await cached_answer(request, compute, peildatum)

    @get(
        "/wijzigingen",
        opt=PUBLIC,
        summary="Wijzigingen in het register",
        description=(
            "Alle wijzigingen aan deelnemers, rolvervullingen en ondersteuningsrelaties met een volgnummer "
            "groter dan `sinds`, oudste eerst, met alleen openbare gegevens. Bewaar het hoogste `seq` en "
            "vraag de volgende keer vanaf daar. Een import van deelnemers uit een bestand is entiteit "
            "`import`: `deelnemerIds` noemt de deelnemers die ze aanmeldde; haal die op." + SIGNED
        ),
    )
    async def list_wijzigingen(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        paging: Paging,
        sinds: Annotated[
            int,
            QueryParameter(name="sinds", description="Laatst geziene volgnummer (0: vanaf het begin).", ge=0),
        ] = 0,
    ) -> Response[Page[schemas.Wijziging]]:
        items, total = await services.list_wijzigingen(db_session, sinds, paging)
        return answer(request, paginated(request, items, total, paging))
