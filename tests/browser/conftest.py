"""Browser tests: the portal served by uvicorn on a free local port, driven by Debian's chromium.

- ``live_server``: the base URL of the app on a migrated SQLite database in a temporary directory
  (one server for the whole run, in a background thread);
- ``browser``: one chromium for the whole run (never downloaded: ``/usr/bin/chromium``);
- ``page``: a fresh browser context (no cookies) per test;
- ``make_account``: create a user with an account role and a password, returns its e-mail address.

Every test here is marked ``browser``; without ``/usr/bin/chromium`` they are skipped with a reason.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn

from registry import migrate
from registry.accounts.services import create_user
from registry.app import create_app
from registry.audit.services import Actor
from registry.clock import SystemClock
from registry.database import create_engine, create_session_factory
from registry.settings import Settings
from tests.conftest import TEST_SECRET

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


@pytest.fixture
def make_account(browser_settings: Settings) -> MakeAccount:
    """Create a user directly in the live server's database; returns the e-mail address."""

    def create(role: str, *, password: str = BROWSER_PASSWORD, name: str | None = None) -> str:
        email = f"{role}-{uuid.uuid4().hex[:8]}@browser.example"

        async def run() -> None:
            engine = create_engine(browser_settings)
            try:
                async with create_session_factory(engine)() as session:
                    await create_user(
                        session,
                        email=email,
                        display_name=name or f"Browser {role}",
                        role=role,
                        password=password,
                        deelnemer_id=uuid.uuid4() if role == "deelnemer-contact" else None,
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
