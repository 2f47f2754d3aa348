"""Every page type passes axe-core's WCAG 2.1 A and AA rules, is in Dutch (``<html lang="nl">``, no
English interface words), on the demo register: the public pages, the forms in their error state,
and every admin page each account role can reach.

Admin pages are found by following the navigation and, on every page, each link in the main
content, but only the first link of each list or table (and of a pagination the next page), so
pages added later are covered without editing this file. Pages in a state no link leads to (a form
after a failed submit, a concept release, a verklaring waiting for a signature) are listed here.
"""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.demo import DEMO_DEELNEMER_KVK
from registry.accounts.permissions import AccountRole
from registry.audit.services import Actor
from registry.clock import SystemClock
from registry.ledenadministratie.identifiers import IdentificatieSoort, generate_valid
from tests.browser.conftest import DemoRegister, InLiveDatabase, MakeAccount, PageAs, log_in
from tests.browser.page_checks import AXE_SCRIPT, check_page
from tests.browser.process import Behandelaars, aanmelding, tot_verklaring
from tests.conftest import TEST_SECRET
from tests.verklaringen.factories import FakePdfRenderer
from verklaringen.services import aanmeldingen

pytestmark = pytest.mark.skipif(
    not AXE_SCRIPT.exists(), reason="axe-core is not installed (npm ci, or scripts/bootstrap.sh --test)"
)


def assert_accessible(page: Any, where: str) -> None:
    problems = check_page(page, where)
    assert not problems, "\n".join(problems)


def submit(page: Any, button: Any) -> int:
    """Click a form's submit button and wait for the page that answers; returns its HTTP status."""
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        button.click()
    page.wait_for_load_state()
    status: int = posted.value.status
    return status


def visit(page: Any, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == status, f"{path} answered {response.status}, expected {status}"


# --- public pages ---------------------------------------------------------------------------------

PUBLIC_PAGES: list[tuple[str, int]] = [
    ("/", 200),
    ("/catalogus", 200),
    ("/catalogus/rollen/dienstverlener", 200),
    ("/catalogus/samenwerkfuncties", 200),
    ("/catalogus/samenwerkpatronen", 200),
    ("/catalogus/grondslagen", 200),
    ("/dienstverleners", 200),
    ("/dienstverleners?pageSize=2&page=2", 200),
    ("/verifieer", 200),
    ("/aanmelden", 200),
    ("/inloggen", 200),
    ("/toegankelijkheid", 200),
    ("/contact", 200),
    ("/problemen", 200),
    ("/problemen/invalid-input", 200),
    ("/stijlgids", 200),
    ("/api/v1/docs", 200),
    ("/deze-pagina-bestaat-niet", 404),
]


@pytest.mark.usefixtures("demo_register")
@pytest.mark.parametrize(("path", "status"), PUBLIC_PAGES, ids=[path for path, _ in PUBLIC_PAGES])
def test_public_page(page_as: PageAs, path: str, status: int) -> None:
    page = page_as(None)
    visit(page, path, status)
    assert_accessible(page, path)


def test_the_page_that_refuses_access(page_as: PageAs) -> None:
    page = page_as("auditor")
    visit(page, "/beheer/gebruikers", 403)
    assert page.get_by_role("heading", name="Geen toegang").is_visible()
    assert_accessible(page, "the 403 page")


@pytest.mark.usefixtures("demo_register")
def test_a_samenwerkfunctie_page(page_as: PageAs) -> None:
    page = page_as(None)
    visit(page, "/catalogus/samenwerkfuncties")
    page.locator("main a[href^='/catalogus/samenwerkfuncties/']").first.click()
    assert re.search(r"/catalogus/samenwerkfuncties/[^/]+$", page.url)
    assert_accessible(page, page.url)


@pytest.mark.parametrize("status", ["geldig", "ingetrokken", "geschorst", "verlopen"])
def test_the_public_page_of_a_verklaring(page_as: PageAs, demo_register: DemoRegister, status: str) -> None:
    page = page_as(None)
    nummer = demo_register.verklaringen[status]
    visit(page, f"/verifieer/{nummer}")
    assert nummer in page.locator("main").inner_text()
    assert_accessible(page, f"/verifieer/{nummer} ({status})")


@pytest.mark.usefixtures("demo_register")
def test_checking_a_token_that_is_no_verklaring(page_as: PageAs) -> None:
    page = page_as(None)
    visit(page, "/verifieer")
    page.locator("textarea[name='token']").fill("dit-is-geen-token")
    assert submit(page, page.locator("main form button[type='submit']").first) == 200
    assert page.locator("main [role='alert'], main .stelsel-alert").count() >= 1
    assert_accessible(page, "/verifieer with an invalid token")


@pytest.mark.usefixtures("demo_register")
def test_aanmelden_with_errors_then_the_status_page(page_as: PageAs) -> None:
    page = page_as(None)
    visit(page, "/aanmelden")

    assert submit(page, page.get_by_role("button", name="Aanmelding versturen")) == 400

    summary = page.locator(".stelsel-error-summary")
    assert summary.is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('stelsel-error-summary')")
    assert page.locator("[aria-invalid='true']").count() >= 3
    assert_accessible(page, "/aanmelden after an empty submit")

    page.locator("#rol").select_option("dienstverlener")
    page.locator("#organisatie").fill("Toegankelijk Testbureau B.V.")
    page.locator("#soort").select_option("softwareleverancier")
    page.locator("#kvk").fill(f"94{secrets.randbelow(10**6):06d}")
    page.locator("#contactNaam").fill("Toos Toegang")
    page.locator("#contactEmail").fill("toos@testbureau.example")
    page.get_by_role("button", name="Aanmelding versturen").click()

    page.wait_for_url(re.compile(r"/aanmelden/status/AAN-"))
    assert "Uw aanmelding is ontvangen" in page.locator("main").inner_text()
    assert_accessible(page, "the aanmelding status page")


@pytest.mark.usefixtures("demo_register")
def test_logging_in_with_a_wrong_password(page_as: PageAs) -> None:
    page = page_as(None)
    visit(page, "/inloggen")
    page.get_by_label("E-mailadres").fill("niemand@stelselregister.example")
    page.get_by_label("Wachtwoord").fill("helaas niet goed")
    submit(page, page.get_by_role("button", name="Inloggen"))
    assert page.locator("main [role='alert']").first.is_visible()
    assert_accessible(page, "/inloggen with an error")


# --- admin pages, found by crawling ---------------------------------------------------------------

ADMIN_AREAS = ("/beheer", "/profiel", "/verklaringen", "/mijn-organisatie")
DOWNLOADS = re.compile(r"(\.[a-z]{2,5}|/export|/intakeformulier|/pdf)$")  # files, not pages
IDENTIFIER = re.compile(
    r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+|[A-Z]{3}-\d{4}-\d+|\d+\.\d+\.\d+)$"
)
MAX_PAGES_PER_ROLE = 60

# On a page: links in the navigation, the side navigation and the main content. Within a list or
# table of three or more items only the first item that has a link counts (a list's items are the
# same page type); of a pagination only the link to the next page.
_LINKS_TO_FOLLOW = """() => {
  const hrefs = [];
  const scopes = document.querySelectorAll("nav[aria-label='Hoofdmenu'], .stelsel-layout__aside, main");
  for (const scope of scopes) {
    for (const link of scope.querySelectorAll("a[href]")) {
      if (link.closest(".stelsel-pagination")) continue;
      const item = link.closest("tbody > tr, li");
      if (item && item.parentElement.children.length >= 3) {
        const first = Array.from(item.parentElement.children).find((s) => s.querySelector("a[href]"));
        if (first !== item) continue;
      }
      hrefs.push(link.getAttribute("href"));
    }
    const next = scope.querySelector(".stelsel-pagination a[rel='next']");
    if (next) hrefs.push(next.getAttribute("href"));
  }
  return hrefs;
}"""


def page_type(url: str) -> str | None:
    """What makes two URLs the same page type: the path with identifiers (uuids, numbers, verklaring
    and aanmelding numbers, versions) replaced, and the names of the query parameters. ``None`` for
    URLs the crawl does not follow (other sites, public pages, downloads)."""
    parts = urlsplit(url)
    if parts.netloc and not parts.netloc.startswith("127.0.0.1"):
        return None
    if not parts.path.startswith(ADMIN_AREAS) or DOWNLOADS.search(parts.path):
        return None
    segments = ["*" if IDENTIFIER.match(segment) else segment for segment in parts.path.split("/")]
    names = sorted({name for name, _ in parse_qsl(parts.query)})
    return "/".join(segments) + ("?" + "&".join(names) if names else "")


@dataclass
class Crawl:
    visited: dict[str, tuple[str, int]] = field(default_factory=dict)  # page type -> (url, status)
    problems: list[str] = field(default_factory=list)


def crawl(page: Any, starts: list[str], role: str, axe_checked: set[str], within: str | None = None) -> Crawl:
    """Visit the start pages and every page type reachable from them (under ``within`` only, when
    given), checking each page (axe once per distinct content, see :func:`check_page`)."""
    result = Crawl()
    queue = [url for url in starts if page_type(url)]
    seen = {page_type(url) for url in queue}
    while queue:
        url = queue.pop(0)
        assert len(result.visited) < MAX_PAGES_PER_ROLE, (
            f"more than {MAX_PAGES_PER_ROLE} page types for {role}; does page_type() miss an identifier? "
            f"{sorted(result.visited)}"
        )
        try:
            response = page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # a file (a link DOWNLOADS does not recognise), not a page
            raise
        status = response.status if response is not None else 0
        kind = page_type(url)
        assert kind is not None
        result.visited[kind] = (url, status)
        if status >= 500 or status == 403:
            result.problems.append(f"{url} ({role}): HTTP {status} for a link the portal itself offers")
        result.problems.extend(check_page(page, f"{url} ({role}, HTTP {status})", axe_checked))
        for href in page.evaluate(_LINKS_TO_FOLLOW):
            kind = page_type(href)
            if within is not None and not urlsplit(href).path.startswith(within):
                continue
            if kind is not None and kind not in seen:
                seen.add(kind)
                queue.append(href)
    return result


@pytest.fixture(scope="module")
def axe_checked() -> set[str]:
    """Page contents axe found nothing wrong with, over the crawls of this module."""
    return set()


@pytest.mark.parametrize("role", [role.value for role in AccountRole])
def test_every_admin_page_a_role_reaches(page_as: PageAs, axe_checked: set[str], role: str) -> None:
    page = page_as(role)
    visit(page, "/profiel")
    starts = [
        page.url,
        *page.locator("nav[aria-label='Hoofdmenu'] a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        ),
    ]

    result = crawl(page, starts, role, axe_checked)

    visited = "\n".join(f"  HTTP {status} {url}" for url, status in sorted(result.visited.values()))
    assert len(result.visited) >= 3, visited
    assert not result.problems, "\n\n".join(result.problems) + f"\n\nPages visited as {role}:\n{visited}"


# --- admin pages in a particular state --------------------------------------------------------------


@dataclass(frozen=True)
class EmptySubmit:
    path: str
    button: str


EMPTY_SUBMITS = [
    EmptySubmit("/beheer/deelnemers/nieuw", "Aanmelden"),
    EmptySubmit("/beheer/gebruikers/nieuw", "Gebruiker toevoegen"),
    EmptySubmit("/beheer/api-clients/nieuw", "API-client toevoegen"),
    EmptySubmit("/profiel", "Wachtwoord wijzigen"),
]


@pytest.mark.parametrize("form", EMPTY_SUBMITS, ids=[form.path for form in EMPTY_SUBMITS])
def test_an_admin_form_with_its_errors(page_as: PageAs, form: EmptySubmit) -> None:
    page = page_as("stelselbeheerder")
    visit(page, form.path)

    assert submit(page, page.get_by_role("button", name=form.button, exact=True)) == 400

    assert page.locator(".stelsel-error-summary").is_visible()
    assert page.locator("main [aria-invalid='true']").count() >= 1
    assert_accessible(page, f"{form.path} after an empty submit")


def test_the_forms_on_a_deelnemer_page_with_their_errors(
    page_as: PageAs, demo_register: DemoRegister
) -> None:
    page = page_as("stelselbeheerder")
    visit(page, "/beheer/deelnemers?zoek=Koppelpunt")
    page.locator("main table a[href^='/beheer/deelnemers/']").first.click()
    page.wait_for_url(re.compile(r"/beheer/deelnemers/[0-9a-f-]{36}$"))
    deelnemer = page.url

    for button in ("Rol toekennen", "Status wijzigen"):
        assert submit(page, page.get_by_role("button", name=button)) == 400
        assert page.locator("main [aria-invalid='true']").count() >= 1
        assert_accessible(page, f"a deelnemer page after an empty '{button}'")
        visit(page, deelnemer)


def test_an_incomplete_intake_that_is_completed(page_as: PageAs, demo_register: DemoRegister) -> None:
    page = page_as("casemanager")
    visit(page, f"/beheer/aanmeldingen/{demo_register.aanmeldingen['in_behandeling']}")
    page.locator("main a[href^='/beheer/intakes/']").first.click()
    page.wait_for_url(re.compile(r"/beheer/intakes/[0-9a-f-]{36}$"))

    assert submit(page, page.get_by_role("button", name="Bewaren en afronden")) == 400

    assert page.locator(".stelsel-error-summary").is_visible()
    assert_accessible(page, "an intake that cannot be completed yet")


def test_a_confirmation_step_with_a_missing_reason(page_as: PageAs, demo_register: DemoRegister) -> None:
    page = page_as("stelselbeheerder")
    nummer = demo_register.verklaringen["geldig"]
    visit(page, f"/beheer/verklaringen/{nummer}/acties/schorsen")
    assert_accessible(page, "the confirmation step of schorsen")

    assert submit(page, page.get_by_role("button", name="Bevestigen")) == 400

    assert page.locator("#reden[aria-invalid='true']").is_visible()
    assert_accessible(page, "the confirmation step of schorsen without a reason")


@pytest.mark.usefixtures("demo_register")
def test_lists_filtered_and_paged(page_as: PageAs) -> None:
    page = page_as("stelselbeheerder")
    for path in (
        "/beheer/deelnemers?zoek=gemeente&status=actief",
        "/beheer/deelnemers?page=2",
        "/beheer/audit?page=2",
        "/beheer/verklaringen?status=geldig",
    ):
        visit(page, path)
        assert_accessible(page, path)


def test_the_report_of_an_import_file(page_as: PageAs, demo_register: DemoRegister) -> None:
    page = page_as("stelselbeheerder")
    kvk = generate_valid(IdentificatieSoort.KVK, random.Random(secrets.randbits(32))).waarde
    files = {
        400: "naam;soort;identificaties\nZonder nummer B.V.;gemeente;kvk:123\n;onbekend;\n",
        200: f"naam;soort;identificaties\nToegankelijk Ingelezen B.V.;gemeente;kvk:{kvk}\n",
    }
    for status, text in files.items():
        visit(page, "/beheer/deelnemers/import")
        page.locator("#bestand").set_input_files(
            files=[{"name": "deelnemers.csv", "mimeType": "text/csv", "buffer": text.encode()}]
        )
        assert submit(page, page.get_by_role("button", name="Controleren")) == status
        assert_accessible(page, f"the report of an import file (HTTP {status})")


def test_a_new_api_client_and_its_token(page_as: PageAs) -> None:
    page = page_as("stelselbeheerder")
    visit(page, "/beheer/api-clients/nieuw")
    page.get_by_label("Naam van het systeem").fill(f"Toegankelijkheidstest {secrets.token_hex(3)}")
    page.locator("input[name='scopes'][value='lookup:read']").check()
    assert submit(page, page.get_by_role("button", name="API-client toevoegen")) == 201
    assert_accessible(page, "the page that shows a new API client's token")


def test_a_second_factor_being_set_up(page: Any, make_account: MakeAccount) -> None:
    log_in(page, make_account("auditor"))
    visit(page, "/profiel/tweestapsverificatie")
    submit(page, page.locator("main form button[type='submit']").first)
    assert page.locator("main svg, main img").count() >= 1  # the QR code to scan
    assert_accessible(page, "setting up the second factor")


def test_a_concept_release_of_the_catalogue(
    page_as: PageAs, axe_checked: set[str], concept_release: str
) -> None:
    page = page_as("stelselbeheerder")
    base = f"/beheer/catalogus/{concept_release}"

    result = crawl(
        page, [base, f"{base}/rollen/dienstverlener"], "stelselbeheerder", axe_checked, within=base
    )

    kinds = set(result.visited)
    for expected in (r"/nieuwe-rol$", r"/rollen/[^/]+/verwijderen$", r"/duties/[^/]+$", r"/verschillen$"):
        assert any(re.search(expected, kind) for kind in kinds), (expected, sorted(kinds))
    assert not result.problems, "\n\n".join(result.problems)

    visit(page, f"{base}/nieuwe-rol")
    assert submit(page, page.get_by_role("button", name="Rol toevoegen")) == 400
    assert page.locator("main [aria-invalid='true']").count() >= 1
    assert_accessible(page, f"{base}/nieuwe-rol after an empty submit")


@pytest.fixture(scope="module")
def verklaring_ter_ondertekening(in_live_database: InLiveDatabase, demo_register: DemoRegister) -> str:
    """A verklaring for the demo deelnemer (KvK 90000001) that waits for its contact person."""

    async def prepare(session: AsyncSession) -> str:
        clock = SystemClock()
        ontvangen = await aanmeldingen.dien_in(
            session,
            aanmelding("Koppelpunt Dienstverlening B.V.", DEMO_DEELNEMER_KVK),
            actor=Actor.anonymous("browsertest"),
            clock=clock,
            secret=TEST_SECRET,
        )
        toegekend = await tot_verklaring(
            session,
            ontvangen.referentie,
            behandelaars=await Behandelaars.of_demo(session),
            clock=clock,
            renderer=FakePdfRenderer(),
        )
        return toegekend.nummer

    return in_live_database(prepare)


def test_signing_a_verklaring_as_its_contact_person(
    page_as: PageAs, verklaring_ter_ondertekening: str
) -> None:
    page = page_as("deelnemer-contact")
    visit(page, "/verklaringen/te-ondertekenen")
    assert verklaring_ter_ondertekening in page.locator("main").inner_text()
    assert_accessible(page, "/verklaringen/te-ondertekenen")

    visit(page, f"/verklaringen/{verklaring_ter_ondertekening}/ondertekenen")
    assert_accessible(page, "the signing page")

    assert submit(page, page.locator("main form button[type='submit']").first) == 400
    assert page.locator("main [aria-invalid='true']").count() >= 1
    assert_accessible(page, "the signing page without the confirmation ticked")


@pytest.mark.usefixtures("demo_register")
def test_the_page_check_notices_what_it_looks_for(page_as: PageAs) -> None:
    page = page_as(None)
    visit(page, "/verifieer")
    page.evaluate(
        """() => {
          document.documentElement.lang = "en";
          document.title = " — Stelselregister";
          const main = document.querySelector("main");
          main.append(document.createElement("img"));
          const button = document.createElement("button");
          button.textContent = "Submit";
          main.append(button);
          main.append(document.createElement("input"));
        }"""
    )

    problems = "\n".join(check_page(page, "/verifieer, spoiled"))

    assert "<html lang> is 'en'" in problems
    assert "does not say what the page is" in problems
    assert "English in the interface: ['Submit']" in problems
    assert "image-alt" in problems
    assert "label" in problems


def _scrolls_sideways(page: Any) -> bool:
    scrolls: bool = page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    return scrolls


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        (None, ["/", "/catalogus", "/catalogus/rollen/dienstverlener", "/dienstverleners", "/aanmelden"]),
        (None, ["/verifieer/{geldig}", "/stijlgids", "/api/v1/docs", "/toegankelijkheid"]),
        (
            "stelselbeheerder",
            [
                "/beheer",
                "/beheer/deelnemers",
                "/beheer/audit",
                "/beheer/verklaringen/{geldig}",
                "/beheer/sleutels",
            ],
        ),
        ("casemanager", ["/beheer/aanmeldingen/{in_behandeling}", "/beheer/intakes/{intake}"]),
    ],
    ids=["publiek", "publiek, verklaring en documentatie", "stelselbeheerder", "casemanager"],
)
def test_pages_reflow_without_sideways_scrolling_at_320_css_pixels(
    page_as: PageAs, demo_register: DemoRegister, role: str | None, paths: list[str]
) -> None:
    """WCAG 1.4.10: at 320 CSS pixels wide (1280 zoomed to 400%) nothing but a data table scrolls
    sideways; tables sit in a scroll container of their own."""
    page = page_as(role)
    names = {
        "geldig": demo_register.verklaringen["geldig"],
        "in_behandeling": demo_register.aanmeldingen["in_behandeling"],
    }
    if "{intake}" in " ".join(paths):
        visit(page, f"/beheer/aanmeldingen/{names['in_behandeling']}")
        intake = page.locator("main a[href^='/beheer/intakes/']").first.get_attribute("href")
        assert intake is not None
        names["intake"] = intake.rsplit("/", 1)[-1]
    wide = []
    page.set_viewport_size({"width": 320, "height": 640})
    try:
        for path in paths:
            visit(page, path.format(**names))
            if _scrolls_sideways(page):
                wide.append(path.format(**names))
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})
    assert not wide, f"these pages scroll sideways at 320 CSS pixels: {wide}"
