"""The real server as a subprocess (``stelsel serve``), a register prepared for it through the
services, and a beheerder's browser that posts the portal's forms over HTTP.

The server runs in a process group of its own, so that :meth:`ServedPortal.kill` can SIGKILL it
together with its workers, as a crashing host or an OOM killer would; :func:`served_portal` makes
sure no server outlives its test.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
from litestar.middleware.csrf import generate_csrf_token
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.authentication import SESSION_COOKIE
from registry.accounts.models import User
from registry.accounts.services import create_user, principal_for_user, start_session
from registry.app import CSRF_COOKIE, CSRF_FIELD
from registry.audit.services import Actor
from registry.clock import SystemClock
from registry.database import create_engine, create_session_factory
from registry.ledenadministratie import services as leden
from registry.ledenadministratie.schemas import ContactpersoonInvoer, DeelnemerCreate, IdentificatieInvoer
from registry.settings import Settings
from registry.signing import KeyRing
from roles.catalogue_file import CATALOGUS_DIR
from roles.services import load_catalogue_file
from tests.conftest import DEFAULT_PASSWORD, TEST_SECRET
from tests.reliability.postgres_cluster import free_port
from tests.verklaringen.conftest import aanmelding_invoer, all_ja
from tests.verklaringen.factories import FakePdfRenderer
from verklaringen import schemas
from verklaringen.services import aanmeldingen, afgifte, besluiten, intakes
from verklaringen.services.queries import find_verklaring

STELSEL = Path(sys.executable).with_name("stelsel")
START_TIMEOUT = 45.0
ACTOR = Actor.system("voorbereiding")
ROL_ZONDER_VERKLARING = "bronhouder"


def settings_for(database_url: str, data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, secret_key=TEST_SECRET)


# --- the server -----------------------------------------------------------------------------------


class ServedPortal:
    """``stelsel serve`` on a free port of 127.0.0.1, its output in ``log``."""

    def __init__(self, settings: Settings, log: Path, *, workers: int = 1) -> None:
        self.settings = settings
        self.log = log
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "STELSEL_DATA_DIR": str(self.settings.data_dir),
            "STELSEL_DATABASE_URL": self.settings.database_url,
            "STELSEL_SECRET_KEY": TEST_SECRET,
            "STELSEL_BASE_URL": self.url,
            "STELSEL_LOG_LEVEL": "INFO",  # the server says when a worker dies or is replaced
        }

    def launch(self) -> subprocess.Popen[bytes]:
        assert self.process is None or self.process.poll() is not None, "already running"
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [str(STELSEL), "serve", "--port", str(self.port), "--workers", str(self.workers)],
                env=self.environment(),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a process group of its own: the server and its workers
            )
        return self.process

    async def start(self) -> None:
        process = self.launch()
        deadline = time.monotonic() + START_TIMEOUT
        async with httpx.AsyncClient(base_url=self.url, timeout=5) as client:
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"the server stopped while starting:\n{self.log_tail()}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/health/ready")).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise AssertionError(f"the server did not get ready in time:\n{self.log_tail()}")
                await asyncio.sleep(0.2)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """The server's worker processes (none when one process serves)."""
        children = subprocess.run(
            ["pgrep", "-P", str(self.pid)], capture_output=True, text=True, timeout=10, check=False
        ).stdout.split()
        # uvicorn's supervisor also starts multiprocessing's resource tracker: not a worker
        return [int(pid) for pid in children if b"resource_tracker" not in _cmdline(int(pid))]

    def kill(self) -> None:
        """SIGKILL to the server and every worker at once; returns when all of them are gone."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._wait_until_group_gone()

    def stop(self) -> None:
        """A clean shutdown (SIGTERM), SIGKILL if that takes too long."""
        if self.process is None or self.process.poll() is not None:
            self._wait_until_group_gone()
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
        self._wait_until_group_gone()

    def _wait_until_group_gone(self) -> None:
        if self.process is None:
            return
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.killpg(self.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        raise AssertionError("server processes outlived their group leader")

    def log_tail(self, characters: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-characters:] if self.log.exists() else ""


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def cpu_seconds(pid: int) -> float:
    """User plus system time a process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def served_portal(settings: Settings, log: Path, *, workers: int = 1) -> AsyncIterator[ServedPortal]:
    """A started server that is stopped afterwards, also when the test fails."""
    portal = ServedPortal(settings, log, workers=workers)
    try:
        await portal.start()
        yield portal
    finally:
        portal.kill()


def stelsel(settings: Settings, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run a ``stelsel`` command against this register."""
    environment = {
        **os.environ,
        "STELSEL_DATA_DIR": str(settings.data_dir),
        "STELSEL_DATABASE_URL": settings.database_url,
        "STELSEL_SECRET_KEY": TEST_SECRET,
    }
    return subprocess.run(
        [str(STELSEL), *arguments], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


# --- the register ---------------------------------------------------------------------------------


@dataclass
class Register:
    """What the tests prepared: a beheerder's session, verklaringen signed by their deelnemer and
    waiting for the stelsel's signature (afgifte) with the hash of their content, and active
    deelnemers without roles."""

    settings: Settings
    session_token: str
    verklaringen: dict[str, str] = field(default_factory=dict)
    deelnemers: list[uuid.UUID] = field(default_factory=list)


class Preparation:
    """Walks organisations through the verklaring process with the services, as the portal would."""

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.clock = SystemClock()
        self.intake_renderer = FakePdfRenderer()

    async def user(self, role: str, naam: str, deelnemer_id: uuid.UUID | None = None) -> User:
        return await create_user(
            self.session,
            email=f"{role}-{uuid.uuid4().hex[:8]}@stelselregister.example",
            display_name=naam,
            role=role,
            password=DEFAULT_PASSWORD,
            deelnemer_id=deelnemer_id,
            actor=ACTOR,
            clock=self.clock,
        )

    async def ready_for_afgifte(self, kvk: str, beheerder: User, casemanager: User) -> tuple[str, str]:
        """A verklaring that the deelnemer has signed: its number and the hash of its content, which
        the beheerder signs at the afgifte."""
        session, clock = self.session, self.clock
        cm = principal_for_user(casemanager)
        referentie = (
            await aanmeldingen.dien_in(
                session,
                aanmelding_invoer(kvk, naam=f"Dienstverlener {kvk} B.V."),
                actor=Actor.anonymous("aanmeldformulier"),
                clock=clock,
                secret=self.settings.secret_key,
            )
        ).referentie
        await aanmeldingen.wijs_toe(session, referentie, uuid.UUID(cm.id), actor=ACTOR, clock=clock)
        intake = await intakes.start_intake(session, referentie, principal=cm, clock=clock)
        await intakes.bewaar_intake(session, intake.id, all_ja(intake), principal=cm, clock=clock)
        await intakes.rond_intake_af(
            session, intake.id, principal=cm, clock=clock, renderer=self.intake_renderer
        )
        await besluiten.stel_voor(
            session, referentie, schemas.VoorstelInvoer(voorstel="toekennen"), principal=cm, clock=clock
        )
        besluit = await besluiten.besluit(
            session,
            referentie,
            schemas.BesluitInvoer(uitkomst="toekennen"),
            principal=principal_for_user(beheerder),
            clock=clock,
        )
        assert besluit.verklaring is not None
        verklaring = await find_verklaring(session, besluit.verklaring)
        contact = await self.user("deelnemer-contact", "Jan de Vries", verklaring.deelnemer_id)
        await afgifte.onderteken_als_deelnemer(
            session,
            verklaring.nummer,
            akkoord=True,
            document_hash=verklaring.inhoud_hash,
            principal=principal_for_user(contact),
            clock=clock,
        )
        return verklaring.nummer, verklaring.inhoud_hash

    async def actieve_deelnemer(self, kvk: str) -> uuid.UUID:
        deelnemer = await leden.create_deelnemer(
            self.session,
            DeelnemerCreate(
                naam=f"Gemeente {kvk}",
                soort="gemeente",
                identificaties=[IdentificatieInvoer(soort="kvk", waarde=kvk)],
                regio="Jeugdregio Voorbeeld",
                contactpersonen=[
                    ContactpersoonInvoer(
                        naam="Anna de Vries", functie="Privacy officer", email="a@gemeente.nl"
                    )
                ],
            ),
            actor=ACTOR,
            clock=self.clock,
        )
        await leden.change_deelnemer_status(
            self.session, deelnemer.id, "actief", "Voorbereiding", actor=ACTOR, clock=self.clock
        )
        return deelnemer.id


async def prepare_register(settings: Settings, *, verklaringen: int, deelnemers: int) -> Register:
    """A signing key, the catalogue, a beheerder with a session, and the verklaringen and deelnemers
    asked for (KvK-nummers 93xxxxxx and 94xxxxxx)."""
    KeyRing(settings.keys_dir).generate()
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            preparation = Preparation(session, settings)
            await load_catalogue_file(
                session, CATALOGUS_DIR / "1.2.0.toml", actor=ACTOR, clock=preparation.clock
            )
            beheerder = await preparation.user("stelselbeheerder", "Anne Beheer")
            casemanager = await preparation.user("casemanager", "Carla Casemanager")
            token = await start_session(
                session,
                beheerder,
                clock=preparation.clock,
                lifetime=timedelta(hours=2),
            )
            register = Register(settings, token)
            for index in range(verklaringen):
                nummer, inhoud_hash = await preparation.ready_for_afgifte(
                    f"93{index:06d}", beheerder, casemanager
                )
                register.verklaringen[nummer] = inhoud_hash
            for index in range(deelnemers):
                register.deelnemers.append(await preparation.actieve_deelnemer(f"94{index:06d}"))
            return register
    finally:
        await engine.dispose()


# --- the beheerder's browser ----------------------------------------------------------------------


class Beheerder:
    """A logged-in stelselbeheerder posting the portal's forms, as the browser does (session cookie,
    CSRF cookie and field, no redirects followed)."""

    def __init__(self, portal: ServedPortal, register: Register) -> None:
        self.csrf = generate_csrf_token(TEST_SECRET)
        self.client = httpx.AsyncClient(
            base_url=portal.url,
            timeout=httpx.Timeout(90, connect=10),
            cookies={SESSION_COOKIE: register.session_token, CSRF_COOKIE: self.csrf},
            follow_redirects=False,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=0),
        )

    async def __aenter__(self) -> Beheerder:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.client.aclose()

    async def post_form(self, path: str, fields: dict[str, str]) -> httpx.Response:
        return await self.client.post(path, data={**fields, CSRF_FIELD: self.csrf})

    async def geef_af(self, nummer: str, document_hash: str) -> httpx.Response:
        return await self.post_form(
            f"/beheer/verklaringen/{nummer}/ondertekenen", {"akkoord": "ja", "documentHash": document_hash}
        )

    async def ken_rol_toe(self, deelnemer_id: uuid.UUID, van: date, kenmerk: str) -> httpx.Response:
        return await self.post_form(
            f"/beheer/deelnemers/{deelnemer_id}/rollen",
            {
                "rolCode": ROL_ZONDER_VERKLARING,
                "geldigVan": van.isoformat(),
                "basisSoort": "besluit",
                "basisReferentie": kenmerk,
            },
        )

    async def controleer_import(self, inhoud: bytes, naam: str) -> str:
        """Upload a CSV file to be checked; the path that imports it."""
        response = await self.client.post(
            "/beheer/deelnemers/import",
            data={CSRF_FIELD: self.csrf},
            files={"bestand": (naam, inhoud, "text/csv")},
        )
        assert response.status_code == 200, response.text[:2000]
        match = re.search(r'action="(/beheer/deelnemers/import/[^"]+)"', response.text)
        assert match is not None, "the page offers no import"
        return match.group(1)
