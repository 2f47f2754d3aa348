"""Admin screens of the catalogue under ``/beheer/catalogus`` (pages, no JavaScript needed).

Viewing needs ``Permission.CATALOGUS_LEZEN``; every change needs ``Permission.CATALOGUS_BEHEREN``.
A form that is refused is shown again with the entered values and an error at each field (status
400), or with the reason at the top when the release does not allow the change (409). A change
that succeeds redirects (303) to the page that shows it, with a flash message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from registry.accounts.permissions import Permission, principal_of
from registry.audit.services import Actor
from registry.dependencies import AppClock, DbSession
from registry.errors import DomainError, NotFound, ValidationFailed
from registry.templating import flash, page
from roles import catalogue_file as cf
from roles import editing, schemas, services
from roles.views import DUTY_KOLOMMEN, RELATIESOORTEN, ROLTYPEN

LEZEN = {"permission": Permission.CATALOGUS_LEZEN}
BEHEREN = {"permission": Permission.CATALOGUS_BEHEREN}
BASE = "/beheer/catalogus"

AnyRequest = Request[Any, Any, Any]
Errors = dict[str, str]
Renderer = Callable[[dict[str, Any], Errors, str | None, int], Awaitable[Template]]


def _actor(request: AnyRequest) -> Actor:
    principal = principal_of(request)
    assert principal is not None  # the route guard let only logged-in users through
    return Actor(kind="user", id=principal.id, name=principal.display_name)


def _kan_beheren(request: AnyRequest) -> bool:
    principal = principal_of(request)
    return principal is not None and principal.can(Permission.CATALOGUS_BEHEREN)


def _url(versie: str, *parts: str) -> str:
    return "/".join([BASE, quote(versie), *(quote(part) for part in parts)])


def _text(form: FormMultiDict, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _flag(form: FormMultiDict, name: str) -> bool:
    return name in form


def _errors(exc: ValidationFailed, prefix: str = "") -> Errors:
    errors: Errors = {}
    for param in exc.invalid_params:
        errors.setdefault(f"{prefix}{param.name}", param.reason)
    return errors


async def _submit(
    request: AnyRequest,
    change: Callable[[], Awaitable[Any]],
    *,
    success: str | Callable[[Any], str],
    message: str,
    again: Renderer,
    values: dict[str, Any],
    prefix: str = "",
) -> Response[Any]:
    """Run one change; on success redirect with a flash, otherwise show the form again."""
    try:
        result = await change()
    except ValidationFailed as exc:
        return await again(values, _errors(exc, prefix), None, 400)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return await again(values, {}, exc.detail, exc.status)
    response: Response[Any] = Redirect(
        path=success if isinstance(success, str) else success(result), status_code=303
    )
    flash(request, response, message)
    return response


async def _release_step(
    request: AnyRequest,
    versie: str,
    step: Callable[[], Awaitable[Any]],
    message: str,
    again: Callable[[str, int], Awaitable[Template]],
) -> Response[Any]:
    """Take a release a step further (consultatie, publish); a refusal is shown as one message."""

    async def refused(values: dict[str, Any], errors: Errors, fout: str | None, status: int) -> Template:
        return await again(fout or "; ".join(errors.values()), status)

    return await _submit(request, step, success=_url(versie), message=message, again=refused, values={})


async def _confirmed(request: AnyRequest) -> bool:
    """Whether the form came from the confirmation page (publishing and removing ask first)."""
    return _text(await request.form(), "bevestigd") == "ja"


# The longest text of each field, said in the forms (the editing services refuse a longer one).
MAXIMA = {
    "release": schemas.RELEASE_MAXIMA,
    "rol": schemas.ROL_MAXIMA,
    "duty": schemas.DUTY_MAXIMA,
    "samenwerkfunctie": schemas.SAMENWERKFUNCTIE_MAXIMA,
    "grondslag": schemas.GRONDSLAG_MAXIMA,
}


def _context(request: AnyRequest, **context: Any) -> dict[str, Any]:
    return {
        "kan_beheren": _kan_beheren(request),
        "base": BASE,
        "roltype_opties": [(code, titel) for code, titel, _ in ROLTYPEN],
        "relatiesoort_opties": list(RELATIESOORTEN.items()),
        "relatiesoorten": RELATIESOORTEN,
        "soort_opties": [(soort, soort) for soort, _ in DUTY_KOLOMMEN],
        "documentstatus_opties": [(str(status), str(status)) for status in cf.Documentstatus],
        "status_in_zin": services.STATUS_IN_ZIN,
        "maxima": MAXIMA,
        **context,
    }


def _rol_invoer(form: FormMultiDict) -> schemas.RolInvoer:
    return schemas.RolInvoer(
        code=_text(form, "code"),
        naam=_text(form, "naam"),
        roltype=_text(form, "roltype"),
        toelichting=_text(form, "toelichting"),
        toelichting_afgeleid=_flag(form, "toelichting_afgeleid"),
        invulling=_text(form, "invulling"),
        verklaring_vereist=_flag(form, "verklaring_vereist"),
        documentstatus=_text(form, "documentstatus"),
        bron=_text(form, "bron"),
        duties_afgeleid=_flag(form, "duties_afgeleid"),
    )


# --- samenwerkfuncties and grondslagen ------------------------------------------------------------

Lijstinvoer = schemas.SamenwerkfunctieInvoer | schemas.GrondslagInvoer


@dataclass(frozen=True, slots=True)
class Lijstsoort:
    """A kind of entry a release lists besides its roles: samenwerkfuncties and grondslagen.

    Both are kept alike: a page for a new one (``nieuwe-<soort>``) that posts to the list
    (``<meervoud>``), and a page per entry that shows it and, while the release is a concept, holds
    its form and a remove button. Every change goes back to the list on the release page.
    """

    soort: str  # "samenwerkfunctie": the page template, the new page and the messages
    meervoud: str  # "samenwerkfuncties": the list's URL, its anchor and its field of the release content
    invoer: type[Lijstinvoer]
    naamveld: str  # the field that names an entry in a message
    add: Callable[..., Awaitable[object]]
    update: Callable[..., Awaitable[object]]
    remove: Callable[..., Awaitable[None]]

    def read(self, form: FormMultiDict) -> Lijstinvoer:
        return self.invoer(**{name: _text(form, name) for name in self.invoer.__struct_fields__})

    def naam(self, invoer: Lijstinvoer) -> str:
        return str(getattr(invoer, self.naamveld)).strip()


SAMENWERKFUNCTIES = Lijstsoort(
    soort="samenwerkfunctie",
    meervoud="samenwerkfuncties",
    invoer=schemas.SamenwerkfunctieInvoer,
    naamveld="naam",
    add=editing.add_samenwerkfunctie,
    update=editing.update_samenwerkfunctie,
    remove=editing.remove_samenwerkfunctie,
)
GRONDSLAGEN = Lijstsoort(
    soort="grondslag",
    meervoud="grondslagen",
    invoer=schemas.GrondslagInvoer,
    naamveld="wet",
    add=editing.add_grondslag,
    update=editing.update_grondslag,
    remove=editing.remove_grondslag,
)


async def _lijst_page(
    request: AnyRequest,
    db_session: DbSession,
    versie: str,
    lijst: Lijstsoort,
    code: str | None,
    values: Mapping[str, Any] | None = None,
    errors: Errors | None = None,
    fout: str | None = None,
    status: int = 200,
) -> Template:
    release, inhoud = await services.release_content(db_session, versie, include_concept=True)
    entries: list[schemas.Samenwerkfunctie] | list[schemas.Grondslag] = getattr(inhoud, lijst.meervoud)
    entry = next((e for e in entries if e.code == code), None) if code else None
    if code and entry is None:
        raise NotFound(f"'{code}' staat niet in release {versie}.")
    current: dict[str, Any] = {}
    if entry is not None:
        current = {name: str(getattr(entry, name)) for name in entry.__struct_fields__}
    return page(
        request,
        f"roles/beheer/{lijst.soort}.html",
        _context(
            request,
            release=release,
            code=code,
            bewerkbaar=release.status == "concept",
            waarden=values if values is not None else current,
            fouten=errors or {},
            fout=fout,
        ),
        status_code=status,
    )


def _lijst_again(
    request: AnyRequest, db_session: DbSession, versie: str, lijst: Lijstsoort, code: str | None
) -> Renderer:
    async def again(values: dict[str, Any], errors: Errors, fout: str | None, status: int) -> Template:
        return await _lijst_page(request, db_session, versie, lijst, code, values, errors, fout, status)

    return again


def _named(name: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    """A handler made for one kind of entry, named after it (in route listings and messages)."""
    handler.__name__ = handler.__qualname__ = name
    return handler


def _lijst_routes(lijst: Lijstsoort) -> tuple[HTTPRouteHandler, ...]:
    """The five routes of one kind of entry, as methods of :class:`BeheerCatalogusController`:
    the new page, add, the entry's page, change and remove."""
    soort, meervoud = lijst.soort, lijst.meervoud

    def terug(versie: str) -> str:
        return _url(versie) + f"#{meervoud}"

    def values(invoer: Lijstinvoer) -> dict[str, Any]:
        return {name: getattr(invoer, name) for name in invoer.__struct_fields__}

    async def new(
        self: Controller, request: AnyRequest, db_session: DbSession, versie: FromPath[str]
    ) -> Template:
        return await _lijst_page(request, db_session, versie, lijst, None, {"documentstatus": "concept"})

    async def add(
        self: Controller, request: AnyRequest, db_session: DbSession, clock: AppClock, versie: FromPath[str]
    ) -> Response[Any]:
        invoer = lijst.read(await request.form())
        return await _submit(
            request,
            lambda: lijst.add(db_session, versie, invoer, actor=_actor(request), clock=clock),
            success=terug(versie),
            message=f"De {soort} {lijst.naam(invoer)} is toegevoegd.",
            again=_lijst_again(request, db_session, versie, lijst, None),
            values=values(invoer),
        )

    async def show(
        self: Controller,
        request: AnyRequest,
        db_session: DbSession,
        versie: FromPath[str],
        code: FromPath[str],
    ) -> Template:
        return await _lijst_page(request, db_session, versie, lijst, code)

    async def update(
        self: Controller,
        request: AnyRequest,
        db_session: DbSession,
        clock: AppClock,
        versie: FromPath[str],
        code: FromPath[str],
    ) -> Response[Any]:
        invoer = lijst.read(await request.form())
        return await _submit(
            request,
            lambda: lijst.update(db_session, versie, code, invoer, actor=_actor(request), clock=clock),
            success=terug(versie),
            message=f"De {soort} {lijst.naam(invoer)} is opgeslagen.",
            again=_lijst_again(request, db_session, versie, lijst, code),
            values=values(invoer),
        )

    async def remove(
        self: Controller,
        request: AnyRequest,
        db_session: DbSession,
        clock: AppClock,
        versie: FromPath[str],
        code: FromPath[str],
    ) -> Response[Any]:
        return await _submit(
            request,
            lambda: lijst.remove(db_session, versie, code, actor=_actor(request), clock=clock),
            success=terug(versie),
            message=f"De {soort} {code} is verwijderd.",
            again=_lijst_again(request, db_session, versie, lijst, code),
            values={},
        )

    entry = "/{versie:str}/" + meervoud + "/{code:str}"
    return (
        get(f"/{{versie:str}}/nieuwe-{soort}", opt=BEHEREN)(_named(f"new_{soort}", new)),
        post(f"/{{versie:str}}/{meervoud}", opt=BEHEREN)(_named(f"add_{soort}", add)),
        get(entry, opt=LEZEN)(_named(soort, show)),
        post(entry, opt=BEHEREN)(_named(f"update_{soort}", update)),
        post(f"{entry}/verwijderen", opt=BEHEREN)(_named(f"remove_{soort}", remove)),
    )


class BeheerCatalogusController(Controller):
    """Releases: create, edit a concept, consultatie, publish (with the differences shown first)."""

    path = BASE
    include_in_schema = False

    # --- releases ---------------------------------------------------------------------------------

    async def _releases_page(
        self,
        request: AnyRequest,
        db_session: DbSession,
        values: Mapping[str, Any],
        errors: Errors,
        status: int,
    ) -> Template:
        releases = await services.list_releases(db_session, include_concept=True)
        return page(
            request,
            "roles/beheer/releases.html",
            _context(request, releases=releases, waarden=values, fouten=errors),
            status_code=status,
        )

    @get("/", opt=LEZEN)
    async def releases(self, request: AnyRequest, db_session: DbSession) -> Template:
        return await self._releases_page(request, db_session, {}, {}, 200)

    @post("/releases", opt=BEHEREN)
    async def create_release(
        self, request: AnyRequest, db_session: DbSession, clock: AppClock
    ) -> Response[Any]:
        form = await request.form()
        values = {"versie": _text(form, "versie").strip(), "titel": _text(form, "titel")}

        async def again(values: dict[str, Any], errors: Errors, fout: str | None, status: int) -> Template:
            return await self._releases_page(
                request, db_session, values, errors or {"versie": fout or ""}, status
            )

        return await _submit(
            request,
            lambda: services.create_release(
                db_session, values["versie"], titel=values["titel"], actor=_actor(request), clock=clock
            ),
            success=_url(values["versie"]),
            message=f"Release {values['versie']} is aangemaakt als concept.",
            again=again,
            values=values,
        )

    async def _release_page(
        self,
        request: AnyRequest,
        db_session: DbSession,
        versie: str,
        values: Mapping[str, Any] | None = None,
        errors: Errors | None = None,
        fout: str | None = None,
        status: int = 200,
    ) -> Template:
        release, inhoud = await services.release_content(db_session, versie, include_concept=True)
        return page(
            request,
            "roles/beheer/release.html",
            _context(
                request,
                release=release,
                inhoud=inhoud,
                bewerkbaar=release.status == "concept",
                waarden=values
                or {
                    "titel": release.titel,
                    "toelichting": release.toelichting,
                    "ingangsdatum": release.ingangsdatum.isoformat() if release.ingangsdatum else "",
                },
                fouten=errors or {},
                fout=fout,
            ),
            status_code=status,
        )

    @get("/{versie:str}", opt=LEZEN)
    async def release(self, request: AnyRequest, db_session: DbSession, versie: FromPath[str]) -> Template:
        return await self._release_page(request, db_session, versie)

    @post("/{versie:str}", opt=BEHEREN)
    async def update_release(
        self, request: AnyRequest, db_session: DbSession, clock: AppClock, versie: FromPath[str]
    ) -> Response[Any]:
        form = await request.form()
        invoer = schemas.ReleaseInvoer(
            titel=_text(form, "titel"),
            toelichting=_text(form, "toelichting"),
            ingangsdatum=_text(form, "ingangsdatum"),
        )

        async def again(values: dict[str, Any], errors: Errors, fout: str | None, status: int) -> Template:
            return await self._release_page(request, db_session, versie, values, errors, fout, status)

        return await _submit(
            request,
            lambda: editing.update_release(db_session, versie, invoer, actor=_actor(request), clock=clock),
            success=_url(versie),
            message=f"De gegevens van release {versie} zijn opgeslagen.",
            again=again,
            values={
                "titel": invoer.titel,
                "toelichting": invoer.toelichting,
                "ingangsdatum": invoer.ingangsdatum,
            },
        )

    @get("/{versie:str}/export", opt=LEZEN)
    async def export(self, db_session: DbSession, versie: FromPath[str]) -> Response[str]:
        text = await services.export_catalogue(db_session, versie)
        return Response(
            text,
            media_type="application/toml",
            headers={"Content-Disposition": f'attachment; filename="{versie}.toml"'},
        )

    @get("/{versie:str}/verschillen", opt=LEZEN)
    async def verschillen(
        self,
        request: AnyRequest,
        db_session: DbSession,
        versie: FromPath[str],
        ten_opzichte_van: Annotated[
            str | None, QueryParameter(name="tenOpzichteVan", required=False, max_length=64)
        ] = None,
    ) -> Template:
        release = await services.get_release(db_session, versie, include_concept=True)
        verschil: schemas.Releaseverschil | None = None
        try:
            verschil = await services.compare_releases(
                db_session, versie, ten_opzichte_van, include_concept=True
            )
        except ValidationFailed:
            # No earlier release to compare with: the page says so instead of answering an error.
            if ten_opzichte_van is not None:
                raise
        releases = await services.list_releases(db_session, include_concept=True)
        return page(
            request,
            "roles/beheer/verschillen.html",
            _context(request, release=release, verschil=verschil, releases=releases),
        )

    @post("/{versie:str}/consultatie", opt=BEHEREN)
    async def start_consultatie(
        self, request: AnyRequest, db_session: DbSession, clock: AppClock, versie: FromPath[str]
    ) -> Response[Any]:
        return await _release_step(
            request,
            versie,
            lambda: services.start_consultatie(db_session, versie, actor=_actor(request), clock=clock),
            f"Release {versie} is in consultatie gebracht; de inhoud ligt nu vast.",
            lambda fout, status: self._release_page(request, db_session, versie, None, None, fout, status),
        )

    async def _publish_page(
        self,
        request: AnyRequest,
        db_session: DbSession,
        versie: str,
        fout: str | None = None,
        status: int = 200,
    ) -> Template:
        release = await services.get_release(db_session, versie, include_concept=True)
        geldend = await services.current_release(db_session)
        verschil = (
            await services.compare_releases(db_session, versie, geldend.versie, include_concept=True)
            if geldend is not None and geldend.versie != versie
            else None
        )
        return page(
            request,
            "roles/beheer/publiceren.html",
            _context(request, release=release, geldend=geldend, verschil=verschil, fout=fout),
            status_code=status,
        )

    @get("/{versie:str}/publiceren", opt=BEHEREN)
    async def publish_confirmation(
        self, request: AnyRequest, db_session: DbSession, versie: FromPath[str]
    ) -> Template:
        return await self._publish_page(request, db_session, versie)

    @post("/{versie:str}/publiceren", opt=BEHEREN)
    async def publish(
        self, request: AnyRequest, db_session: DbSession, clock: AppClock, versie: FromPath[str]
    ) -> Response[Any]:
        if not await _confirmed(request):
            return Redirect(path=_url(versie, "publiceren"), status_code=303)
        return await _release_step(
            request,
            versie,
            lambda: services.publish_release(db_session, versie, actor=_actor(request), clock=clock),
            f"Release {versie} is gepubliceerd en is nu de definitieve catalogus.",
            lambda fout, status: self._publish_page(request, db_session, versie, fout, status),
        )

    # --- roles ------------------------------------------------------------------------------------

    async def _new_rol_page(
        self,
        request: AnyRequest,
        db_session: DbSession,
        versie: str,
        values: Mapping[str, Any],
        errors: Errors,
        fout: str | None,
        status: int,
    ) -> Template:
        release = await services.get_release(db_session, versie, include_concept=True)
        return page(
            request,
            "roles/beheer/rol_nieuw.html",
            _context(request, release=release, waarden=values, fouten=errors, fout=fout),
            status_code=status,
        )

    @get("/{versie:str}/nieuwe-rol", opt=BEHEREN)
    async def new_rol(self, request: AnyRequest, db_session: DbSession, versie: FromPath[str]) -> Template:
        return await self._new_rol_page(
            request, db_session, versie, {"roltype": "organisatorisch"}, {}, None, 200
        )

    @post("/{versie:str}/rollen", opt=BEHEREN)
    async def add_rol(
        self, request: AnyRequest, db_session: DbSession, clock: AppClock, versie: FromPath[str]
    ) -> Response[Any]:
        form = await request.form()
        invoer = _rol_invoer(form)

        async def again(values: dict[str, Any], errors: Errors, fout: str | None, status: int) -> Template:
            return await self._new_rol_page(request, db_session, versie, values, errors, fout, status)

        return await _submit(
            request,
            lambda: editing.add_rol(db_session, versie, invoer, actor=_actor(request), clock=clock),
            success=_url(versie, "rollen", invoer.code.strip()),
            message=f"De rol {invoer.naam.strip()} is toegevoegd.",
            again=again,
            values={name: getattr(invoer, name) for name in invoer.__struct_fields__},
        )

    async def _rol_page(
        self,
        request: AnyRequest,
        db_session: DbSession,
        versie: str,
        code: str,
        *,
        values: Mapping[str, Any] | None = None,
        errors: Errors | None = None,
        fout: str | None = None,
        status: int = 200,
    ) -> Template:
        release = await services.get_release(db_session, versie, include_concept=True)
        rol = await services.get_rol(db_session, code, versie, include_concept=True)
        _, rollen = await services.list_rollen(db_session, versie, include_concept=True)
        rol_values = {name: getattr(rol, name) for name in schemas.RolInvoer.__struct_fields__}
        rol_values["documentstatus"] = rol.documentstatus or ""
        return page(
            request,
            "roles/beheer/rol.html",
            _context(
                request,
                release=release,
                rol=rol,
                rollen=rollen,
                bewerkbaar=release.status == "concept",
                waarden={**rol_values, "duty-verplicht": True, **(values or {})},
                fouten=errors or {},
                fout=fout,
            ),
            status_code=status,
        )

    @get("/{versie:str}/rollen/{code:str}", opt=LEZEN)
    async def rol(
        self, request: AnyRequest, db_session: DbSession, versie: FromPath[str], code: FromPath[str]
    ) -> Template:
        return await self._rol_page(request, db_session, versie, code)

    def _rol_again(self, request: AnyRequest, db_session: DbSession, versie: str, code: str) -> Renderer:
        async def again(values: dict[str, Any], errors: Errors, fout: str | None, status: int) -> Template:
            return await self._rol_page(
                request, db_session, versie, code, values=values, errors=errors, fout=fout, status=status
            )

        return again

    @post("/{versie:str}/rollen/{code:str}", opt=BEHEREN)
    async def update_rol(
        self,
        request: AnyRequest,
        db_session: DbSession,
        clock: AppClock,
        versie: FromPath[str],
        code: FromPath[str],
    ) -> Response[Any]:
        invoer = _rol_invoer(await request.form())
        return await _submit(
            request,
            lambda: editing.update_rol(db_session, versie, code, invoer, actor=_actor(request), clock=clock),
            success=_url(versie, "rollen", code),
            message=f"De rol {invoer.naam.strip()} is opgeslagen.",
            again=self._rol_again(request, db_session, versie, code),
            values={name: getattr(invoer, name) for name in invoer.__struct_fields__ if name != "code"},
        )

    @get("/{versie:str}/rollen/{code:str}/verwijderen", opt=BEHEREN)
    async def remove_rol_confirmation(
        self, request: AnyRequest, db_session: DbSession, versie: FromPath[str], code: FromPath[str]
    ) -> Template:
        rol = await services.get_rol(db_session, code, versie, include_concept=True)
        return page(
            request,
            "roles/beheer/verwijderen.html",
            _context(
                request,
                titel=f"Rol {rol.naam} verwijderen uit release {versie}",
                actie=_url(versie, "rollen", code, "verwijderen"),
                terug=_url(versie, "rollen", code),
                gevolgen=[
                    f"De rol {rol.naam} ({rol.code}) verdwijnt uit concept {versie}.",
                    f"Haar {len(rol.duties)} taken, verantwoordelijkheden en bevoegdheden en haar relaties "
                    "verdwijnen mee.",
                    "Eerdere releases houden de rol.",
                ],
            ),
        )

    @post("/{versie:str}/rollen/{code:str}/verwijderen", opt=BEHEREN)
    async def remove_rol(
        self,
        request: AnyRequest,
        db_session: DbSession,
        clock: AppClock,
        versie: FromPath[str],
        code: FromPath[str],
    ) -> Response[Any]:
        if not await _confirmed(request):
            return Redirect(path=_url(versie, "rollen", code, "verwijderen"), status_code=303)
        return await _submit(
            request,
            lambda: editing.remove_rol(db_session, versie, code, actor=_actor(request), clock=clock),
            success=_url(versie),
            message=f"De rol {code} is verwijderd uit release {versie}.",
            again=self._rol_again(request, db_session, versie, code),
            values={},
        )

    @post("/{versie:str}/rollen/{code:str}/duties", opt=BEHEREN)
    async def add_duty(
        self,
        request: AnyRequest,
        db_session: DbSession,
        clock: AppClock,
        versie: FromPath[str],
        code: FromPath[str],
    ) -> Response[Any]:
        form = await request.form()
        invoer = schemas.DutyInvoer(
            rol=code,
            code=_text(form, "code"),
            soort=_text(form, "soort"),
            tekst=_text(form, "tekst"),
            verplicht=_flag(form, "verplicht"),
        )
        return await _submit(
            request,
            lambda: editing.add_duty(db_session, versie, invoer, actor=_actor(request), clock=clock),
            success=_url(versie, "rollen", code) + "#duties",
            message=f"De {invoer.soort} is toegevoegd aan het eind van de lijst.",
            again=self._rol_again(request, db_session, versie, code),
            values={
                "duty-code": invoer.code,
                "duty-soort": invoer.soort,
                "duty-tekst": invoer.tekst,
                "duty-verplicht": invoer.verplicht,
            },
            prefix="duty-",
        )

    async def _relatie_change(
        self,
        request: AnyRequest,
        db_session: DbSession,
        clock: AppClock,
        versie: str,
        code: str,
        change: Callable[..., Awaitable[schemas.Rol]],
        message: str,
        prefix: str = "",
    ) -> Response[Any]:
        """Add or remove a relation from the role page (``prefix`` keeps what was typed in its form)."""
        form = await request.form()
        invoer = schemas.RelatieInvoer(soort=_text(form, "soort"), rol=_text(form, "rol"))
        return await _submit(
            request,
            lambda: change(db_session, versie, code, invoer, actor=_actor(request), clock=clock),
            success=_url(versie, "rollen", code) + "#relaties",
            message=message,
            again=self._rol_again(request, db_session, versie, code),
            values={f"{prefix}soort": invoer.soort, f"{prefix}rol": invoer.rol} if prefix else {},
            prefix=prefix,
        )

    @post("/{versie:str}/rollen/{code:str}/relaties", opt=BEHEREN)
    async def add_relatie(
        self,
        request: AnyRequest,
        db_session: DbSession,
        clock: AppClock,
        versie: FromPath[str],
        code: FromPath[str],
    ) -> Response[Any]:
        return await self._relatie_change(
            request,
            db_session,
            clock,
            versie,
            code,
            editing.add_relatie,
            "De relatie is toegevoegd.",
            "relatie-",
        )

    @post("/{versie:str}/rollen/{code:str}/relaties/verwijderen", opt=BEHEREN)
    async def remove_relatie(
        self,
        request: AnyRequest,
        db_session: DbSession,
        clock: AppClock,
        versie: FromPath[str],
        code: FromPath[str],
    ) -> Response[Any]:
        return await self._relatie_change(
            request, db_session, clock, versie, code, editing.remove_relatie, "De relatie is verwijderd."
        )

    # --- duties -----------------------------------------------------------------------------------

    async def _duty_page(
        self,
        request: AnyRequest,
        db_session: DbSession,
        versie: str,
        code: str,
        values: Mapping[str, Any] | None = None,
        errors: Errors | None = None,
        fout: str | None = None,
        status: int = 200,
    ) -> Template:
        release, inhoud = await services.release_content(db_session, versie, include_concept=True)
        eigenaar = next((rol for rol in inhoud.rollen if any(d.code == code for d in rol.duties)), None)
        if eigenaar is None:
            raise NotFound(f"De {editing.DUTY} '{code}' staat niet in release {versie}.")
        duty = next(d for d in eigenaar.duties if d.code == code)
        return page(
            request,
            "roles/beheer/duty.html",
            _context(
                request,
                release=release,
                rol=eigenaar,
                duty=duty,
                rollen=inhoud.rollen,
                bewerkbaar=release.status == "concept",
                waarden=values
                or {
                    "rol": eigenaar.code,
                    "soort": str(duty.soort),
                    "tekst": duty.tekst,
                    "verplicht": duty.verplicht,
                },
                fouten=errors or {},
                fout=fout,
            ),
            status_code=status,
        )

    @get("/{versie:str}/duties/{code:str}", opt=LEZEN)
    async def duty(
        self, request: AnyRequest, db_session: DbSession, versie: FromPath[str], code: FromPath[str]
    ) -> Template:
        return await self._duty_page(request, db_session, versie, code)

    @post("/{versie:str}/duties/{code:str}", opt=BEHEREN)
    async def update_duty(
        self,
        request: AnyRequest,
        db_session: DbSession,
        clock: AppClock,
        versie: FromPath[str],
        code: FromPath[str],
    ) -> Response[Any]:
        form = await request.form()
        invoer = schemas.DutyInvoer(
            rol=_text(form, "rol"),
            soort=_text(form, "soort"),
            tekst=_text(form, "tekst"),
            verplicht=_flag(form, "verplicht"),
        )

        async def again(values: dict[str, Any], errors: Errors, fout: str | None, status: int) -> Template:
            return await self._duty_page(request, db_session, versie, code, values, errors, fout, status)

        return await _submit(
            request,
            lambda: editing.update_duty(db_session, versie, code, invoer, actor=_actor(request), clock=clock),
            success=lambda rol: _url(versie, "rollen", rol.code) + "#duties",
            message=f"De {invoer.soort} {code} is opgeslagen.",
            again=again,
            values={
                "rol": invoer.rol,
                "soort": invoer.soort,
                "tekst": invoer.tekst,
                "verplicht": invoer.verplicht,
            },
        )

    async def _duty_change(
        self,
        request: AnyRequest,
        db_session: DbSession,
        versie: str,
        code: str,
        change: Callable[[], Awaitable[schemas.Rol]],
        message: str,
    ) -> Response[Any]:
        """Move or remove a duty from the role page; the answer goes back to that role. ``message``
        is said of the duty by its soort ("De taak … is verwijderd.")."""
        rol_code, soort = await self._duty_owner(db_session, versie, code)
        return await _submit(
            request,
            change,
            success=_url(versie, "rollen", rol_code) + "#duties",
            message=f"De {soort} {code} {message}",
            again=self._rol_again(request, db_session, versie, rol_code),
            values={},
            prefix="duty-",
        )

    @staticmethod
    async def _duty_owner(db_session: DbSession, versie: str, code: str) -> tuple[str, str]:
        """The code of the role a duty belongs to, and the duty's soort."""
        _, inhoud = await services.release_content(db_session, versie, include_concept=True)
        for rol in inhoud.rollen:
            for duty in rol.duties:
                if duty.code == code:
                    return rol.code, str(duty.soort)
        raise NotFound(f"De {editing.DUTY} '{code}' staat niet in release {versie}.")

    @post("/{versie:str}/duties/{code:str}/verplaatsen", opt=BEHEREN)
    async def move_duty(
        self,
        request: AnyRequest,
        db_session: DbSession,
        clock: AppClock,
        versie: FromPath[str],
        code: FromPath[str],
    ) -> Response[Any]:
        richting = _text(await request.form(), "richting")
        return await self._duty_change(
            request,
            db_session,
            versie,
            code,
            lambda: editing.move_duty(db_session, versie, code, richting, actor=_actor(request), clock=clock),
            f"is een plaats {'omhoog' if richting == 'omhoog' else 'omlaag'} gezet.",
        )

    @post("/{versie:str}/duties/{code:str}/verwijderen", opt=BEHEREN)
    async def remove_duty(
        self,
        request: AnyRequest,
        db_session: DbSession,
        clock: AppClock,
        versie: FromPath[str],
        code: FromPath[str],
    ) -> Response[Any]:
        return await self._duty_change(
            request,
            db_session,
            versie,
            code,
            lambda: editing.remove_duty(db_session, versie, code, actor=_actor(request), clock=clock),
            "is verwijderd.",
        )

    # --- samenwerkfuncties and grondslagen ------------------------------------------------------------

    (
        new_samenwerkfunctie,
        add_samenwerkfunctie,
        samenwerkfunctie,
        update_samenwerkfunctie,
        remove_samenwerkfunctie,
    ) = _lijst_routes(SAMENWERKFUNCTIES)
    new_grondslag, add_grondslag, grondslag, update_grondslag, remove_grondslag = _lijst_routes(GRONDSLAGEN)
