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

The database is migrated by the Alembic history (:func:`registry.migrate.upgrade`); the catalogue
release is loaded and the verklaringen are made through the real services. The deelnemers and
everything under them go in by bulk load (:mod:`bench.bulk`): a builder process makes the rows of
one batch of deelnemers after another, every value already in its stored form, while this process
loads the previous batch (SQLite through ``sqlite3``, PostgreSQL by ``COPY``), so both cores work.
The builder starts before the migration and works ahead while the verklaringen are made.

**Audit trail.** A register that grew by use has a long audit trail. ``--audit full`` (the
default) writes one event per deelnemer (``deelnemer.ingelezen``: its name, status, identificaties
and rolvervullingen, as an import of an existing register would record it) and one per
ondersteuningsrelatie, each chained with the hash of :func:`registry.audit.services.event_hash`
exactly as :func:`~registry.audit.services.audited_write` would, with the chain head moved along in
the same transaction as the events. The builder writes each event's canonical JSON up to the
previous hash (``seq`` and ``prev`` are its last keys); the loader completes it with the chain as it
stands after the verklaringen and hashes it (:func:`chain_hash`, byte for byte ``event_hash``).
``--audit head`` writes no per-entity events. Either way the run ends with one
``ledenadministratie.bulk-ingelezen`` event appended through ``audited_write`` (so the head is
consistent and ``verify_chain`` passes), whose changes record the counts and the seed. PostgreSQL
commits per batch, SQLite once for the whole load (without a rollback journal); the generator only
ever fills a fresh database, so a run that fails half-way is simply run again.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import hashlib
import json
import multiprocessing
import pickle
import queue
import random
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.bulk import PostgresLoader, Row, SqliteLoader, copy_text
from bench.workspace import DEFAULT_POSTGRES_SERVER, REPO_ROOT, Register, postgres_url
from registry import migrate
from registry.audit.services import Actor, audited_write
from registry.database import create_engine, create_session_factory
from registry.ledenadministratie.identifiers import IdentificatieSoort, generate_valid
from registry.signing.keys import KeyRing

CATALOGUE_FILE = REPO_ROOT / "roles" / "catalogus" / "1.2.0.toml"
ACTOR = Actor.cli("stelsel bench generate")
DIENSTVERLENER = "dienstverlener"
DIENSTVERLENER_SHARE = 0.05
SUPPORTED_PER_DIENSTVERLENER = 20
BATCH_DEELNEMERS = 2500
# batches the builder may run ahead of the loader (pickled, about 7 MB each)
AHEAD_BATCHES = 40
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
LETTERS = "ABCDEFGHJKLMNPRTVWXZ"
TELEFOON = "+31 20 123 4567"

# the columns the builder fills, per table, parents before children (the order of loading)
COLUMNS: dict[str, tuple[str, ...]] = {
    "deelnemer": (
        "id",
        "naam",
        "zoeknaam",
        "soort",
        "status",
        "regio",
        "website",
        "adres_straat",
        "adres_huisnummer",
        "adres_postcode",
        "adres_plaats",
        "created_at",
        "updated_at",
    ),
    "deelnemer_identificatie": ("id", "deelnemer_id", "soort", "waarde", "created_at", "updated_at"),
    "deelnemer_zoekterm": ("id", "deelnemer_id", "term", "created_at", "updated_at"),
    "deelnemer_contactpersoon": (
        "id",
        "deelnemer_id",
        "volgorde",
        "naam",
        "functie",
        "email",
        "telefoon",
        "created_at",
        "updated_at",
    ),
    "deelnemer_statusperiode": (
        "id",
        "deelnemer_id",
        "status",
        "vorige_status",
        "geldig_van",
        "geldig_tot",
        "reden",
        "actor_soort",
        "actor_id",
        "actor_naam",
        "geregistreerd_op",
        "created_at",
        "updated_at",
    ),
    "rolvervulling": (
        "id",
        "deelnemer_id",
        "rol_code",
        "geldig_van",
        "geldig_tot",
        "release",
        "basis_soort",
        "basis_referentie",
        "status",
        "toelichting",
        "created_at",
        "updated_at",
    ),
    "rolvervulling_wijziging": (
        "id",
        "rolvervulling_id",
        "moment",
        "soort",
        "geldig_tot",
        "reden",
        "actor_soort",
        "actor_id",
        "actor_naam",
        "created_at",
        "updated_at",
    ),
    "ondersteuningsrelatie": (
        "id",
        "dienstverlener_id",
        "deelnemer_id",
        "taken",
        "geldig_van",
        "geldig_tot",
        "status",
        "reden_einde",
        "created_at",
        "updated_at",
    ),
    "audit_event": (
        "id",
        "seq",
        "occurred_at",
        "actor_kind",
        "actor_id",
        "actor_name",
        "action",
        "entity_type",
        "entity_id",
        "changes",
        "prev_hash",
        "hash",
        "created_at",
        "updated_at",
    ),
}


def _check_vocabulary() -> None:
    """No generated value may hold what COPY's text format or JSON would have to escape."""
    words = [*PLAATSEN, *REGIOS, *STRATEN, *LETTERGREPEN, *VOORNAMEN, *FUNCTIES, *ACHTERNAMEN]
    words += [*DIENSTVERLENER_PREFIXES, ACTOR.kind, ACTOR.name, ACTOR.id or ""]
    for _share, prefixes, _extra in SOORTEN.values():
        words += prefixes
    for word in words:
        if any(teken in word for teken in '\t\n\r\\"') or not word.isprintable():
            raise ValueError(f"bench generate: {word!r} would need escaping")


_check_vocabulary()


class FastRandom(random.Random):
    """``random.Random`` drawing integers below n from one float (53 bits): uniform enough for test
    data and several times cheaper than the exact method, with the same determinism per seed."""

    def _randbelow(self, n: int) -> int:
        return int(self.random() * n)


_VERSION_4 = (0x4000 << 64) | (0x8000 << 48)
_VERSION_MASK = ((1 << 128) - 1) & ~((0xF000 << 64) | (0xC000 << 48))


def uuid_bytes(number: int) -> bytes:
    """The 16 bytes of the version-4 UUID made from ``number`` (as ``uuid.UUID(int=…, version=4)``)."""
    return ((number & _VERSION_MASK) | _VERSION_4).to_bytes(16, "big")


def uuid_text(value: bytes) -> str:
    digits = value.hex()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


_EPOCH = date(1970, 1, 1).toordinal()
_FIRST_DAY = date(2017, 1, 1).toordinal()
_END_DAY = date(2027, 1, 1).toordinal()


class Calendar:
    """Days as ordinals and moments as UTC epoch seconds, written as the databases store them
    (``YYYY-MM-DD`` and ``YYYY-MM-DD HH:MM:SS.ffffff``), from tables made once."""

    def __init__(self) -> None:
        from registry.ledenadministratie.peildatum import day_start

        days = [date.fromordinal(ordinal) for ordinal in range(_FIRST_DAY, _END_DAY)]
        self.dates = [day.isoformat() for day in days]
        # 00:00 Europe/Amsterdam (as the register stores a date boundary) in epoch seconds
        self.midnights = [int(day_start(day).timestamp()) for day in days]
        self.times = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000" for s in range(86400)]

    def date(self, ordinal: int) -> str:
        return self.dates[ordinal - _FIRST_DAY]

    def midnight(self, ordinal: int) -> int:
        return self.midnights[ordinal - _FIRST_DAY]

    def moment(self, seconds: int) -> str:
        day, rest = divmod(seconds, 86400)
        return f"{self.dates[day + _EPOCH - _FIRST_DAY]} {self.times[rest]}"

    def isoformat(self, seconds: int) -> str:
        """As ``datetime.isoformat(timespec="microseconds")`` of the aware UTC datetime."""
        day, rest = divmod(seconds, 86400)
        return f"{self.dates[day + _EPOCH - _FIRST_DAY]}T{self.times[rest]}+00:00"


def _json_list(values: Sequence[str]) -> str:
    return "[" + ",".join(map(encode_basestring, values)) + "]"


def _created(value: str) -> str:
    """A change made from nothing, as canonical JSON: ``{"after": value, "before": null}``."""
    return '{"after":' + value + ',"before":null}'


_ACTOR_JSON = json.dumps([ACTOR.kind, ACTOR.id, ACTOR.name], separators=(",", ":"), ensure_ascii=False)


def event_prefix(moment: str, action: str, entity_type: str, entity_id: str, changes: str) -> str:
    """The canonical JSON that :func:`registry.audit.services.event_hash` hashes, up to the previous
    hash: its keys are sorted, and ``prev`` and ``seq`` come last. ``moment`` is the ISO form and
    ``changes`` the canonical JSON of the changes."""
    return (
        f'{{"action":{encode_basestring(action)},"actor":{_ACTOR_JSON},"changes":{changes},'
        f'"entity":[{encode_basestring(entity_type)},{encode_basestring(entity_id)}],'
        f'"occurred_at":"{moment}","prev":"'
    )


def chain_hash(prefix: str, seq: int, prev_hash: str) -> str:
    """``event_hash`` of the event whose canonical JSON starts with ``prefix``."""
    return hashlib.sha256(f'{prefix}{prev_hash}","seq":{seq}}}'.encode()).hexdigest()


# (occurred_at as stored, action, entity_type, entity_id, changes JSON, canonical prefix)
Event = tuple[str, str, str, str, str, str]


def chain(events: Sequence[Event], seq: int, prev_hash: str) -> tuple[list[Row], int, str]:
    """The audit_event rows of ``events`` linked after (seq, prev_hash); and the new head."""
    rows: list[Row] = []
    kind, actor_id, name = ACTOR.kind, ACTOR.id, ACTOR.name
    for moment, action, entity_type, entity_id, changes, prefix in events:
        seq += 1
        digest = chain_hash(prefix, seq, prev_hash)
        rows.append(
            (
                uuid_bytes(seq),
                seq,
                moment,
                kind,
                actor_id,
                name,
                action,
                entity_type,
                entity_id,
                changes,
                prev_hash,
                digest,
                moment,
                moment,
            )
        )
        prev_hash = digest
    return rows, seq, prev_hash


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
class Samples:
    """What the load runs ask for: real identificaties, rolchecks, search prefixes, dienstverleners."""

    rng: random.Random
    seen: int = 0
    identificaties: list[str] = field(default_factory=list)
    rolchecks: list[tuple[str, str, str]] = field(default_factory=list)
    zoek: list[str] = field(default_factory=list)
    deelnemer_ids: list[bytes] = field(default_factory=list)
    dienstverlener_regios: set[str] = field(default_factory=set)

    def offer(
        self,
        identificatie: str,
        deelnemer_id: bytes,
        rolcheck: tuple[str, str, str] | None,
        zoekterm: str,
    ) -> None:
        """Reservoir sampling: every deelnemer has the same chance to be asked about."""
        self.seen += 1
        if len(self.identificaties) < SAMPLE_SIZE:
            self.identificaties.append(identificatie)
            self.deelnemer_ids.append(deelnemer_id)
            self.zoek.append(zoekterm)
            if rolcheck is not None:
                self.rolchecks.append(rolcheck)
            return
        slot = self.rng.randrange(self.seen)
        if slot < SAMPLE_SIZE:
            self.identificaties[slot] = identificatie
            self.deelnemer_ids[slot] = deelnemer_id
            self.zoek[slot] = zoekterm
            if rolcheck is not None and slot < len(self.rolchecks):
                self.rolchecks[slot] = rolcheck

    def workload(self) -> dict[str, Any]:
        return {
            "identificaties": self.identificaties,
            "deelnemer_ids": [uuid_text(value) for value in self.deelnemer_ids],
            "rolchecks": self.rolchecks,
            "zoek": self.zoek,
            "dienstverlener_regios": sorted(self.dienstverlener_regios),
        }


class RegisterBuilder:
    """Makes the rows of the register deelnemer by deelnemer, deterministically from one seed, each
    value in its stored form (see :mod:`bench.bulk`), in the column order of :data:`COLUMNS`."""

    def __init__(
        self, total: int, seed: int, catalogue: Catalogue, audit: bool, reserved_kvk: Sequence[str] = ()
    ) -> None:
        self.total = total
        self.rng = FastRandom(seed)
        self.catalogue = catalogue
        self.audit = audit
        self.calendar = Calendar()
        self.samples = Samples(FastRandom(seed + 1))
        self.taken: dict[IdentificatieSoort, set[str]] = {soort: set() for soort in IdentificatieSoort}
        self.taken[IdentificatieSoort.KVK].update(reserved_kvk)  # for the verklaringen
        self._soorten = tuple(SOORTEN)
        weights = [SOORTEN[soort][0] for soort in self._soorten]
        self._cumulative = [sum(weights[: index + 1]) for index in range(len(weights))]
        self._zoekvorm: dict[str, str] = {}
        self.dienstverleners: list[bytes] = []
        self.deelnemer_ids: list[bytes] = []  # all of them: whom dienstverleners may support
        self._verklaring_seq = 0
        self.rows: dict[str, list[Row]] = {}
        self.events: list[Event] = []
        self._stamp = (ACTOR.kind, ACTOR.id, ACTOR.name)
        self._aangemeld = (date(2018, 1, 1).toordinal(), date(2025, 6, 1).toordinal())
        self._anchor = ANCHOR.toordinal()
        self._anchor_utc = (self._anchor - _EPOCH) * 86400

    # -- pieces ------------------------------------------------------------------------------

    def _uuid(self) -> bytes:
        return ((self.rng.getrandbits(128) & _VERSION_MASK) | _VERSION_4).to_bytes(16, "big")

    def _identificatie(self, soort: IdentificatieSoort) -> str:
        used = self.taken[soort]
        while True:
            waarde = generate_valid(soort, self.rng).waarde
            if waarde not in used:
                used.add(waarde)
                return waarde

    def _day(self, start: int, end: int) -> int:
        """A day (ordinal) from ``start`` up to, not including, ``end``."""
        return start + int(self.rng.random() * max(end - start, 1))

    def _moment(self, day: int) -> int:
        """Office hours on ``day`` (Europe/Amsterdam), in UTC epoch seconds."""
        return self.calendar.midnight(day) + 8 * 3600 + int(self.rng.random() * 9 * 3600)

    def _fold(self, naam: str) -> str:
        from registry.ledenadministratie.naam import fold

        return fold(naam)

    # -- batches -----------------------------------------------------------------------------

    def batch(self, indexes: range | None) -> tuple[dict[str, list[Row]], list[Event]]:
        """The rows and audit events of these deelnemers; ``None``: the ondersteuningsrelaties, once
        all deelnemers exist. Each dienstverlener supports about twenty deelnemers drawn from the
        whole register."""
        self.rows = {table: [] for table in COLUMNS if table != "audit_event"}
        self.events = []
        if indexes is not None:
            for index in indexes:
                self.deelnemer(index)
        else:
            # the whole register, not the sample the load runs ask about: drawn from those 20,000,
            # each would be supported by ~50 dienstverleners at 1M and its answer grow with the register
            population = self.deelnemer_ids
            choice = self.rng.choice
            for dienstverlener in self.dienstverleners:
                supported = {choice(population) for _ in range(SUPPORTED_PER_DIENSTVERLENER)}
                self.ondersteuning(dienstverlener, sorted(supported))
        return self.rows, self.events

    # -- one deelnemer -----------------------------------------------------------------------

    def deelnemer(self, index: int) -> None:
        """A deelnemer with its search terms, identificaties, contacts, status and role history."""
        from registry.ledenadministratie.naam import tails

        random_, calendar, rows = self.rng.random, self.calendar, self.rows
        is_dienstverlener = random_() < DIENSTVERLENER_SHARE
        if is_dienstverlener:
            soort = "softwareleverancier"
            prefixes = DIENSTVERLENER_PREFIXES
        else:
            position = bisect.bisect(self._cumulative, random_() * self._cumulative[-1])
            soort = self._soorten[min(position, len(self._soorten) - 1)]
            prefixes = SOORTEN[soort][1]
        plaats = PLAATSEN[int(random_() * len(PLAATSEN))]
        fantasy = "".join(
            LETTERGREPEN[int(random_() * len(LETTERGREPEN))] for _ in range(2 + (random_() < 0.5))
        ).capitalize()
        naam = f"{prefixes[int(random_() * len(prefixes))]} {fantasy} {plaats}"
        deelnemer_id = self._uuid()
        self.deelnemer_ids.append(deelnemer_id)
        aangemeld = self._day(*self._aangemeld)
        moment = self._moment(aangemeld)
        stamp = calendar.moment(moment)
        history = self._status_history()
        status = history[-1]
        regio = REGIOS[int(random_() * len(REGIOS))]
        if is_dienstverlener:
            self.samples.dienstverlener_regios.add(regio)
            self.dienstverleners.append(deelnemer_id)
        lower = fantasy.lower()
        zoeknaam = self._fold(naam)
        rows["deelnemer"].append(
            (
                deelnemer_id,
                naam,
                zoeknaam,
                soort,
                status,
                regio,
                f"https://www.{lower}.example.nl",
                STRATEN[int(random_() * len(STRATEN))],
                str(1 + int(random_() * 250)),
                f"{1000 + int(random_() * 9000)}{LETTERS[int(random_() * 20)]}{LETTERS[int(random_() * 20)]}",
                plaats,
                stamp,
                stamp,
            )
        )
        append = rows["deelnemer_zoekterm"].append
        for term in tails(zoeknaam):
            append((self._uuid(), deelnemer_id, term, stamp, stamp))
        identificaties = self._identificaties(soort, is_dienstverlener)
        append = rows["deelnemer_identificatie"].append
        for id_soort, waarde in identificaties:
            append((self._uuid(), deelnemer_id, id_soort, waarde, stamp, stamp))
        append = rows["deelnemer_contactpersoon"].append
        for volgorde in range(1 + (random_() < 0.5)):
            append(
                (
                    self._uuid(),
                    deelnemer_id,
                    volgorde,
                    f"{VOORNAMEN[int(random_() * len(VOORNAMEN))]} "
                    f"{ACHTERNAMEN[int(random_() * len(ACHTERNAMEN))]}",
                    FUNCTIES[int(random_() * len(FUNCTIES))],
                    f"contact{volgorde}@{lower}.example.nl",
                    TELEFOON,
                    stamp,
                    stamp,
                )
            )
        self._statusperiodes(deelnemer_id, history, moment)
        kvk = f"kvk:{identificaties[0][1]}"
        granted, rolcheck = self._rolvervullingen(deelnemer_id, index, aangemeld + 30, is_dienstverlener)
        if self.audit:
            changes = (
                f'{{"identificaties":{_created(_json_list([f"{s}:{w}" for s, w in identificaties]))},'
                f'"naam":{_created(encode_basestring(naam))},'
                f'"rolvervullingen":{_created(_json_list(granted))},'
                f'"status":{_created(encode_basestring(status))}}}'
            )
            entity_id = uuid_text(deelnemer_id)
            self.events.append(
                (
                    stamp,
                    "deelnemer.ingelezen",
                    "deelnemer",
                    entity_id,
                    changes,
                    event_prefix(
                        calendar.isoformat(moment), "deelnemer.ingelezen", "deelnemer", entity_id, changes
                    ),
                )
            )
        offered = (kvk, *rolcheck) if rolcheck is not None and status == "actief" else None
        self.samples.offer(kvk, deelnemer_id, offered, lower[:5])

    def _status_history(self) -> tuple[str, ...]:
        """``aangemeld`` then mostly ``actief``; some geschorst (and back), some beeindigd."""
        roll = self.rng.random()
        if roll < 0.05:
            return ("aangemeld",)
        if roll < 0.08:
            return ("aangemeld", "actief", "geschorst")
        if roll < 0.10:
            return ("aangemeld", "actief", "geschorst", "actief")
        if roll < 0.15:
            return ("aangemeld", "actief", "beeindigd")
        return ("aangemeld", "actief")

    def _identificaties(self, soort: str, is_dienstverlener: bool) -> list[tuple[str, str]]:
        """A KvK-nummer first, then the soort's usual other identificaties."""
        found = [("kvk", self._identificatie(IdentificatieSoort.KVK))]
        if is_dienstverlener:
            return [*found, ("oin", self._identificatie(IdentificatieSoort.OIN))]
        for extra, chance in SOORTEN[soort][2]:
            if self.rng.random() < chance:
                found.append((extra.value, self._identificatie(extra)))
        return found

    def _statusperiodes(self, deelnemer_id: bytes, history: tuple[str, ...], aangemeld_op: int) -> None:
        """One period per status, each change some months after the previous one, all before ANCHOR."""
        moment_text = self.calendar.moment
        append = self.rows["deelnemer_statusperiode"].append
        moment, vorige = aangemeld_op, None
        last = len(history) - 1
        for position, status in enumerate(history):
            volgende = None if position == last else moment + 86400 * (20 + int(self.rng.random() * 181))
            if volgende is not None and volgende >= self._anchor_utc:
                volgende = self.calendar.midnight(self._anchor) - 86400 * (len(history) - position)
            van = moment_text(moment)
            append(
                (
                    self._uuid(),
                    deelnemer_id,
                    status,
                    vorige,
                    van,
                    None if volgende is None else moment_text(volgende),
                    "Ingelezen uit het bestaande register",
                    *self._stamp,
                    van,
                    van,
                    van,
                )
            )
            vorige = status
            moment = volgende or moment

    def _wijziging(self, rolvervulling_id: bytes, moment: int, soort: str, tot: str | None) -> None:
        stamp = self.calendar.moment(moment)
        self.rows["rolvervulling_wijziging"].append(
            (
                self._uuid(),
                rolvervulling_id,
                stamp,
                soort,
                tot,
                "Toegekend" if soort == "toegekend" else "Rol niet langer nodig",
                *self._stamp,
                stamp,
                stamp,
            )
        )

    def _rolvervullingen(
        self, deelnemer_id: bytes, index: int, actief_sinds: int, is_dienstverlener: bool
    ) -> tuple[list[str], tuple[str, str] | None]:
        """Two current rolvervullingen and one ended, with their history; returns what was granted
        and a (rol, peildatum) at which the deelnemer holds a role."""
        calendar, catalogue = self.calendar, self.catalogue
        rollen = self.rng.sample(catalogue.rollen, 3)
        if is_dienstverlener:
            rollen[0] = DIENSTVERLENER
        rolcheck: tuple[str, str] | None = None
        granted: list[str] = []
        append = self.rows["rolvervulling"].append
        for position, rol in enumerate(rollen):
            van = self._day(actief_sinds, self._anchor - 60)
            tot = self._day(van + 10, self._anchor) if position == 2 else None
            rolvervulling_id = self._uuid()
            toegekend = self._moment(van)
            stamp = calendar.moment(toegekend)
            van_text = calendar.date(van)
            tot_text = None if tot is None else calendar.date(tot)
            verklaring = rol in catalogue.verklaring_rollen or rol == DIENSTVERLENER
            year = van_text[:4]
            if verklaring:
                self._verklaring_seq += 1
                referentie = f"VKL-{year}-{self._verklaring_seq:06d}"
            else:
                referentie = f"BES-{year}-{index:07d}-{position}"
            append(
                (
                    rolvervulling_id,
                    deelnemer_id,
                    rol,
                    van_text,
                    tot_text,
                    catalogue.release,
                    "verklaring" if verklaring else "besluit",
                    referentie,
                    "beeindigd" if tot else "actief",
                    None,
                    stamp,
                    stamp,
                )
            )
            self._wijziging(rolvervulling_id, toegekend, "toegekend", None)
            if tot is not None:
                self._wijziging(rolvervulling_id, self._moment(tot - 1), "beeindigd", tot_text)
            granted.append(f"{rol} {van_text}/{tot_text or ''}")
            if rolcheck is None and tot is None:
                rolcheck = (rol, calendar.date(self._day(van, self._anchor)))
        return granted, rolcheck

    def ondersteuning(self, dienstverlener: bytes, supported: Sequence[bytes]) -> None:
        rng, calendar = self.rng, self.calendar
        taken = self.catalogue.dienstverlener_taken
        dienstverlener_text = uuid_text(dienstverlener)
        start, end = date(2019, 1, 1).toordinal(), self._anchor - 30
        append = self.rows["ondersteuningsrelatie"].append
        for deelnemer_id in supported:
            if deelnemer_id == dienstverlener:
                continue
            van = self._day(start, end)
            ended = rng.random() < 0.15
            tot = self._day(van + 10, self._anchor) if ended else None
            relatie_id = self._uuid()
            moment = self._moment(van)
            stamp = calendar.moment(moment)
            append(
                (
                    relatie_id,
                    dienstverlener,
                    deelnemer_id,
                    _json_list(sorted(rng.sample(taken, min(len(taken), rng.randint(1, 4))))),
                    calendar.date(van),
                    None if tot is None else calendar.date(tot),
                    "beeindigd" if ended else "actief",
                    "Contract beëindigd" if ended else None,
                    stamp,
                    stamp,
                )
            )
            if self.audit:
                entity_id = uuid_text(relatie_id)
                changes = (
                    f'{{"deelnemer":{_created(encode_basestring(uuid_text(deelnemer_id)))},'
                    f'"dienstverlener":{_created(encode_basestring(dienstverlener_text))}}}'
                )
                action, entity_type = "ondersteuningsrelatie.aangegaan", "ondersteuningsrelatie"
                self.events.append(
                    (
                        stamp,
                        action,
                        entity_type,
                        entity_id,
                        changes,
                        event_prefix(calendar.isoformat(moment), action, entity_type, entity_id, changes),
                    )
                )


# --- the builder process -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """What the builder process makes: the register's size and seed, and the form of its output."""

    total: int
    seed: int
    audit: bool
    postgres: bool
    reserved_kvk: tuple[str, ...]


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def build(plan: Plan, connection: Connection) -> None:
    """The builder process: batch after batch, pickled, sent by a thread of its own so that
    building goes on while the loader is busy (at most :data:`AHEAD_BATCHES` ahead). A batch is
    ``("batch", rows per table, audit events)``, rows as tuples for SQLite or COPY text for
    PostgreSQL; the last message is ``("done", counts and the load runs' samples)``."""
    started = time.process_time()
    builder = RegisterBuilder(
        plan.total, plan.seed, Catalogue.read(CATALOGUE_FILE), plan.audit, plan.reserved_kvk
    )
    outbox: queue.Queue[bytes | None] = queue.Queue(AHEAD_BATCHES)

    def send() -> None:
        while (blob := outbox.get()) is not None:
            connection.send_bytes(blob)

    sender = threading.Thread(target=send, name="bench-generate-send")
    sender.start()
    try:
        for indexes in [*_chunks(plan.total, BATCH_DEELNEMERS), None]:
            rows, events = builder.batch(indexes)
            payload: dict[str, Any] = (
                {table: copy_text(batch) for table, batch in rows.items()} if plan.postgres else rows
            )
            counts = {table: len(batch) for table, batch in rows.items()}
            outbox.put(pickle.dumps(("batch", payload, events, counts), protocol=pickle.HIGHEST_PROTOCOL))
        summary = {
            "samples": builder.samples.workload(),
            "cpu_seconds": time.process_time() - started,
        }
        outbox.put(pickle.dumps(("done", summary, [], {}), protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        outbox.put(None)
        sender.join()
        connection.close()


class BuilderProcess:
    """The builder, started in a process of its own (spawned: no state shared with this one)."""

    def __init__(self, plan: Plan) -> None:
        context = multiprocessing.get_context("spawn")
        receiving, sending = context.Pipe(duplex=False)
        self.process = context.Process(target=build, args=(plan, sending), name="bench-generate-build")
        self.process.start()
        sending.close()  # the builder's end: so that its exit ends our reading
        self.connection = receiving

    def receive(self) -> tuple[str, Any, list[Event], dict[str, int]]:
        try:
            message: tuple[str, Any, list[Event], dict[str, int]] = pickle.loads(self.connection.recv_bytes())
        except EOFError:
            self.process.join()
            raise RuntimeError(
                f"bench generate: the builder stopped (exit code {self.process.exitcode})"
            ) from None
        return message

    def close(self) -> None:
        self.connection.close()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


# --- database ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Loaded:
    counts: dict[str, int] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    def add(self, counts: dict[str, int]) -> None:
        for table, count in counts.items():
            if count:
                self.counts[table] = self.counts.get(table, 0) + count


def _load_sqlite(path: Path, builder: BuilderProcess) -> Loaded:
    loaded = Loaded()
    loader = SqliteLoader(path, COLUMNS)
    seq, prev = loader.audit_head()
    while True:
        kind, payload, events, counts = builder.receive()
        if kind == "done":
            loaded.summary = payload
            break
        if events:
            payload["audit_event"], seq, prev = chain(events, seq, prev)
            counts["audit_event"] = len(events)
        loader.write(payload, COLUMNS, (seq, prev))
        loaded.add(counts)
    loader.finish()
    return loaded


async def _load_postgres(database_url: str, builder: BuilderProcess) -> Loaded:
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        loaded = Loaded()
        loader = PostgresLoader(connection, COLUMNS)
        await loader.start()
        seq, prev = await loader.audit_head()
        pending = asyncio.create_task(asyncio.to_thread(builder.receive))
        while True:
            kind, payload, events, counts = await pending
            if kind == "done":
                loaded.summary = payload
                break
            pending = asyncio.create_task(asyncio.to_thread(builder.receive))
            if events:
                rows, seq, prev = chain(events, seq, prev)
                payload["audit_event"] = copy_text(rows)
                counts["audit_event"] = len(events)
            await loader.write(payload, COLUMNS, (seq, prev))
            loaded.add(counts)
        await loader.finish()
        return loaded
    finally:
        await connection.close()


async def _existing_tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    return set(names)


async def _prepare(engine: AsyncEngine) -> dict[str, Any]:
    """Load the catalogue and make an API client (both through their services, audited)."""
    from registry.accounts.services import create_api_client
    from registry.clock import SystemClock
    from roles.services import load_catalogue_file

    clock = SystemClock()
    async with create_session_factory(engine)() as session:
        await load_catalogue_file(session, CATALOGUE_FILE, actor=ACTOR, clock=clock)
        client = await create_api_client(
            session, name="bench load client", scopes=["lookup:read", "verify"], actor=ACTOR, clock=clock
        )
    return {"bearer_token": client.bearer_token}


def reserved_kvk(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct KvK-nummers for the verklaringen, kept out of the bulk-loaded register."""
    found: list[str] = []
    while len(found) < count:
        waarde = generate_valid(IdentificatieSoort.KVK, rng).waarde
        if waarde not in found:
            found.append(waarde)
    return found


async def fill(
    register: Register,
    builder: BuilderProcess,
    seed: int,
    total: int,
    verklaringen_rng: random.Random,
    verklaringen_kvk: list[str],
    verklaringen_per_state: int,
) -> dict[str, Any]:
    """The services' part (catalogue, API client, verklaringen) while the builder works ahead; then
    the bulk load; then the closing audit event and the planner statistics."""
    engine = create_engine(register.settings())
    try:
        prepared = await _prepare(engine)
        existing = await _existing_tables(engine)
        missing = sorted(set(COLUMNS) - existing)
        if missing:
            raise SystemExit(f"bench generate: the database has no table {', '.join(missing)}")
        verklaringen = await _generate_verklaringen(
            engine, register, existing, verklaringen_rng, verklaringen_kvk, verklaringen_per_state
        )
    finally:
        await engine.dispose()  # the load takes the SQLite file out of WAL mode: no other connection
    started, started_cpu = time.perf_counter(), time.process_time()
    if register.is_sqlite:
        loaded = await asyncio.to_thread(_load_sqlite, register.sqlite_path, builder)
    else:
        loaded = await _load_postgres(register.database_url, builder)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
    counts = dict(sorted(loaded.counts.items(), key=lambda item: list(COLUMNS).index(item[0])))
    engine = create_engine(register.settings())
    try:
        await _bulk_event(engine, counts, seed, total)
        async with engine.connect() as connection:
            if register.is_sqlite:
                await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            await connection.execute(text("ANALYZE"))
            await connection.commit()
    finally:
        await engine.dispose()
    catalogue = Catalogue.read(CATALOGUE_FILE)
    return {
        **prepared,
        "database_url": register.database_url,
        "deelnemers": total,
        "seed": seed,
        "rows": counts,
        "insert_seconds": round(seconds, 2),
        # CPU time of the load: this process's and the builder process's (all of it, also what it
        # built ahead while the verklaringen were made); the database server's own is not counted.
        "insert_cpu_seconds": round(cpu_seconds + loaded.summary["cpu_seconds"], 2),
        **verklaringen,
        "catalogue_release": catalogue.release,
        **loaded.summary["samples"],
    }


async def _generate_verklaringen(
    engine: AsyncEngine,
    register: Register,
    existing: set[str],
    rng: random.Random,
    kvks: list[str],
    per_state: int,
) -> dict[str, Any]:
    """Verklaringen in every state through the real process, once the verklaringen tables exist."""
    if "verklaring" not in existing or per_state == 0:
        return {"verklaringen": {}, "verklaringen_seconds": 0.0}
    from bench import verklaringen

    started = time.perf_counter()
    counts, _geldig = await verklaringen.generate(
        engine, register.settings(), rng, iter(kvks).__next__, per_state
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
    import asyncpg
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
    from bench.verklaringen import kvk_needed

    started = time.perf_counter()
    verklaringen_rng = random.Random(seed + 2)
    verklaringen_kvk = reserved_kvk(verklaringen_rng, kvk_needed(verklaringen_per_state))
    plan = Plan(total, seed, audit == "full", not register.is_sqlite, tuple(verklaringen_kvk))
    builder = BuilderProcess(plan)  # builds while the database is made, migrated and given verklaringen
    try:
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
        workload = asyncio.run(
            fill(register, builder, seed, total, verklaringen_rng, verklaringen_kvk, verklaringen_per_state)
        )
    finally:
        builder.close()
    workload["audit"] = audit
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
        register = Register.sqlite(args.out.resolve())  # as the suite names it: reusable there
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
