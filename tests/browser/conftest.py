"""Browser tests: the portal served by uvicorn on a free local port, driven by Debian's chromium.

- ``live_server``: the base URL of the app on a migrated SQLite database in a temporary directory
  (one server for the whole run, in a background thread);
- ``browser``: one chromium for the whole run (never downloaded: ``/usr/bin/chromium``);
- ``page``: a fresh browser context (no cookies) per test;
- ``make_account``: create a user with an account role and a password, returns its e-mail address;
- ``in_live_database``: run async work with a session on the live server's database;
- ``demo_register``: the demo data (``stelsel demo``) loaded into that database, once per run;
- ``concept_release``: a concept release of the catalogue in it, to edit;
- ``page_as``: the page of the demo account of an account role, or of nobody; kept for the run
  (each role logs in once), with axe-core preloaded.

Every test here is marked ``browser``; without ``/usr/bin/chromium`` they are skipped with a reason.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import migrate
from registry.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from registry.accounts.services import create_user
from registry.app import create_app
from registry.audit.services import Actor
from registry.clock import SystemClock
from registry.database import create_engine, create_session_factory
from registry.demo import DemoContext, load_demo
from registry.settings import Settings
from registry.signing import KeyRing
from roles import services as catalogus
from tests.browser.page_checks import AXE_SCRIPT
from tests.conftest import TEST_SECRET
from tests.verklaringen.factories import FakePdfRenderer
from verklaringen import demo as verklaringen_demo
from verklaringen.models import Aanmelding, Verklaring
from verklaringen.services.queries import today_of, verklaring_status

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
BROWSER_PASSWORD = "browser-wachtwoord-2026"

MakeAccount = Callable[..., str]
T = TypeVar("T")
PageAs = Callable[[str | None], Any]


class InLiveDatabase(Protocol):
    """Runs ``await work(session)`` on the live server's database and returns its result."""

    def __call__(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T: ...


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(
                    pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
                )


def _in_own_thread(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread of its own: Playwright's sync API keeps an event loop running in
    this thread, and migrations and database set-up start their own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def browser_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("browser")
    settings = Settings(
        data_dir=data_dir,
        database_url=f"sqlite+aiosqlite:///{data_dir / 'stelsel.sqlite3'}",
        secret_key=TEST_SECRET,
    )
    _in_own_thread(lambda: migrate.upgrade(settings))
    return settings


@pytest.fixture(scope="session")
def live_server(browser_settings: Settings) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        create_app(browser_settings), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    context.set_default_timeout(5_000)
    try:
        yield context.new_page()
    finally:
        context.close()


async def _own_deelnemer(session: AsyncSession) -> uuid.UUID:
    """A registered organisation for a deelnemer-contact account to speak for."""
    from registry.ledenadministratie import services
    from registry.ledenadministratie.identifiers import IdentificatieSoort, generate_valid
    from registry.ledenadministratie.schemas import DeelnemerCreate, IdentificatieInvoer

    kvk = generate_valid(IdentificatieSoort.KVK, random.Random()).waarde
    data = DeelnemerCreate(
        naam=f"Browserorganisatie {kvk}",
        soort="zorgaanbieder",
        identificaties=[IdentificatieInvoer(soort="kvk", waarde=kvk)],
        regio="Jeugdregio Voorbeeld",
    )
    deelnemer = await services.create_deelnemer(
        session, data, actor=Actor.system("browsertest"), clock=SystemClock()
    )
    return deelnemer.id


@pytest.fixture
def make_account(browser_settings: Settings) -> MakeAccount:
    """Create a user directly in the live server's database; returns the e-mail address."""

    def create(role: str, *, password: str = BROWSER_PASSWORD, name: str | None = None) -> str:
        email = f"{role}-{uuid.uuid4().hex[:8]}@browser.example"

        async def run() -> None:
            engine = create_engine(browser_settings)
            try:
                async with create_session_factory(engine)() as session:
                    deelnemer_id = None
                    if role == "deelnemer-contact":
                        deelnemer_id = await _own_deelnemer(session)
                    await create_user(
                        session,
                        email=email,
                        display_name=name or f"Browser {role}",
                        role=role,
                        password=password,
                        deelnemer_id=deelnemer_id,
                        actor=Actor.system("browsertest"),
                        clock=SystemClock(),
                    )
            finally:
                await engine.dispose()

        _in_own_thread(lambda: asyncio.run(run()))
        return email

    return create


def log_in(page: Any, email: str, password: str = BROWSER_PASSWORD) -> None:
    """Fill in the login form as a person would."""
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


@pytest.fixture(scope="session")
def in_live_database(browser_settings: Settings) -> InLiveDatabase:
    """``in_live_database(work)`` runs ``await work(session)`` on the live server's database (in a
    thread and event loop of its own) and returns its result."""

    def run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async def with_session() -> T:
            engine = create_engine(browser_settings)
            try:
                async with create_session_factory(engine)() as session:
                    return await work(session)
            finally:
                await engine.dispose()

        return _in_own_thread(lambda: asyncio.run(with_session()))

    return run


@dataclass(frozen=True, slots=True)
class DemoRegister:
    """What ``stelsel demo`` put into the live server's database, by state."""

    verklaringen: dict[str, str]
    """Verklaring number per status: geldig, verlopen, ingetrokken, geschorst."""
    aanmeldingen: dict[str, str]
    """Aanmelding referentie per status (in_behandeling, afgewezen, afgerond)."""
    report: list[str]


@pytest.fixture(scope="session")
def demo_register(browser_settings: Settings, in_live_database: InLiveDatabase) -> DemoRegister:
    """The demo data loaded into the live server's database once per run, with a signing key (the
    demo verklaringen are signed). Tests may add to the register but should not change these
    demo records: other tests visit them.

    The PDFs of the demo verklaringen are stand-ins (``FakePdfRenderer``, with the attestation
    embedded): WeasyPrint would take seconds; a test that looks at a real PDF issues its own."""
    keyring = KeyRing(browser_settings.keys_dir)
    if not keyring.list():
        keyring.generate()

    async def load(session: AsyncSession) -> DemoRegister:
        clock = SystemClock()
        report = await load_demo(DemoContext(session=session, settings=browser_settings, clock=clock))
        today = today_of(clock.now())
        verklaringen = {
            verklaring_status(verklaring, today): verklaring.nummer
            for verklaring in await session.scalars(select(Verklaring).order_by(Verklaring.nummer.desc()))
        }
        aanmeldingen = {
            aanmelding.status: aanmelding.referentie
            for aanmelding in await session.scalars(select(Aanmelding).order_by(Aanmelding.referentie.desc()))
        }
        return DemoRegister(verklaringen=verklaringen, aanmeldingen=aanmeldingen, report=report)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verklaringen_demo, "WeasyPrintRenderer", FakePdfRenderer)
        register = in_live_database(load)
    missing = {"geldig", "verlopen", "ingetrokken", "geschorst"} - register.verklaringen.keys()
    if missing:
        states = ", ".join(sorted(missing))
        raise RuntimeError(f"the demo has no verklaring that is {states}: {register.report}")
    return register


@pytest.fixture(scope="session")
def concept_release(in_live_database: InLiveDatabase, demo_register: DemoRegister) -> str:
    """The versie of a concept release of the catalogue (a copy of the definitive one) to edit."""

    async def create(session: AsyncSession) -> str:
        releases = await catalogus.list_releases(session, include_concept=True)
        versie = f"{max(int(release.versie.split('.')[0]) for release in releases) + 1}.0.0"
        await catalogus.create_release(
            session, versie, actor=Actor.system("browsertest"), clock=SystemClock(), toelichting="Concept."
        )
        return versie

    return in_live_database(create)


@pytest.fixture(scope="session")
def demo_login_state(browser: Any, live_server: str, demo_register: DemoRegister) -> Callable[[str], Any]:
    """The cookies of a logged-in demo account per account role; each role logs in once per run."""
    accounts = {role.value: email for email, _, role in DEMO_USERS}
    states: dict[str, Any] = {}

    def state(role: str) -> Any:
        if role not in states:
            context = browser.new_context(base_url=live_server, locale="nl-NL")
            context.set_default_timeout(5_000)
            try:
                page = context.new_page()
                log_in(page, accounts[role], DEMO_PASSWORD)
                page.wait_for_url(lambda url: "/inloggen" not in url)
                states[role] = context.storage_state()
            finally:
                context.close()
        return states[role]

    return state


@pytest.fixture(scope="session")
def role_pages(browser: Any, live_server: str, demo_login_state: Callable[[str], Any]) -> Iterator[PageAs]:
    """One page per account role for the whole run (see ``page_as``), with axe-core preloaded."""
    contexts: list[Any] = []
    pages: dict[str | None, Any] = {}

    def open_page(role: str | None) -> Any:
        if role not in pages:
            state = demo_login_state(role) if role else None
            context = browser.new_context(base_url=live_server, locale="nl-NL", storage_state=state)
            context.set_default_timeout(5_000)
            if AXE_SCRIPT.exists():
                context.add_init_script(path=AXE_SCRIPT)
            contexts.append(context)
            pages[role] = context.new_page()
        return pages[role]

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page_as(role_pages: PageAs) -> PageAs:
    """``page_as(role)``: the page of the demo account with this account role (``None``: not logged
    in). A new context or page costs the browser a renderer and an empty cache (most of a second),
    so each role's page is kept for the whole run: a test navigates it first, leaves the session
    logged in and removes any listener it adds. A test that logs in or out uses ``page``."""
    return role_pages
