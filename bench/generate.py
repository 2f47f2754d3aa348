"""Generate a realistic register at a chosen scale, fast, on SQLite or PostgreSQL.

    python -m bench.generate --deelnemers 100000 --out bench/out/sqlite-100k
    python -m bench.generate --deelnemers 100000 --out bench/out/pg-100k \\
        --postgres postgresql+asyncpg://root@127.0.0.1:5432/test --database stelsel_bench_100k

What a register holds, per deelnemer (fixed seed, so the same arguments give the same register):

- the deelnemer with a name (``Stichting Jeugdhulp Velorande Zwolle``), soort, regio, address and
  one or two contactpersonen; its search terms (every word tail of the folded name);
- identificaties: always a KvK-nummer, and by soort an OIN, RSIN, AGB-code, URA or vestigingsnummer,
  all valid (:func:`registry.ledenadministratie.identifiers.generate_valid`) and unique;
- a status history: ``aangemeld`` then mostly ``actief``, some ``geschorst`` or ``beeindigd``;
- about three rolvervullingen with history: two current, one ended, each with its wijzigingen;
- 5% are dienstverleners (soort softwareleverancier, rol ``dienstverlener``) that support about
  twenty other deelnemers each through ondersteuningsrelaties (some ended);
- verklaringen in every state once the verklaringen tables exist.

Everything goes in with SQLAlchemy Core ``insert()`` executemany batches into a database migrated
by the Alembic history (:func:`registry.migrate.upgrade`), after the catalogue release has been
loaded through the catalogue service.

**Audit trail.** A register that grew by use has a long audit trail. ``--audit full`` (the
default) writes one event per deelnemer (``deelnemer.ingelezen``: its name, status, identificaties
and rolvervullingen, as an import of an existing register would record it) and one per
ondersteuningsrelatie, each chained with :func:`registry.audit.services.event_hash` exactly as
:func:`~registry.audit.services.audited_write` would, with the chain head moved along in the same
transaction as each batch. ``--audit head`` writes no per-entity events. Either way the run ends with
one ``ledenadministratie.bulk-ingelezen`` event appended through ``audited_write`` (so the head is
consistent and ``verify_chain`` passes), whose changes record the counts and the seed. Data are
committed per batch; the generator only ever fills a fresh database, so a run that fails half-way is
simply run again.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import random
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, inspect, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bench import bulk
from bench.bulk import BulkWriter
from bench.workspace import DEFAULT_POSTGRES_SERVER, REPO_ROOT, Register, postgres_url
from registry import migrate
from registry.audit.models import AuditEvent, AuditHead
from registry.audit.services import Actor, audited_write, event_hash
from registry.clock import SystemClock
from registry.database import create_engine, create_session_factory
from registry.ledenadministratie.identifiers import IdentificatieSoort, generate_valid
from registry.signing.keys import KeyRing

CATALOGUE_FILE = REPO_ROOT / "roles" / "catalogus" / "1.2.0.toml"
ACTOR = Actor.cli("stelsel bench generate")
DIENSTVERLENER = "dienstverlener"
DIENSTVERLENER_SHARE = 0.05
SUPPORTED_PER_DIENSTVERLENER = 20
BATCH_DEELNEMERS = 5000
# Every period lies before this day or is open-ended, so "now" sees the current ones at any later date.
ANCHOR = date(2026, 1, 1)
SAMPLE_SIZE = 20_000

PLAATSEN = (
    "Amsterdam",
    "Rotterdam",
    "Den Haag",
    "Utrecht",
    "Eindhoven",
    "Groningen",
    "Tilburg",
    "Almere",
    "Breda",
    "Nijmegen",
    "Apeldoorn",
    "Haarlem",
    "Enschede",
    "Arnhem",
    "Amersfoort",
    "Zaanstad",
    "Den Bosch",
    "Haarlemmermeer",
    "Zwolle",
    "Zoetermeer",
    "Leiden",
    "Maastricht",
    "Dordrecht",
    "Ede",
    "Alphen aan den Rijn",
    "Leeuwarden",
    "Alkmaar",
    "Emmen",
    "Delft",
    "Venlo",
    "Deventer",
    "Súdwest-Fryslân",
    "Hengelo",
    "Almelo",
    "Oldenzaal",
    "Hardenberg",
    "Sittard-Geleen",
    "Heerlen",
    "Roermond",
    "Assen",
    "Helmond",
    "Oss",
    "Gouda",
    "Hilversum",
    "Purmerend",
    "Lelystad",
    "Den Helder",
    "Middelburg",
    "Vlissingen",
    "Terneuzen",
    "Goes",
    "Kampen",
    "Harderwijk",
    "Zutphen",
    "Doetinchem",
)
REGIOS = (
    "Twente",
    "Groningen",
    "Friesland",
    "Drenthe",
    "IJsselland",
    "Gelderland-Midden",
    "Utrecht",
    "Amsterdam-Amstelland",
    "Haaglanden",
    "Rotterdam-Rijnmond",
    "Zeeland",
    "Brabant-Noord",
    "Brabant-Zuidoost",
    "Limburg-Noord",
    "Limburg-Zuid",
    "Kennemerland",
    "Flevoland",
    "Hollands Midden",
)
STRATEN = (
    "Stationsstraat",
    "Kerkstraat",
    "Dorpsstraat",
    "Molenweg",
    "Schoolstraat",
    "Hoofdstraat",
    "Marktplein",
    "Parallelweg",
    "Julianalaan",
    "Beatrixstraat",
    "Nieuwe Gracht",
    "Industrieweg",
)
LETTERGREPEN = (
    "ve",
    "lo",
    "ran",
    "de",
    "ka",
    "mer",
    "sto",
    "lin",
    "ga",
    "bo",
    "ter",
    "ni",
    "vaar",
    "ho",
    "zel",
    "mo",
    "ra",
    "wen",
    "ti",
    "dal",
    "ber",
    "ke",
    "rijn",
    "sa",
    "lu",
    "vi",
    "den",
    "no",
)
VOORNAMEN = ("Anne", "Jan", "Fatima", "Pieter", "Sanne", "Mohamed", "Lotte", "Daan", "Eva", "Bram", "Noor")
FUNCTIES = ("Privacy officer", "Functioneel beheerder", "Directeur", "Teamleider")
ACHTERNAMEN = ("de Vries", "Jansen", "Bakker", "El Amrani", "Visser", "Smit", "Meijer", "de Boer", "Mulder")

# soort: (share, name prefixes, identificatie soorten beyond kvk with their chance)
SOORTEN: dict[str, tuple[float, tuple[str, ...], tuple[tuple[IdentificatieSoort, float], ...]]] = {
    "zorgaanbieder": (
        0.34,
        ("Zorggroep", "Stichting Zorg", "Thuiszorg", "GGZ"),
        ((IdentificatieSoort.AGB, 0.7), (IdentificatieSoort.URA, 0.3), (IdentificatieSoort.RSIN, 0.4)),
    ),
    "jeugdhulpaanbieder": (
        0.25,
        ("Stichting Jeugdhulp", "Jeugdzorg", "Kindpunt"),
        ((IdentificatieSoort.AGB, 0.5), (IdentificatieSoort.RSIN, 0.5)),
    ),
    "gemeente": (0.05, ("Gemeente",), ((IdentificatieSoort.OIN, 1.0),)),
    "politie": (0.02, ("Politie Eenheid", "Politie Basisteam"), ((IdentificatieSoort.OIN, 1.0),)),
    "veilig-thuis": (0.02, ("Veilig Thuis",), ((IdentificatieSoort.OIN, 0.8),)),
    "gecertificeerde-instelling": (
        0.04,
        ("Jeugdbescherming", "William Schrikker"),
        ((IdentificatieSoort.OIN, 0.6), (IdentificatieSoort.RSIN, 0.6)),
    ),
    "onderwijs": (0.10, ("Samenwerkingsverband", "Scholengroep"), ((IdentificatieSoort.OIN, 0.5),)),
    "overig": (
        0.13,
        ("Zorg- en Veiligheidshuis", "GGD", "Stichting"),
        ((IdentificatieSoort.VESTIGINGSNUMMER, 0.4),),
    ),
}
DIENSTVERLENER_PREFIXES = ("Software", "Koppelpunt", "Datadienst", "Platform")


def fold(text: str) -> str:
    from registry.ledenadministratie.naam import fold as project_fold

    return project_fold(text)


def zoektermen(naam: str) -> list[str]:
    from registry.ledenadministratie.naam import zoektermen as project_zoektermen

    return project_zoektermen(naam)


class FastRandom(random.Random):
    """``random.Random`` drawing integers below n from one float (53 bits): uniform enough for test
    data and several times cheaper than the exact method, with the same determinism per seed."""

    def _randbelow(self, n: int) -> int:
        return int(self.random() * n)


_VERSION_4 = (0x4000 << 64) | (0x8000 << 48)
_VERSION_MASK = ~((0xF000 << 64) | (0xC000 << 48))
_SAFE_UNKNOWN = uuid.SafeUUID.unknown


def rng_uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID from ``rng``: what ``uuid.UUID(int=…, version=4)`` makes, without the
    argument checks of its constructor (a third of the generator's time otherwise)."""
    value = object.__new__(uuid.UUID)
    object.__setattr__(value, "int", (rng.getrandbits(128) & _VERSION_MASK) | _VERSION_4)
    object.__setattr__(value, "is_safe", _SAFE_UNKNOWN)
    return value


@functools.lru_cache(maxsize=8192)
def day_start_utc(day: date) -> datetime:
    """00:00 Europe/Amsterdam on ``day`` (as the register stores a date boundary), in UTC."""
    from registry.ledenadministratie.peildatum import day_start

    return day_start(day).astimezone(UTC)


@dataclass(slots=True)
class AuditChain:
    """The chain as the generator extends it: next events are linked to ``seq``/``hash``."""

    seq: int
    hash: str
    enabled: bool
    rows: list[dict[str, Any]] = field(default_factory=list)

    def record(
        self, moment: datetime, action: str, entity_type: str, entity_id: uuid.UUID, changes: dict[str, Any]
    ) -> None:
        if not self.enabled:
            return
        self.seq += 1
        digest = event_hash(
            seq=self.seq,
            occurred_at=moment,
            actor_kind=ACTOR.kind,
            actor_id=ACTOR.id,
            actor_name=ACTOR.name,
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id),
            changes=changes,
            prev_hash=self.hash,
        )
        self.rows.append(
            {
                "id": uuid.UUID(int=self.seq, version=4),
                "seq": self.seq,
                "occurred_at": moment,
                "actor_kind": ACTOR.kind,
                "actor_id": ACTOR.id,
                "actor_name": ACTOR.name,
                "action": action,
                "entity_type": entity_type,
                "entity_id": str(entity_id),
                "changes": changes,
                "prev_hash": self.hash,
                "hash": digest,
                "created_at": moment,
                "updated_at": moment,
            }
        )
        self.hash = digest

    def take(self, rows: Rows) -> Rows:
        """Move the events made so far into ``rows``, with the head they lead to."""
        if self.enabled:
            rows.tables["audit_event"], self.rows = self.rows, []
            rows.head = (self.seq, self.hash)
        return rows


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The roles a generated rolvervulling can have, read from the catalogue file."""

    release: str
    rollen: tuple[str, ...]
    verklaring_rollen: tuple[str, ...]
    dienstverlener_taken: tuple[str, ...]

    @classmethod
    def read(cls, path: Path) -> Catalogue:
        from roles.catalogue_file import read_catalogue

        catalogue = read_catalogue(path)
        rollen = tuple(rol.code for rol in catalogue.rollen if rol.code != DIENSTVERLENER)
        verklaring = tuple(rol.code for rol in catalogue.rollen if rol.verklaring_vereist)
        taken: tuple[str, ...] = ()
        for rol in catalogue.rollen:
            if rol.code == DIENSTVERLENER:
                taken = tuple(duty.code for duty in rol.duties)
        if not taken:
            taken = tuple(f"{DIENSTVERLENER}-t{index:02d}" for index in range(1, 9))
        return cls(catalogue.release.versie, rollen, verklaring, taken)


@dataclass(slots=True)
class Rows:
    """The rows of one batch, per table name."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    head: tuple[int, str] | None = None  # the audit chain head after this batch's events

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(row)

    def count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


@dataclass(slots=True)
class Samples:
    """What the load runs ask for: real identificaties, rolchecks, search prefixes, dienstverleners."""

    rng: random.Random
    seen: int = 0
    identificaties: list[str] = field(default_factory=list)
    rolchecks: list[tuple[str, str, str]] = field(default_factory=list)
    zoek: list[str] = field(default_factory=list)
    deelnemer_ids: list[str] = field(default_factory=list)
    dienstverlener_regios: set[str] = field(default_factory=set)

    def offer(
        self,
        identificatie: str,
        deelnemer_id: uuid.UUID,
        rolcheck: tuple[str, str, str] | None,
        zoekterm: str,
    ) -> None:
        """Reservoir sampling: every deelnemer has the same chance to be asked about."""
        self.seen += 1
        if len(self.identificaties) < SAMPLE_SIZE:
            self.identificaties.append(identificatie)
            self.deelnemer_ids.append(str(deelnemer_id))
            self.zoek.append(zoekterm)
            if rolcheck is not None:
                self.rolchecks.append(rolcheck)
            return
        slot = self.rng.randrange(self.seen)
        if slot < SAMPLE_SIZE:
            self.identificaties[slot] = identificatie
            self.deelnemer_ids[slot] = str(deelnemer_id)
            self.zoek[slot] = zoekterm
            if rolcheck is not None and slot < len(self.rolchecks):
                self.rolchecks[slot] = rolcheck


class RegisterBuilder:
    """Makes the rows of the register deelnemer by deelnemer, deterministically from one seed."""

    def __init__(
        self, total: int, seed: int, catalogue: Catalogue, chain: AuditChain, tables: set[str]
    ) -> None:
        self.total = total
        self.rng = FastRandom(seed)
        self.catalogue = catalogue
        self.chain = chain
        self.tables = tables
        self.samples = Samples(FastRandom(seed + 1))
        self.taken: dict[IdentificatieSoort, set[str]] = {soort: set() for soort in IdentificatieSoort}
        self.counts: dict[str, int] = {}
        soorten = list(SOORTEN)
        self._soorten = soorten
        self._weights = [SOORTEN[soort][0] for soort in soorten]
        self.dienstverleners: list[uuid.UUID] = []
        self._verklaring_seq = 0

    # -- pieces ------------------------------------------------------------------------------

    def _identificatie(self, soort: IdentificatieSoort) -> str:
        used = self.taken[soort]
        while True:
            waarde = generate_valid(soort, self.rng).waarde
            if waarde not in used:
                used.add(waarde)
                return waarde

    def _fantasy(self) -> str:
        rng = self.rng
        word = "".join(rng.choice(LETTERGREPEN) for _ in range(rng.randint(2, 3)))
        return word.capitalize()

    def _day(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randrange(max((end - start).days, 1)))

    def _moment(self, day: date) -> datetime:
        return day_start_utc(day) + timedelta(seconds=self.rng.randrange(8 * 3600, 17 * 3600))

    # -- one deelnemer -----------------------------------------------------------------------

    def deelnemer(self, rows: Rows, index: int) -> None:
        """A deelnemer with its search terms, identificaties, contacts, status and role history."""
        rng = self.rng
        is_dienstverlener = rng.random() < DIENSTVERLENER_SHARE
        soort = "softwareleverancier" if is_dienstverlener else rng.choices(self._soorten, self._weights)[0]
        prefixes = DIENSTVERLENER_PREFIXES if is_dienstverlener else SOORTEN[soort][1]
        plaats = rng.choice(PLAATSEN)
        fantasy = self._fantasy()
        naam = f"{rng.choice(prefixes)} {fantasy} {plaats}"
        deelnemer_id = rng_uuid(rng)
        aangemeld = self._day(date(2018, 1, 1), date(2025, 6, 1))
        aangemeld_op = self._moment(aangemeld)
        history = self._status_history()
        status = history[-1]
        regio = rng.choice(REGIOS)
        if is_dienstverlener:
            self.samples.dienstverlener_regios.add(regio)
            self.dienstverleners.append(deelnemer_id)
        stamps = {"created_at": aangemeld_op, "updated_at": aangemeld_op}
        letters = "ABCDEFGHJKLMNPRTVWXZ"
        rows.add(
            "deelnemer",
            {
                "id": deelnemer_id,
                "naam": naam,
                "zoeknaam": fold(naam),
                "soort": soort,
                "status": status,
                "regio": regio,
                "website": f"https://www.{fantasy.lower()}.example.nl",
                "adres_straat": rng.choice(STRATEN),
                "adres_huisnummer": str(rng.randint(1, 250)),
                "adres_postcode": f"{rng.randint(1000, 9999)}{rng.choice(letters)}{rng.choice(letters)}",
                "adres_plaats": plaats,
                **stamps,
            },
        )
        for term in zoektermen(naam):
            rows.add(
                "deelnemer_zoekterm",
                {"id": rng_uuid(rng), "deelnemer_id": deelnemer_id, "term": term, **stamps},
            )
        identificaties = self._identificaties(soort, is_dienstverlener)
        for id_soort, waarde in identificaties:
            rows.add(
                "deelnemer_identificatie",
                {
                    "id": rng_uuid(rng),
                    "deelnemer_id": deelnemer_id,
                    "soort": id_soort,
                    "waarde": waarde,
                    **stamps,
                },
            )
        for volgorde in range(rng.randint(1, 2)):
            rows.add(
                "deelnemer_contactpersoon",
                {
                    "id": rng_uuid(rng),
                    "deelnemer_id": deelnemer_id,
                    "volgorde": volgorde,
                    "naam": f"{rng.choice(VOORNAMEN)} {rng.choice(ACHTERNAMEN)}",
                    "functie": rng.choice(FUNCTIES),
                    "email": f"contact{volgorde}@{fantasy.lower()}.example.nl",
                    "telefoon": "+31 20 123 4567",
                    **stamps,
                },
            )
        self._statusperiodes(rows, deelnemer_id, history, aangemeld_op)
        kvk = f"kvk:{identificaties[0][1]}"
        granted, rolcheck = self._rolvervullingen(
            rows, deelnemer_id, index, aangemeld + timedelta(days=30), is_dienstverlener
        )
        self.chain.record(
            aangemeld_op,
            "deelnemer.ingelezen",
            "deelnemer",
            deelnemer_id,
            {
                "naam": {"before": None, "after": naam},
                "status": {"before": None, "after": status},
                "identificaties": {"before": None, "after": [f"{s}:{w}" for s, w in identificaties]},
                "rolvervullingen": {"before": None, "after": granted},
            },
        )
        offered = (kvk, *rolcheck) if rolcheck is not None and status == "actief" else None
        self.samples.offer(kvk, deelnemer_id, offered, fantasy.lower()[:5])

    def _status_history(self) -> list[str]:
        """``aangemeld`` then mostly ``actief``; some geschorst (and back), some beeindigd."""
        roll = self.rng.random()
        if roll < 0.05:
            return ["aangemeld"]
        if roll < 0.08:
            return ["aangemeld", "actief", "geschorst"]
        if roll < 0.10:
            return ["aangemeld", "actief", "geschorst", "actief"]
        if roll < 0.15:
            return ["aangemeld", "actief", "beeindigd"]
        return ["aangemeld", "actief"]

    def _identificaties(self, soort: str, is_dienstverlener: bool) -> list[tuple[str, str]]:
        """A KvK-nummer first, then the soort's usual other identificaties."""
        found = [("kvk", self._identificatie(IdentificatieSoort.KVK))]
        if is_dienstverlener:
            return [*found, ("oin", self._identificatie(IdentificatieSoort.OIN))]
        for extra, chance in SOORTEN[soort][2]:
            if self.rng.random() < chance:
                found.append((extra.value, self._identificatie(extra)))
        return found

    def _statusperiodes(
        self, rows: Rows, deelnemer_id: uuid.UUID, history: list[str], aangemeld_op: datetime
    ) -> None:
        """One period per status, each change some months after the previous one, all before ANCHOR."""
        moment, vorige = aangemeld_op, None
        for position, status in enumerate(history):
            last = position == len(history) - 1
            volgende = None if last else moment + timedelta(days=self.rng.randint(20, 200))
            if volgende is not None and volgende.date() >= ANCHOR:
                volgende = day_start_utc(ANCHOR) - timedelta(days=len(history) - position)
            rows.add(
                "deelnemer_statusperiode",
                {
                    "id": rng_uuid(self.rng),
                    "deelnemer_id": deelnemer_id,
                    "status": status,
                    "vorige_status": vorige,
                    "geldig_van": moment,
                    "geldig_tot": volgende,
                    "reden": "Ingelezen uit het bestaande register",
                    "actor_soort": ACTOR.kind,
                    "actor_id": ACTOR.id,
                    "actor_naam": ACTOR.name,
                    "geregistreerd_op": moment,
                    "created_at": moment,
                    "updated_at": moment,
                },
            )
            vorige = status
            moment = volgende or moment

    def _wijziging(
        self, rows: Rows, rolvervulling_id: uuid.UUID, moment: datetime, soort: str, tot: date | None
    ) -> None:
        rows.add(
            "rolvervulling_wijziging",
            {
                "id": rng_uuid(self.rng),
                "rolvervulling_id": rolvervulling_id,
                "moment": moment,
                "soort": soort,
                "geldig_tot": tot,
                "reden": "Toegekend" if soort == "toegekend" else "Rol niet langer nodig",
                "actor_soort": ACTOR.kind,
                "actor_id": ACTOR.id,
                "actor_naam": ACTOR.name,
                "created_at": moment,
                "updated_at": moment,
            },
        )

    def _rolvervullingen(
        self, rows: Rows, deelnemer_id: uuid.UUID, index: int, actief_sinds: date, is_dienstverlener: bool
    ) -> tuple[list[str], tuple[str, str] | None]:
        """Two current rolvervullingen and one ended, with their history; returns what was granted
        and a (rol, peildatum) at which the deelnemer holds a role."""
        rollen = self.rng.sample(self.catalogue.rollen, 3)
        if is_dienstverlener:
            rollen[0] = DIENSTVERLENER
        rolcheck: tuple[str, str] | None = None
        granted: list[str] = []
        for position, rol in enumerate(rollen):
            van = self._day(actief_sinds, ANCHOR - timedelta(days=60))
            tot = self._day(van + timedelta(days=10), ANCHOR) if position == 2 else None
            rolvervulling_id = rng_uuid(self.rng)
            toegekend = self._moment(van)
            verklaring = rol in self.catalogue.verklaring_rollen or rol == DIENSTVERLENER
            referentie = (
                self._verklaring_nummer(van) if verklaring else f"BES-{van.year}-{index:07d}-{position}"
            )
            rows.add(
                "rolvervulling",
                {
                    "id": rolvervulling_id,
                    "deelnemer_id": deelnemer_id,
                    "rol_code": rol,
                    "geldig_van": van,
                    "geldig_tot": tot,
                    "release": self.catalogue.release,
                    "basis_soort": "verklaring" if verklaring else "besluit",
                    "basis_referentie": referentie,
                    "status": "beeindigd" if tot else "actief",
                    "toelichting": None,
                    "created_at": toegekend,
                    "updated_at": toegekend,
                },
            )
            self._wijziging(rows, rolvervulling_id, toegekend, "toegekend", None)
            if tot is not None:
                self._wijziging(
                    rows, rolvervulling_id, self._moment(tot - timedelta(days=1)), "beeindigd", tot
                )
            granted.append(f"{rol} {van.isoformat()}/{tot.isoformat() if tot else ''}")
            if rolcheck is None and tot is None:
                rolcheck = (rol, self._day(van, ANCHOR).isoformat())
        return granted, rolcheck

    def batch(self, indexes: range | None) -> Rows:
        """The rows of these deelnemers; ``None``: the ondersteuningsrelaties, once all exist.

        Each dienstverlener supports about twenty deelnemers drawn from the whole register.
        """
        rows = Rows()
        if indexes is not None:
            for index in indexes:
                self.deelnemer(rows, index)
        else:
            population = self.samples.deelnemer_ids
            for dienstverlener in self.dienstverleners:
                supported = {
                    uuid.UUID(self.rng.choice(population)) for _ in range(SUPPORTED_PER_DIENSTVERLENER)
                }
                self.ondersteuning(rows, dienstverlener, sorted(supported))
        return self.chain.take(rows)

    def _verklaring_nummer(self, van: date) -> str:
        self._verklaring_seq += 1
        return f"VKL-{van.year}-{self._verklaring_seq:06d}"

    def ondersteuning(self, rows: Rows, dienstverlener: uuid.UUID, supported: Sequence[uuid.UUID]) -> None:
        rng = self.rng
        taken = self.catalogue.dienstverlener_taken
        for deelnemer_id in supported:
            if deelnemer_id == dienstverlener:
                continue
            van = self._day(date(2019, 1, 1), ANCHOR - timedelta(days=30))
            ended = rng.random() < 0.15
            tot = self._day(van + timedelta(days=10), ANCHOR) if ended else None
            relatie_id = rng_uuid(rng)
            moment = self._moment(van)
            rows.add(
                "ondersteuningsrelatie",
                {
                    "id": relatie_id,
                    "dienstverlener_id": dienstverlener,
                    "deelnemer_id": deelnemer_id,
                    "taken": sorted(rng.sample(taken, min(len(taken), rng.randint(1, 4)))),
                    "geldig_van": van,
                    "geldig_tot": tot,
                    "status": "beeindigd" if ended else "actief",
                    "reden_einde": "Contract beëindigd" if ended else None,
                    "created_at": moment,
                    "updated_at": moment,
                },
            )
            self.chain.record(
                moment,
                "ondersteuningsrelatie.aangegaan",
                "ondersteuningsrelatie",
                relatie_id,
                {
                    "dienstverlener": {"before": None, "after": str(dienstverlener)},
                    "deelnemer": {"before": None, "after": str(deelnemer_id)},
                },
            )


# --- database ----------------------------------------------------------------------------------------


def _model_tables() -> dict[str, Table]:
    """The tables the generator fills, from the models that exist in this build."""
    from registry.ledenadministratie import models as leden

    tables: dict[str, Table] = {"audit_event": AuditEvent.__table__}  # type: ignore[dict-item]
    for model in (
        leden.Deelnemer,
        leden.DeelnemerIdentificatie,
        leden.Zoekterm,
        leden.Contactpersoon,
        leden.Statusperiode,
        leden.Rolvervulling,
        leden.Rolvervullingwijziging,
        leden.Ondersteuningsrelatie,
    ):
        tables[model.__tablename__] = model.__table__  # type: ignore[assignment]
    return tables


async def _existing_tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    return set(names)


# parents before children, as the foreign keys need
INSERT_ORDER = (
    "deelnemer",
    "deelnemer_identificatie",
    "deelnemer_zoekterm",
    "deelnemer_contactpersoon",
    "deelnemer_statusperiode",
    "rolvervulling",
    "rolvervulling_wijziging",
    "ondersteuningsrelatie",
    "audit_event",
)


async def _insert(connection: AsyncConnection, writer: BulkWriter, rows: Rows) -> None:
    for name in INSERT_ORDER:
        await writer.write(connection, name, rows.tables.get(name, []))


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


async def _prepare(engine: AsyncEngine, register: Register) -> dict[str, Any]:
    """Load the catalogue and make an API client (both through their services, audited)."""
    from registry.accounts.services import create_api_client
    from roles.services import load_catalogue_file

    clock = SystemClock()
    async with create_session_factory(engine)() as session:
        await load_catalogue_file(session, CATALOGUE_FILE, actor=ACTOR, clock=clock)
        client = await create_api_client(
            session, name="bench load client", scopes=["lookup:read", "verify"], actor=ACTOR, clock=clock
        )
    return {"bearer_token": client.bearer_token}


def _fast_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Loading a fresh file: a large page cache (random UUID keys touch every index page) and no
    fsync per commit; the pragmas last only as long as the generator's connections."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA cache_size=-1000000")
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


async def fill(
    register: Register, total: int, seed: int, audit: str, verklaringen_per_state: int
) -> dict[str, Any]:
    engine = create_engine(register.settings())
    if register.is_sqlite:
        event.listen(engine.sync_engine, "connect", _fast_sqlite)
    try:
        prepared = await _prepare(engine, register)
        existing = await _existing_tables(engine)
        tables = {name: table for name, table in _model_tables().items() if name in existing}
        if "deelnemer" not in tables:
            raise SystemExit(
                "bench generate: the database has no deelnemer table (ledenadministratie missing)"
            )
        async with engine.connect() as connection:
            head = (await connection.execute(select(AuditHead.seq, AuditHead.hash))).one()
        chain = AuditChain(seq=head.seq, hash=head.hash, enabled=audit == "full")
        writer = BulkWriter(tables, engine.dialect.name)
        builder = RegisterBuilder(total, seed, Catalogue.read(CATALOGUE_FILE), chain, set(tables))
        counts: dict[str, int] = {}
        started, started_cpu = time.perf_counter(), time.process_time()

        async def write(rows: Rows) -> None:
            for name, batch in rows.tables.items():
                counts[name] = counts.get(name, 0) + len(batch)
            async with engine.begin() as connection:
                await _insert(connection, writer, rows)
                if rows.head is not None:
                    seq, digest = rows.head
                    await connection.execute(update(AuditHead).values(seq=seq, hash=digest))

        # The plain indexes are built once at the end; batches are built in a thread while the
        # previous one is written, so the database works (outside the GIL) while Python makes rows.
        async with engine.begin() as connection:
            indexes = await bulk.secondary_indexes(connection, tables)
            await bulk.drop_indexes(connection, indexes)
        writing: asyncio.Task[None] | None = None
        for batch in [*_chunks(total, BATCH_DEELNEMERS), None]:
            rows = await asyncio.to_thread(builder.batch, batch)
            if writing is not None:
                await writing
            writing = asyncio.create_task(write(rows))
        if writing is not None:
            await writing
        async with engine.begin() as connection:
            await bulk.create_indexes(connection, indexes)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
        await _bulk_event(engine, counts, seed, total)
        verklaringen = await _generate_verklaringen(
            engine, register, builder, existing, verklaringen_per_state
        )
        if register.is_sqlite:
            async with engine.connect() as connection:
                await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
                await connection.execute(text("ANALYZE"))
        else:
            async with engine.connect() as connection:
                await connection.execute(text("ANALYZE"))
                await connection.commit()
        samples = builder.samples
        return {
            **prepared,
            "database_url": register.database_url,
            "deelnemers": total,
            "seed": seed,
            "audit": audit,
            "rows": counts,
            "insert_seconds": round(seconds, 2),
            # CPU time of the generator's own threads (SQLite works in one of them): on a shared
            # machine the wall-clock time above depends on the neighbours, this hardly does.
            "insert_cpu_seconds": round(cpu_seconds, 2),
            **verklaringen,
            "catalogue_release": builder.catalogue.release,
            "identificaties": samples.identificaties,
            "deelnemer_ids": samples.deelnemer_ids,
            "rolchecks": samples.rolchecks,
            "zoek": samples.zoek,
            "dienstverlener_regios": sorted(samples.dienstverlener_regios),
        }
    finally:
        await engine.dispose()


async def _generate_verklaringen(
    engine: AsyncEngine, register: Register, builder: RegisterBuilder, existing: set[str], per_state: int
) -> dict[str, Any]:
    """Verklaringen in every state through the real process, once the verklaringen tables exist."""
    if "verklaring" not in existing or per_state == 0:
        return {"verklaringen": {}, "verklaringen_seconds": 0.0}
    from bench import verklaringen

    started = time.perf_counter()
    counts, _geldig = await verklaringen.generate(
        engine, register.settings(), builder.rng, builder.taken[IdentificatieSoort.KVK], per_state
    )
    return {"verklaringen": counts, "verklaringen_seconds": round(time.perf_counter() - started, 2)}


async def _bulk_event(engine: AsyncEngine, counts: dict[str, int], seed: int, total: int) -> None:
    async with create_session_factory(engine)() as session, audited_write(session, ACTOR) as tx:
        tx.record(
            "ledenadministratie.bulk-ingelezen",
            "ledenadministratie",
            "bench",
            {
                "aantallen": {"before": None, "after": dict(sorted(counts.items()))},
                "seed": {"before": None, "after": seed},
                "deelnemers": {"before": None, "after": total},
            },
        )


# --- command line ------------------------------------------------------------------------------------


async def _recreate_postgres(server_url: str, database: str) -> None:
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    if not database.startswith("stelsel_bench"):
        raise SystemExit("bench generate: the PostgreSQL database name must start with stelsel_bench")
    url = make_url(server_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{database}"')
    finally:
        await connection.close()


def generate(
    register: Register,
    total: int,
    *,
    seed: int = 2026,
    audit: str = "full",
    postgres_server: str | None = None,
    verklaringen_per_state: int = 2,
) -> dict[str, Any]:
    """Make ``register`` afresh with ``total`` deelnemers; returns (and writes) its workload."""
    started = time.perf_counter()
    if register.directory.exists():
        shutil.rmtree(register.directory)
    register.data_dir.mkdir(parents=True)
    if not register.is_sqlite:
        from sqlalchemy.engine import make_url

        database = make_url(register.database_url).database or ""
        asyncio.run(_recreate_postgres(postgres_server or DEFAULT_POSTGRES_SERVER, database))
    settings = register.settings()
    migrate.upgrade(settings)
    KeyRing(settings.keys_dir).generate()
    workload = asyncio.run(fill(register, total, seed, audit, verklaringen_per_state))
    workload["generate_seconds"] = round(time.perf_counter() - started, 2)
    register.write_workload(workload)
    return workload


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--deelnemers", type=int, required=True, help="how many deelnemers (10000, 100000, …)"
    )
    parser.add_argument("--out", type=Path, required=True, help="register directory (replaced)")
    parser.add_argument(
        "--postgres", metavar="SERVER_URL", help="use PostgreSQL on this server instead of SQLite"
    )
    parser.add_argument("--database", default="stelsel_bench", help="PostgreSQL database name (recreated)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--verklaringen-per-state", type=int, default=2, help="verklaringen per process state (0: none)"
    )
    parser.add_argument(
        "--audit",
        choices=("full", "head"),
        default="full",
        help="full: one chained audit event per change; head: only the bulk-import event",
    )
    args = parser.parse_args(argv)
    if args.postgres:
        register = Register(args.out, postgres_url(args.postgres, args.database))
    else:
        register = Register.sqlite(args.out)
    workload = generate(
        register,
        args.deelnemers,
        seed=args.seed,
        audit=args.audit,
        postgres_server=args.postgres,
        verklaringen_per_state=args.verklaringen_per_state,
    )
    print(
        json.dumps(
            {key: workload[key] for key in ("deelnemers", "rows", "insert_seconds", "generate_seconds")}
        )
    )


if __name__ == "__main__":
    main()
