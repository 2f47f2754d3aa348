"""Script in text a user controls stays text, in a real browser, on every page that shows it.

Payloads go into the fields people fill in: an aanmelding through the public form (organisation
name, which becomes the deelnemer's name, contact person, motivation), the intake's explanation and
the casemanager's motivation, a rejection and a withdrawal reason, a contact person's display name,
an API client's name, and a release of the catalogue (title, explanation, a duty text) that is
published. The table ``PAGES`` lists each page that shows them, for whom, and which texts it shows.

Each page is opened with the Content-Security-Policy switched off (``bypass_csp``): the policy
would stop an inline script even if a template forgot to escape, so only with it off does a test
show that the escaping holds on its own. A page passes when ``window.__xss`` is still undefined,
no element the payloads would create exists, and each expected text is shown literally.
The verklaring's PDF is checked as text (pdftotext) and its HTML source as escaped; searches, forms
shown again with their errors and a CSV import echo what was sent as text.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.permissions import Principal
from registry.accounts.services import create_api_client, create_user, principal_for_user
from registry.audit.models import AuditEvent
from registry.audit.services import Actor
from registry.clock import FixedClock, SystemClock
from registry.ledenadministratie.identifiers import IdentificatieSoort, generate_valid
from registry.settings import Settings
from registry.signing import KeyRing
from roles import editing
from roles import schemas as catalogus_schemas
from roles import services as catalogus
from tests.browser.conftest import BROWSER_PASSWORD, DemoRegister, InLiveDatabase, log_in
from tests.browser.process import Behandelaars, aanmelding, deelnemer_van, tot_verklaring
from tests.conftest import TEST_SECRET
from tests.verklaringen.factories import FakePdfRenderer
from verklaringen import schemas
from verklaringen.pdf import Bijlage, PdfRenderer, WeasyPrintRenderer
from verklaringen.services import aanmeldingen, afgifte, besluiten, intakes, levenscyclus
from verklaringen.services.queries import find_verklaring

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
SVG = '"><svg onload=window.__xss=1>'

# What the payloads would leave in the DOM if a template did not escape them.
_INSPECT = """() => ({
  xss: typeof window.__xss !== "undefined",
  injected: Array.from(
    document.querySelectorAll(
      "img[src='x'], svg[onload], [onerror], script:not([src]), [href^='javascript:' i]"
    ),
    (element) => element.outerHTML.slice(0, 120),
  ),
  text: [document.body.innerText]
    .concat(Array.from(document.querySelectorAll("input, textarea"), (field) => field.value))
    .join("\\n"),
})"""


def _flat(text: str) -> str:
    return " ".join(text.split())


class RecordingRenderer:
    """WeasyPrint, keeping the HTML each PDF was made from."""

    def __init__(self) -> None:
        self.html: list[str] = []
        self._weasyprint = WeasyPrintRenderer()

    def render(self, html: str, *, bijlagen: Sequence[Bijlage] = ()) -> bytes:
        self.html.append(html)
        return self._weasyprint.render(html, bijlagen=bijlagen)


@dataclass(frozen=True)
class Hostile:
    """The register after every payload went in: the texts, and where to find them."""

    organisatie: str
    contact: str
    motivatie: str
    toelichting: str
    motivering: str
    afwijzingsreden: str
    intrekkingsreden: str
    contact_display_name: str
    api_client: str
    release_titel: str
    release_toelichting: str
    duty_tekst: str
    versie: str
    duty_code: str
    referentie: str
    status_url: str
    afgewezen_status_url: str
    intake_id: str
    nummer: str
    ter_ondertekening: str
    ingetrokken: str
    deelnemer_id: str
    contact_id: str
    contact_email: str
    audit_since: int
    verklaring_html: str
    intakeformulier_html: str


def _publish_hostile_release(versie: str, titel: str, toelichting: str, duty_tekst: str) -> Any:
    async def publish(session: AsyncSession) -> str:
        actor, clock = Actor.system("browsertest"), SystemClock()
        await catalogus.create_release(session, versie, actor=actor, clock=clock)
        invoer = catalogus_schemas.ReleaseInvoer(titel=titel, toelichting=toelichting)
        await editing.update_release(session, versie, invoer, actor=actor, clock=clock)
        duty = (await catalogus.get_rol(session, "dienstverlener", versie, include_concept=True)).duties[0]
        await editing.update_duty(
            session,
            versie,
            duty.code,
            catalogus_schemas.DutyInvoer(soort=duty.soort, tekst=duty_tekst, verplicht=duty.verplicht),
            actor=actor,
            clock=clock,
        )
        await catalogus.start_consultatie(session, versie, actor=actor, clock=clock)
        await catalogus.publish_release(session, versie, actor=actor, clock=clock)
        return duty.code

    return publish


async def _sign_and_issue(
    session: AsyncSession,
    nummer: str,
    contact: Principal,
    behandelaars: Behandelaars,
    settings: Settings,
    renderer: PdfRenderer,
) -> None:
    clock = SystemClock()
    verklaring = await find_verklaring(session, nummer)
    await afgifte.onderteken_als_deelnemer(
        session, nummer, akkoord=True, document_hash=verklaring.inhoud_hash, principal=contact, clock=clock
    )
    await afgifte.geef_af(
        session,
        nummer,
        document_hash=verklaring.inhoud_hash,
        principal=behandelaars.beheerder,
        clock=FixedClock(clock.now() + timedelta(seconds=1)),
        signer=KeyRing(settings.keys_dir).active_signer(),
        base_url=settings.base_url,
        renderer=renderer,
    )


async def _contact_for(session: AsyncSession, email: str, name: str, deelnemer_id: uuid.UUID) -> Principal:
    user = await create_user(
        session,
        email=email,
        display_name=name,
        role="deelnemer-contact",
        password=BROWSER_PASSWORD,
        deelnemer_id=deelnemer_id,
        actor=Actor.system("browsertest"),
        clock=SystemClock(),
    )
    return principal_for_user(user)


@pytest.fixture(scope="module")
def hostile(
    browser: Any,
    live_server: str,
    in_live_database: InLiveDatabase,
    browser_settings: Settings,
    demo_register: DemoRegister,
) -> Hostile:
    texts = {
        "organisatie": f"Hackbaar {IMG} B.V.",
        "contact": f"{SVG} Contactpersoon",
        "motivatie": f"Motivatie {SCRIPT} {IMG} {SVG}",
        "toelichting": f"Toelichting {SCRIPT} {SVG}",
        "motivering": f"Motivering {IMG}",
        "afwijzingsreden": f"Afgewezen {SCRIPT} {IMG}",
        "intrekkingsreden": f"Ingetrokken {IMG} {SVG}",
        "contact_display_name": f"Connie {SVG}",
        "api_client": f"Systeem {IMG}",
        "release_titel": f"Release {SVG}",
        "release_toelichting": f"Toelichting bij de release {SCRIPT} {IMG}",
        "duty_tekst": f"Houdt zich aan {IMG} en {SCRIPT}",
    }
    kvk = f"95{secrets.randbelow(10**6):06d}"
    contact_email = f"contact-{secrets.token_hex(4)}@hackbaar.example"

    async def audit_head(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0))) or 0)

    audit_since = in_live_database(audit_head)

    async def next_major(session: AsyncSession) -> str:
        releases = await catalogus.list_releases(session, include_concept=True)
        return f"{max(int(release.versie.split('.')[0]) for release in releases) + 1}.0.0"

    versie = in_live_database(next_major)
    duty_code = in_live_database(
        _publish_hostile_release(
            versie, texts["release_titel"], texts["release_toelichting"], texts["duty_tekst"]
        )
    )

    # The aanmelding goes in through the public form, as an applicant would send it.
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    try:
        page = context.new_page()
        page.goto("/aanmelden")
        page.locator("#rol").select_option("dienstverlener")
        page.locator("#organisatie").fill(texts["organisatie"])
        page.locator("#soort").select_option("softwareleverancier")
        page.locator("#kvk").fill(kvk)
        page.locator("#contactNaam").fill(texts["contact"])
        page.locator("#contactEmail").fill("aanvrager@hackbaar.example")
        page.locator("#motivatie").fill(texts["motivatie"])
        page.get_by_role("button", name="Aanmelding versturen").click()
        page.wait_for_url("**/aanmelden/status/**")
        status_url = page.url.removeprefix(live_server)
    finally:
        context.close()
    referentie = status_url.split("/")[3].split("?")[0]

    verklaring_pdf, intakeformulier_pdf = RecordingRenderer(), RecordingRenderer()

    async def process(session: AsyncSession) -> dict[str, str]:
        behandelaars = await Behandelaars.of_demo(session)
        clock = SystemClock()
        toegekend = await tot_verklaring(
            session,
            referentie,
            behandelaars=behandelaars,
            clock=clock,
            renderer=intakeformulier_pdf,
            toelichting=texts["toelichting"],
            motivering=texts["motivering"],
        )
        deelnemer_id = await deelnemer_van(session, referentie)
        contact = await _contact_for(session, contact_email, texts["contact_display_name"], deelnemer_id)
        await _sign_and_issue(
            session, toegekend.nummer, contact, behandelaars, browser_settings, verklaring_pdf
        )

        # A second role for the same organisation, left waiting for the contact person's signature.
        tweede = await aanmeldingen.dien_in(
            session,
            aanmelding(texts["organisatie"], kvk, rol="gtk-beheerder", contact=texts["contact"]),
            actor=Actor.anonymous("browsertest"),
            clock=clock,
            secret=TEST_SECRET,
        )
        wachtend = await tot_verklaring(
            session, tweede.referentie, behandelaars=behandelaars, clock=clock, renderer=FakePdfRenderer()
        )

        # Another organisation is rejected, a third gets a verklaring that is withdrawn.
        afgewezen = await aanmeldingen.dien_in(
            session,
            aanmelding(f"Afwijsbaar {SVG} B.V.", f"96{secrets.randbelow(10**6):06d}"),
            actor=Actor.anonymous("browsertest"),
            clock=clock,
            secret=TEST_SECRET,
        )
        await aanmeldingen.wijs_toe(
            session,
            afgewezen.referentie,
            uuid.UUID(behandelaars.casemanager.id),
            actor=Actor.system("browsertest"),
            clock=clock,
        )
        await intakes.start_intake(
            session, afgewezen.referentie, principal=behandelaars.casemanager, clock=clock
        )
        await besluiten.stel_voor(
            session,
            afgewezen.referentie,
            schemas.VoorstelInvoer(voorstel="afwijzen", motivering="Geen deelnemers."),
            principal=behandelaars.casemanager,
            clock=clock,
        )
        await besluiten.besluit(
            session,
            afgewezen.referentie,
            schemas.BesluitInvoer(uitkomst="afwijzen", reden=texts["afwijzingsreden"]),
            principal=behandelaars.beheerder,
            clock=clock,
        )
        intrekbaar = await aanmeldingen.dien_in(
            session,
            aanmelding("Intrekbaar B.V.", f"97{secrets.randbelow(10**6):06d}"),
            actor=Actor.anonymous("browsertest"),
            clock=clock,
            secret=TEST_SECRET,
        )
        ingetrokken = await tot_verklaring(
            session, intrekbaar.referentie, behandelaars=behandelaars, clock=clock, renderer=FakePdfRenderer()
        )
        intrekbaar_contact = await _contact_for(
            session,
            f"contact-{secrets.token_hex(4)}@intrekbaar.example",
            "Ivo Intrekbaar",
            await deelnemer_van(session, intrekbaar.referentie),
        )
        await _sign_and_issue(
            session, ingetrokken.nummer, intrekbaar_contact, behandelaars, browser_settings, FakePdfRenderer()
        )
        await levenscyclus.trek_in(
            session,
            ingetrokken.nummer,
            texts["intrekkingsreden"],
            principal=behandelaars.beheerder,
            clock=FixedClock(clock.now() + timedelta(seconds=2)),
            base_url=browser_settings.base_url,
        )

        await create_api_client(
            session,
            name=texts["api_client"],
            scopes=["lookup:read"],
            actor=Actor.system("browsertest"),
            clock=clock,
        )
        assert afgewezen.status_url is not None
        return {
            "intake_id": str(toegekend.intake_id),
            "nummer": toegekend.nummer,
            "ter_ondertekening": wachtend.nummer,
            "ingetrokken": ingetrokken.nummer,
            "deelnemer_id": str(deelnemer_id),
            "contact_id": contact.id,
            "afgewezen_status_url": afgewezen.status_url.removeprefix(browser_settings.base_url),
        }

    ids = in_live_database(process)
    return Hostile(
        **texts,
        **ids,
        versie=versie,
        duty_code=duty_code,
        referentie=referentie,
        status_url=status_url,
        contact_email=contact_email,
        audit_since=audit_since,
        verklaring_html=next(html for html in verklaring_pdf.html if ids["nummer"] in html),
        intakeformulier_html=intakeformulier_pdf.html[0],
    )


@pytest.fixture(scope="module")
def pages(
    browser: Any, live_server: str, demo_login_state: Any, hostile: Hostile
) -> Iterator[dict[str, Any]]:
    """One page per viewer, with the Content-Security-Policy switched off (see the module docstring):
    the public, the stelselbeheerder, and the organisation's own contact person."""
    contexts: dict[str, Any] = {}
    for viewer, state in (("publiek", None), ("stelselbeheerder", demo_login_state("stelselbeheerder"))):
        contexts[viewer] = browser.new_context(
            base_url=live_server, locale="nl-NL", storage_state=state, bypass_csp=True
        )
    contexts["contact"] = browser.new_context(base_url=live_server, locale="nl-NL", bypass_csp=True)
    opened = {viewer: context.new_page() for viewer, context in contexts.items()}
    for page in opened.values():
        page.set_default_timeout(5_000)
    log_in(opened["contact"], hostile.contact_email)
    try:
        yield opened
    finally:
        for context in contexts.values():
            context.close()


def problems_on(page: Any, where: str, expected: Sequence[str]) -> list[str]:
    """What the payloads did to the page: script that ran, elements they created, texts missing."""
    found = page.evaluate(_INSPECT)
    problems = []
    if found["xss"]:
        problems.append(f"{where}: a payload ran (window.__xss is set)")
    if found["injected"]:
        problems.append(f"{where}: elements from a payload: {found['injected']}")
    shown = _flat(found["text"])
    for text in expected:
        if _flat(text) not in shown:
            problems.append(f"{where}: {text!r} is not shown as text")
    return problems


@dataclass(frozen=True)
class Row:
    viewer: str
    url: str
    shows: tuple[str, ...]


PAGES = [
    # public
    Row("publiek", "{status_url}", ("organisatie",)),
    Row("publiek", "{afgewezen_status_url}", ("afwijzingsreden",)),
    Row("publiek", "/verifieer/{nummer}", ("organisatie",)),
    Row("publiek", "/verifieer/{ingetrokken}", ("intrekkingsreden",)),
    Row("publiek", "/dienstverleners?pageSize=100", ("organisatie", "duty_tekst")),
    Row("publiek", "/catalogus", ("release_titel", "release_toelichting")),
    Row("publiek", "/catalogus/rollen/dienstverlener", ("duty_tekst",)),
    # the organisation's contact person
    Row("contact", "/profiel", ("contact_display_name",)),
    Row("contact", "/mijn-organisatie", ("contact_display_name", "organisatie", "contact")),
    Row("contact", "/verklaringen/te-ondertekenen", ("contact_display_name",)),
    Row("contact", "/verklaringen/{ter_ondertekening}/ondertekenen", ("organisatie",)),
    # beheer
    Row("stelselbeheerder", "/beheer/aanmeldingen", ("organisatie",)),
    Row("stelselbeheerder", "/beheer/aanmeldingen/{referentie}", ("organisatie", "contact", "motivatie")),
    Row("stelselbeheerder", "/beheer/intakes/{intake_id}", ("organisatie", "toelichting")),
    Row("stelselbeheerder", "/beheer/verklaringen", ("organisatie",)),
    Row("stelselbeheerder", "/beheer/verklaringen/{nummer}", ("organisatie", "duty_tekst")),
    Row("stelselbeheerder", "/beheer/verklaringen/{ingetrokken}", ("intrekkingsreden",)),
    Row("stelselbeheerder", "/beheer/deelnemers?zoek=Hackbaar", ("organisatie",)),
    Row("stelselbeheerder", "/beheer/deelnemers/{deelnemer_id}", ("organisatie", "contact")),
    Row("stelselbeheerder", "/beheer/deelnemers/{deelnemer_id}/bewerken", ("organisatie", "contact")),
    Row("stelselbeheerder", "/beheer/catalogus", ("release_titel",)),
    Row("stelselbeheerder", "/beheer/catalogus/{versie}", ("release_titel",)),
    Row("stelselbeheerder", "/beheer/catalogus/{versie}/duties/{duty_code}", ("duty_tekst",)),
    Row("stelselbeheerder", "/beheer/catalogus/{versie}/verschillen", ("duty_tekst",)),
    Row("stelselbeheerder", "/beheer/gebruikers", ("contact_display_name",)),
    Row("stelselbeheerder", "/beheer/gebruikers/{contact_id}", ("contact_display_name",)),
    Row("stelselbeheerder", "/beheer/api-clients", ("api_client",)),
    Row("stelselbeheerder", "/beheer/audit", ("contact_display_name",)),
]


@pytest.mark.parametrize("row", PAGES, ids=[f"{row.viewer} {row.url}" for row in PAGES])
def test_a_page_shows_the_payloads_as_text(pages: dict[str, Any], hostile: Hostile, row: Row) -> None:
    values = asdict(hostile)
    url = row.url.format(**values)
    page = pages[row.viewer]

    response = page.goto(url)

    assert response is not None
    assert response.status == 200, f"{url}: HTTP {response.status}"
    problems = problems_on(page, url, [values[name] for name in row.shows])
    assert not problems, "\n".join(problems)


def test_every_audit_event_of_the_payloads_shows_them_as_text(
    pages: dict[str, Any], hostile: Hostile, in_live_database: InLiveDatabase
) -> None:
    async def events_with_a_payload(session: AsyncSession) -> list[int]:
        found = await session.execute(
            select(AuditEvent.seq, AuditEvent.actor_name, AuditEvent.changes)
            .where(AuditEvent.seq > hostile.audit_since)
            .order_by(AuditEvent.seq)
        )
        return [seq for seq, actor, changes in found if "__xss" in actor + json.dumps(changes)]

    seqs = in_live_database(events_with_a_payload)
    page = pages["stelselbeheerder"]
    problems: list[str] = []
    for seq in seqs:
        response = page.goto(f"/beheer/audit/{seq}")
        assert response is not None
        assert response.status == 200
        problems += problems_on(page, f"/beheer/audit/{seq}", [])
        if "window.__xss=1" not in page.locator("main").inner_text():
            problems.append(f"/beheer/audit/{seq}: the payload in this event is not shown as text")

    assert len(seqs) >= 10, "the fixture's writes should have put payloads in the audit trail"
    assert not problems, "\n".join(problems)


# Input sent back in the answer: search and filter fields, and forms shown again with their errors.
# (query parameter, value): the value is sent and must come back as the field's text.
REFLECTED = [
    ("publiek", "/dienstverleners", "zoek", f"{SVG}{SCRIPT}"),
    ("stelselbeheerder", "/beheer/deelnemers", "zoek", f"{SVG}{SCRIPT}"),
    ("stelselbeheerder", "/beheer/audit", "actor", f"{SVG}{SCRIPT}"),
]


@pytest.mark.parametrize(
    ("viewer", "path", "name", "value"), REFLECTED, ids=[f"{p}?{n}" for _, p, n, _ in REFLECTED]
)
def test_a_search_shows_the_payload_as_text(
    pages: dict[str, Any], viewer: str, path: str, name: str, value: str
) -> None:
    page = pages[viewer]

    response = page.goto(f"{path}?{name}={quote(value)}")

    assert response is not None
    assert response.status == 200
    assert page.locator(f"main input[name='{name}']").input_value() == value
    problems = problems_on(page, f"{path}?{name}=…", [value])
    assert not problems, "\n".join(problems)


def test_a_form_shown_again_with_errors_shows_the_payloads_as_text(pages: dict[str, Any]) -> None:
    page = pages["publiek"]
    page.goto("/verifieer")
    token = f"</textarea>{SCRIPT}{IMG}"
    page.locator("textarea[name='token']").fill(token)
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.locator("main form button[type='submit']").first.click()
    page.wait_for_load_state()
    problems = problems_on(page, "/verifieer with a hostile token", [token])

    page.goto("/aanmelden")
    page.locator("#organisatie").fill(f"Organisatie {IMG}")
    page.locator("#contactNaam").fill(f"{SVG}")
    page.locator("#motivatie").fill(f"</textarea>{SCRIPT}")
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Aanmelding versturen").click()
    page.wait_for_load_state()
    assert posted.value.status == 400  # no role, KvK-nummer or e-mail address: shown again
    problems += problems_on(
        page, "/aanmelden with errors", [f"Organisatie {IMG}", SVG, f"</textarea>{SCRIPT}"]
    )

    assert not problems, "\n".join(problems)


def test_a_deelnemer_registered_through_the_form_shows_the_payloads_as_text(pages: dict[str, Any]) -> None:
    page = pages["stelselbeheerder"]
    naam, functie, website = f"Formulier {SCRIPT} B.V.", f"Functie {IMG}", "javascript:window.__xss=1"
    page.goto("/beheer/deelnemers/nieuw")
    page.locator("#naam").fill(naam)
    page.locator("#soort").select_option(index=1)
    page.locator("#website").fill(website)
    page.locator("#contactNaam-0").fill(SVG)
    page.locator("#contactFunctie-0").fill(functie)
    page.locator("#contactEmail-0").fill("formulier@hackbaar.example")

    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Aanmelden", exact=True).click()
    page.wait_for_load_state()

    assert posted.value.status == 400  # no identificatie, no http(s) website: the form comes back as typed
    problems = problems_on(page, "the deelnemer form with errors", [naam, SVG, functie, website])
    assert "is geen webadres" in page.locator("main").inner_text()
    page.locator("#identificaties").fill(f"kvk:98{secrets.randbelow(10**6):06d}")
    page.locator("#website").fill("https://formulier.example")
    page.get_by_role("button", name="Aanmelden", exact=True).click()
    page.wait_for_url(re.compile(r"/beheer/deelnemers/[0-9a-f-]{36}$"))
    problems += problems_on(page, "the new deelnemer's page", [naam, SVG, functie])

    assert not problems, "\n".join(problems)


def _csv(naam: str, identificatie: str) -> bytes:
    """An import file of one deelnemer, whose contact person has payloads for name and function."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow(["naam", "soort", "identificaties", "contact_naam", "contact_functie", "contact_email"])
    writer.writerow([naam, "gemeente", identificatie, SVG, IMG, "ingelezen@hackbaar.example"])
    return text.getvalue().encode()


def test_an_imported_file_shows_the_payloads_as_text(pages: dict[str, Any]) -> None:
    page = pages["stelselbeheerder"]
    bestandsnaam = f"{IMG}.csv"
    naam = f"Ingelezen {SCRIPT} B.V."
    kvk = generate_valid(IdentificatieSoort.KVK, random.Random(secrets.randbits(32))).waarde
    problems: list[str] = []

    for inhoud, status in (
        (_csv(naam, f"kvk:{IMG}"), 400),
        (_csv(naam, f"kvk:{kvk}"), 200),
    ):
        page.goto("/beheer/deelnemers/import")
        page.locator("#bestand").set_input_files(
            files=[{"name": bestandsnaam, "mimeType": "text/csv", "buffer": inhoud}]
        )
        with page.expect_response(lambda response: response.request.method == "POST") as posted:
            page.get_by_role("button", name="Controleren").click()
        page.wait_for_load_state()
        assert posted.value.status == status, page.locator("main").inner_text()
        problems += problems_on(page, f"the import report (HTTP {status})", [bestandsnaam] * (status == 200))

    page.get_by_role("button", name=re.compile("^Importeren")).click()
    page.wait_for_url(re.compile(r"/beheer/deelnemers\?status=aangemeld"))
    problems += problems_on(page, "the deelnemers after the import", [bestandsnaam, naam])

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("document", ["verklaring_html", "intakeformulier_html"])
def test_the_html_behind_a_pdf_escapes_the_payloads(
    pages: dict[str, Any], hostile: Hostile, document: str
) -> None:
    html = getattr(hostile, document)
    expected = [hostile.organisatie] + (
        [hostile.duty_tekst] if document == "verklaring_html" else [hostile.toelichting]
    )
    assert "&lt;img src=x onerror=" in html
    assert "<img src=x" not in html
    assert "<script>window" not in html
    page = pages["publiek"]

    page.set_content(html)

    problems = problems_on(page, document, expected)
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed (poppler-utils)")
def test_the_verklaring_pdf_shows_the_payloads_as_text(pages: dict[str, Any], hostile: Hostile) -> None:
    response = pages["publiek"].request.get(f"/api/v1/verklaringen/{hostile.nummer}/pdf")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"

    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=response.body(), capture_output=True, check=True
    ).stdout.decode()

    # pdftotext breaks long lines where the PDF does; compare without any whitespace.
    bare = "".join(text.split())
    for value in (hostile.organisatie, hostile.duty_tekst):
        assert "".join(value.split()) in bare, f"{value!r} is not in the PDF's text:\n{text}"


def test_the_check_notices_a_payload_that_was_not_escaped(pages: dict[str, Any]) -> None:
    page = pages["publiek"]

    link = "<a href='JavaScript:void(0)'>x</a>"
    page.set_content(f"<html><body><p>Hackbaar {IMG} B.V.</p><p>{SCRIPT}</p>{link}</body></html>")

    problems = "\n".join(problems_on(page, "unescaped", [f"Hackbaar {IMG} B.V."]))
    assert "a payload ran" in problems
    assert "elements from a payload" in problems
    assert "JavaScript:void(0)" in problems
    assert "is not shown as text" in problems
