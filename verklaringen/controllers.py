"""The JSON API of verklaringen under ``/api/v1``.

Public: the issued verklaringen (summary, attestation, PDF), the status list, aanmelden and
``POST /verificaties`` (a relying party needs no account to check a token it holds; anonymous callers
are rate limited per address, API clients per client). With a scope: ``aanmeldingen`` to read aanmeldingen,
intakes and besluiten. The process steps that people take (assigning, the intake, the besluit,
signing) are done in the portal's pages, which call the same services.

``POST /verificaties`` does not store anything: a verification is computed, so it answers
``200 OK`` with the outcome, also when the token is not valid (``valid: false`` with the reasons);
only a body that is not ``{"token": "…"}`` is a ``400``.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import Body, FromPath, HeaderParameter, QueryParameter

from registry.accounts.permissions import Permission
from registry.api import API_PREFIX, Page, paginated
from registry.audit.services import Actor
from registry.dependencies import AppClock, AppSettings, DbSession, Paging
from registry.errors import NotFound
from registry.ledenadministratie.ratelimit import RATE_LIMITED
from registry.settings import Settings
from verklaringen import schemas
from verklaringen.providers import (
    DEPENDENCIES,
    limit_aanmeldingen,
    provide_status_lists,
    provide_status_tokens,
)
from verklaringen.services import aanmeldingen, queries, verificatie
from verklaringen.services.statuslijsten import STATUSLIJST, statuslijst_uri

JWT_MEDIA_TYPE = "application/jwt"
STATUSLIST_MEDIA_TYPE = "application/statuslist+jwt"
PDF_MEDIA_TYPE = "application/pdf"
AANMELDINGEN_LEZEN = {"permission": Permission.AANMELDINGEN_LEZEN}

DeelnemerQuery = Annotated[
    str | None,
    QueryParameter(
        name="deelnemer", description="Id of identificatie (kvk:90000001) van de deelnemer.", max_length=80
    ),
]
RolQuery = Annotated[str | None, QueryParameter(name="rol", description="Code van de rol.", max_length=80)]
StatusQuery = Annotated[
    str | None,
    QueryParameter(
        name="status",
        description="geldig, nog_niet_geldig, verlopen, geschorst of ingetrokken.",
        max_length=30,
    ),
]


def _etag_matches(request: Request[Any, Any, Any], etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    return any(candidate.strip().removeprefix("W/") in {etag, "*"} for candidate in header.split(","))


def _conditional_bytes(
    request: Request[Any, Any, Any], body: bytes, etag: str, media_type: str, headers: dict[str, str]
) -> Response[bytes]:
    headers = {**headers, "ETag": etag}
    if _etag_matches(request, etag):
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


class VerklaringenController(Controller):
    """Issued verklaringen, their attestation and PDF, the status list, and verification."""

    path = API_PREFIX
    tags = ["Verklaringen"]
    dependencies = DEPENDENCIES

    @get(
        "/verklaringen",
        opt={"public": True},
        summary="Verklaringen",
        description="Afgegeven verklaringen, nieuwste eerst, te filteren op deelnemer, rol en status.",
    )
    async def list_verklaringen(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        settings: AppSettings,
        clock: AppClock,
        paging: Paging,
        deelnemer: DeelnemerQuery = None,
        rol: RolQuery = None,
        status: StatusQuery = None,
    ) -> Response[Page[schemas.Verklaring]]:
        items, total = await queries.list_verklaringen(
            db_session,
            paging,
            today=queries.today_of(clock.now()),
            base_url=settings.base_url,
            deelnemer=deelnemer,
            rol=rol,
            status=status,
        )
        return paginated(request, items, total, paging)

    @get(
        "/verklaringen/{nummer:str}",
        opt={"public": True},
        summary="Eén verklaring",
        description="De verklaring met haar status (geldig, verlopen, geschorst, ingetrokken).",
    )
    async def get_verklaring(
        self, db_session: DbSession, settings: AppSettings, clock: AppClock, nummer: FromPath[str]
    ) -> schemas.Verklaring:
        return await queries.get_verklaring(
            db_session, nummer, today=queries.today_of(clock.now()), base_url=settings.base_url
        )

    @get(
        "/verklaringen/{nummer:str}/attestatie",
        opt={"public": True},
        summary="Attestatie van een verklaring",
        description="De ondertekende verklaring als compacte JWS (typ verklaring+jwt).",
        media_type=JWT_MEDIA_TYPE,
    )
    async def attestatie(
        self, request: Request[Any, Any, Any], db_session: DbSession, nummer: FromPath[str]
    ) -> Response[bytes]:
        token = await queries.verklaring_attestatie(db_session, nummer)
        etag = '"' + hashlib.sha256(token.encode()).hexdigest()[:32] + '"'
        return _conditional_bytes(
            request, token.encode("ascii"), etag, JWT_MEDIA_TYPE, {"Cache-Control": "public, max-age=3600"}
        )

    @get(
        "/verklaringen/{nummer:str}/pdf",
        opt={"public": True},
        summary="PDF van een verklaring",
        description="De verklaring als PDF/A-3, met de attestatie als bijlage; steeds dezelfde bytes.",
        media_type=PDF_MEDIA_TYPE,
    )
    async def pdf(
        self, request: Request[Any, Any, Any], db_session: DbSession, nummer: FromPath[str]
    ) -> Response[bytes]:
        document = await queries.verklaring_document(db_session, nummer)
        return _conditional_bytes(
            request,
            document.inhoud,
            f'"{document.sha256}"',
            PDF_MEDIA_TYPE,
            {
                "Cache-Control": "public, max-age=3600",
                "Content-Disposition": f'inline; filename="{document.bestandsnaam}"',
                "Digest": f"sha-256={document.sha256}",
            },
        )

    @get(
        "/statuslijsten/{nummer:int}",
        opt={"public": True},
        summary="Statuslijst",
        description=(
            "De ondertekende Token Status List (statuslist+jwt, 2 bits per verklaring: 0 geldig, "
            "1 ingetrokken, 2 geschorst). Intrekken en schorsen staan er direct in."
        ),
        media_type=STATUSLIST_MEDIA_TYPE,
    )
    async def statuslijst(
        self, request: Request[Any, Any, Any], state: State, nummer: FromPath[int]
    ) -> Response[bytes]:
        if nummer != STATUSLIJST:
            raise NotFound(f"Er is geen statuslijst {nummer}.")
        # read from the app's state rather than injected: see verifieer
        settings: Settings = state.settings
        signed = provide_status_tokens(state).sign(
            await provide_status_lists(state).current(nummer),
            uri=statuslijst_uri(settings.base_url, nummer),
            issuer=settings.base_url,
            signer=state.keyring.active_signer(),
            now=state.clock.now(),
        )
        max_age = int(signed.ttl.total_seconds())
        return _conditional_bytes(
            request,
            signed.token.encode("ascii"),
            signed.etag,
            STATUSLIST_MEDIA_TYPE,
            {"Cache-Control": f"public, max-age={max_age}, must-revalidate"},
        )

    @post(
        "/verificaties",
        opt={"public": True, RATE_LIMITED: True},
        status_code=200,
        summary="Verklaring verifiëren",
        description=(
            "Controleert een verklaring (compacte JWS): handtekening, claims, beide ondertekeningen en de "
            "statuslijst. Er wordt niets opgeslagen: het antwoord is altijd 200 met valid en de redenen."
        ),
    )
    async def verifieer(
        self, state: State, data: Annotated[schemas.VerificatieVerzoek, Body()]
    ) -> schemas.Verificatie:
        # Settings, clock, key ring and status lists come from the app's state rather than as
        # dependencies: Litestar resolves several dependencies of one handler concurrently in an
        # anyio task group, which cost a fifth of a verification.
        settings: Settings = state.settings
        return await verificatie.verifieer_token(
            data.token,
            keyring=state.keyring,
            base_url=settings.base_url,
            now=state.clock.now(),
            status_source=provide_status_lists(state).source(settings.base_url),
        )


class AanmeldingenController(Controller):
    """Aanmelden for a role that needs a verklaring, and reading aanmeldingen, intakes and besluiten."""

    path = API_PREFIX
    tags = ["Aanmeldingen"]
    dependencies = DEPENDENCIES

    @post(
        "/aanmeldingen",
        opt={"public": True},
        summary="Aanmelden",
        description=(
            "Meldt een organisatie aan voor een rol waarvoor een verklaring nodig is. 201 met de referentie "
            "en de link naar de statuspagina; 200 met de bestaande referentie als dezelfde organisatie "
            "al een open aanmelding voor die rol heeft. Met dezelfde Idempotency-Key geeft een herhaald "
            "verzoek hetzelfde antwoord. Ten hoogste tien aanmeldingen per uur per adres."
        ),
    )
    async def aanmelden(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        settings: AppSettings,
        clock: AppClock,
        data: Annotated[schemas.AanmeldingInvoer, Body()],
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", max_length=200, required=False)
        ] = None,
    ) -> Response[schemas.AanmeldingOntvangen]:
        limit_aanmeldingen(request)
        ontvangen = await aanmeldingen.dien_in(
            db_session,
            data,
            actor=Actor.anonymous("aanmelding via de API"),
            clock=clock,
            secret=settings.secret_key,
            idempotentiesleutel=idempotency_key,
        )
        if ontvangen.status_url is not None:
            ontvangen.status_url = f"{settings.base_url}{ontvangen.status_url}"
        created = not ontvangen.bestaand
        return Response(
            ontvangen,
            status_code=201 if created else 200,
            headers={"Location": f"{API_PREFIX}/aanmeldingen/{ontvangen.referentie}"},
        )

    @get("/aanmeldingen", opt=AANMELDINGEN_LEZEN, summary="Aanmeldingen", description="Oudste eerst.")
    async def list_aanmeldingen(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        paging: Paging,
        status: Annotated[str | None, QueryParameter(name="status", max_length=30)] = None,
    ) -> Response[Page[schemas.Aanmelding]]:
        items, total = await queries.list_aanmeldingen(db_session, paging, status=status)
        return paginated(request, items, total, paging)

    @get("/aanmeldingen/{referentie:str}", opt=AANMELDINGEN_LEZEN, summary="Eén aanmelding")
    async def get_aanmelding(self, db_session: DbSession, referentie: FromPath[str]) -> schemas.Aanmelding:
        return await queries.get_aanmelding(db_session, referentie)

    @get(
        "/aanmeldingen/{referentie:str}/besluit",
        opt=AANMELDINGEN_LEZEN,
        summary="Voorstel en besluit over een aanmelding",
    )
    async def get_besluit(self, db_session: DbSession, referentie: FromPath[str]) -> schemas.Besluit:
        return await queries.get_besluit(db_session, referentie)

    @get("/intakes/{intake_id:uuid}", opt=AANMELDINGEN_LEZEN, summary="Eén intake")
    async def get_intake(self, db_session: DbSession, intake_id: FromPath[uuid.UUID]) -> schemas.Intake:
        return await queries.get_intake(db_session, intake_id)

    @get(
        "/intakes/{intake_id:uuid}/intakeformulier",
        opt=AANMELDINGEN_LEZEN,
        summary="Intakeformulier (PDF)",
        media_type=PDF_MEDIA_TYPE,
    )
    async def intakeformulier(
        self, request: Request[Any, Any, Any], db_session: DbSession, intake_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        document = await queries.intake_document(db_session, intake_id)
        return _conditional_bytes(
            request,
            document.inhoud,
            f'"{document.sha256}"',
            PDF_MEDIA_TYPE,
            {
                "Cache-Control": "private, no-cache",
                "Content-Disposition": f'inline; filename="{document.bestandsnaam}"',
            },
        )
