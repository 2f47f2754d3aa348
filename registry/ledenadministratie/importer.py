"""Importing deelnemers from a CSV file: ``stelsel import deelnemers FILE.csv`` and the upload page.

The file is UTF-8 (a byte order mark is fine) with a header regel naming the columns of
:data:`KOLOMMEN`; the separator (comma, semicolon, tab or ``|``) is recognised from the header.
Every regel is checked with the rules of a single registration
(:func:`~registry.ledenadministratie.services.deelnemers.check_nieuwe_deelnemer`), and every
identificatie must be new: not used twice in the file, not held by a deelnemer in the register.

All or nothing: the deelnemers are registered (status ``aangemeld``) in one
:func:`~registry.audit.services.audited_write` only when no regel has a problem; otherwise nothing is
written and the :class:`~registry.ledenadministratie.schemas.Importverslag` names every problem by
regel and kolom. A ``proef`` (dry run) checks the same and writes nothing.

Audit: an import is one change to the register, recorded as such. Each batch of deelnemers gets one
``deelnemers.aangemeld`` event (entity ``import``) that lists their ids and regels, and the import one
``deelnemers.geimporteerd`` event with the number of deelnemers, the file name and its SHA-256; each
deelnemer's first status period says which file and regel it came from. (An event per deelnemer would
cost a third of the import's time.) The public change feed shows the batches with their deelnemer ids.

The file is read as a stream and handled in batches of :data:`BATCH` regels: one plain query per batch
asks which identificaties the register already holds (deelnemers are read only for those), one insert
per table writes the batch, and the batch's audit events are appended to the chain at once
(:meth:`WriteTransaction.append_recorded`).

Speed (100,000 regels are a normal import): what can be worked out once is. The header decides once
where each input stands in a regel; each table's rows are tuples in the order of its ``INSERT``, with
the values every row shares (timestamps, status, the actor of the status period) converted once and
only ids and the regel's own values added per row.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import operator
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Final, TextIO

from sqlalchemy import select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import Actor, WriteTransaction, audited_write
from registry.bulk import OrderedIds, Tabelschrijver, large_page_cache
from registry.clock import Clock
from registry.database import Base
from registry.errors import ValidationFailed
from registry.ledenadministratie.identifiers import IdentificatieSoort
from registry.ledenadministratie.models import (
    Contactpersoon,
    Deelnemer,
    DeelnemerIdentificatie,
    DeelnemerStatus,
    Statusperiode,
    Zoekterm,
)
from registry.ledenadministratie.schemas import (
    AdresInvoer,
    ContactpersoonInvoer,
    DeelnemerCreate,
    IdentificatieInvoer,
    Importprobleem,
    Importverslag,
)
from registry.ledenadministratie.services.deelnemers import (
    AANGEMELD_REDEN,
    NieuweDeelnemer,
    check_nieuwe_deelnemer,
    periode_values,
    zoekterm_values,
)
from registry.ledenadministratie.services.queries import holders_of

BATCH: Final = 1000
MAX_PROBLEMEN: Final = 1000
IMPORT_ENTITY: Final = "import"
SEPARATORS: Final = (",", ";", "\t", "|")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Kolom:
    """A column of the import file: its name in the header, what it holds, and whether it must be there."""

    naam: str
    uitleg: str
    verplicht: bool = False


KOLOMMEN: Final = (
    Kolom("naam", "Naam van de organisatie.", verplicht=True),
    Kolom(
        "soort",
        "Soort organisatie: gemeente, zorgaanbieder, jeugdhulpaanbieder, politie, veilig-thuis, "
        "gecertificeerde-instelling, onderwijs, softwareleverancier of overig.",
        verplicht=True,
    ),
    Kolom(
        "identificaties",
        "Eén of meer identificaties als soort:nummer, gescheiden door een puntkomma, bijvoorbeeld "
        "kvk:12345678;oin:00000003123456780000. Soorten: kvk, vestigingsnummer, rsin, oin, ura, agb. "
        "Deze kolom of ten minste één kolom per soort is verplicht.",
    ),
    *(
        Kolom(soort.value, f"{soort.label}, als u liever één kolom per soort gebruikt.")
        for soort in IdentificatieSoort
    ),
    Kolom("straat", "Adres: straat. Vul straat, huisnummer, postcode en plaats alle vier in, of geen."),
    Kolom("huisnummer", "Adres: huisnummer met eventuele toevoeging, zoals 12a of 12-3."),
    Kolom("postcode", "Adres: postcode, zoals 1234 AB."),
    Kolom("plaats", "Adres: plaats."),
    Kolom("regio", "Regio, bijvoorbeeld de jeugdzorgregio of veiligheidsregio."),
    Kolom("website", "Webadres, zoals https://www.voorbeeld.nl."),
    Kolom("contact_naam", "Contactpersoon: naam. Vul naam, functie en e-mailadres in, of laat alle leeg."),
    Kolom("contact_functie", "Contactpersoon: functie of rol."),
    Kolom("contact_email", "Contactpersoon: e-mailadres."),
    Kolom("contact_telefoon", "Contactpersoon: telefoonnummer (niet verplicht)."),
)
"""The columns the import reads, in the order of the template and the export."""

GENEGEERD: Final = ("id", "status")
"""Columns of an export that the import reads but ignores: a deelnemer gets a new id and starts as
aangemeld."""

_KOLOMNAMEN = frozenset(kolom.naam for kolom in KOLOMMEN)
_IDENTIFICATIEKOLOMMEN = ("identificaties", *(soort.value for soort in IdentificatieSoort))
_ADRES = {"straat": "adres.straat", "huisnummer": "adres.huisnummer", "postcode": "adres.postcode",
          "plaats": "adres.plaats"}  # fmt: skip
_CONTACT = ("naam", "functie", "email", "telefoon")
# Where a problem the service names by field belongs in the file.
_VELD_KOLOM = {
    "naam": "naam", "soort": "soort", "regio": "regio", "website": "website",
    **{veld: kolom for kolom, veld in _ADRES.items()},
    **{f"contactpersonen[0].{veld}": f"contact_{veld}" for veld in _CONTACT},
}  # fmt: skip


def aantal(n: int, enkelvoud: str, meervoud: str) -> str:
    """``1 veld``, ``2 velden``."""
    return f"{n} {enkelvoud if n == 1 else meervoud}"


class _Afgebroken(Exception):
    """Raised inside the write to roll it back when a regel has a problem."""


@dataclass
class _Verslag:
    """The report as it is being built."""

    proef: bool
    regels: int = 0
    aangemeld: int = 0
    problemen: list[Importprobleem] = field(default_factory=list)
    weggelaten: int = 0

    def probleem(self, regel: int, kolom: str, melding: str) -> None:
        if len(self.problemen) < MAX_PROBLEMEN:
            self.problemen.append(Importprobleem(regel=regel, kolom=kolom, melding=melding))
        else:
            self.weggelaten += 1

    def af(self) -> Importverslag:
        return Importverslag(
            regels=self.regels,
            aangemeld=0 if self.problemen or self.proef else self.aangemeld,
            proef=self.proef,
            # In the order of the file: by regel, then by kolom (the whole regel first).
            problemen=sorted(self.problemen, key=lambda p: (p.regel, p.kolom)),
            weggelaten=self.weggelaten,
        )


# --- reading the file --------------------------------------------------------------------------------


def _encoding_problem(head: bytes) -> tuple[int, str] | None:
    """The regel where the start of the file stops being UTF-8, and why; ``None`` when it is UTF-8."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return 1, "Het bestand is in UTF-16 opgeslagen, niet in UTF-8. Sla het op als 'CSV UTF-8'."
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        return head[: exc.start].count(b"\n") + 1, (
            f"Het bestand is niet in UTF-8 gecodeerd: deze regel bevat byte 0x{head[exc.start]:02X} "
            "(bijvoorbeeld een letter met accent uit Windows-1252). Sla het bestand op als 'CSV UTF-8' "
            "en probeer het opnieuw."
        )
    return None


def _kolomnaam(tekst: str) -> str:
    return tekst.strip().lower().replace(" ", "_").replace("-", "_")


def _separator(kopregel: str) -> str:
    """The separator under which the header names the most known columns."""

    def bekend(separator: str) -> int:
        cells = next(csv.reader([kopregel], delimiter=separator), [])
        return sum(_kolomnaam(cell) in _KOLOMNAMEN for cell in cells)

    return max(SEPARATORS, key=bekend)


def _separator_naam(separator: str) -> str:
    return {",": "komma", ";": "puntkomma", "\t": "tab", "|": "verticale streep"}[separator]


def _header_problems(kolommen: list[str], separator: str) -> list[str]:
    """What is wrong with the header: unknown, doubled and missing columns."""
    problems = []
    bekend = _KOLOMNAMEN | set(GENEGEERD)
    onbekend = [kolom for kolom in kolommen if kolom not in bekend]
    dubbel = sorted({kolom for kolom in kolommen if kolom and kolommen.count(kolom) > 1})
    ontbrekend = [k.naam for k in KOLOMMEN if k.verplicht and k.naam not in kolommen]
    if not any(kolom in kolommen for kolom in _IDENTIFICATIEKOLOMMEN):
        ontbrekend.append("identificaties (of een kolom per soort: kvk, oin, …)")
    if not set(kolommen) & _KOLOMNAMEN:
        return [
            f"De kopregel noemt geen bekende kolommen (gelezen met {_separator_naam(separator)} als "
            f"scheidingsteken). Verwacht, gescheiden door komma's of puntkomma's: "
            f"{', '.join(k.naam for k in KOLOMMEN)}."
        ]
    if onbekend:
        problems.append(
            f"Onbekende kolommen: {', '.join(repr(k) for k in onbekend)}. "
            f"Bekende kolommen: {', '.join(k.naam for k in KOLOMMEN)}."
        )
    if dubbel:
        problems.append(f"Deze kolommen staan er meer dan eens: {', '.join(dubbel)}.")
    if ontbrekend:
        problems.append(f"Deze kolommen ontbreken: {', '.join(ontbrekend)}.")
    return problems


def _cell(tekst: str) -> str:
    """A cell as typed: an apostrophe that an export put before a formula-like value is removed."""
    if tekst.startswith("'") and tekst[1:2].startswith(_FORMULA_STARTS):
        return tekst[1:]
    return tekst


def _not_utf8(cells: list[str]) -> int | None:
    """The index of the first cell holding bytes that were not UTF-8 (read as surrogates)."""
    if "".join(cells).isascii():  # the common case, answered without looking at each cell
        return None
    for index, cell in enumerate(cells):
        if not cell.isascii():
            try:
                cell.encode("utf-8")
            except UnicodeEncodeError:
                return index
    return None


# --- one regel -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Regel:
    nummer: int
    nieuw: NieuweDeelnemer
    bronnen: dict[tuple[str, str], str]  # which column each identificatie came from


# The cells :func:`_invoer` reads, in this order, before the identificatie column of each soort.
_VELDEN = (
    "naam", "soort", "identificaties", *_ADRES, "regio", "website", *(f"contact_{veld}" for veld in _CONTACT),
)  # fmt: skip
_SOORTKOLOMMEN = tuple(IdentificatieSoort)


def _indeling(kolommen: list[str]) -> Callable[[list[str]], tuple[str, ...]]:
    """Picks the cells of :data:`_VELDEN` and the soort columns out of a regel of a file with these
    columns, worked out once from the header: a column the file lacks reads as empty."""
    plaats = {kolom: index for index, kolom in enumerate(kolommen)}
    leeg = len(kolommen)  # the empty cell put after the regel's own
    kies = operator.itemgetter(*(plaats.get(kolom, leeg) for kolom in (*_VELDEN, *_SOORTKOLOMMEN)))
    return lambda cells: kies([*cells[:leeg], ""])


def _invoer(waarden: tuple[str, ...]) -> tuple[DeelnemerCreate, list[str]]:
    """The service input of one regel (its cells picked by :func:`_indeling`), and for each
    identificatie the column it came from."""
    velden, per_soort = waarden[: len(_VELDEN)], waarden[len(_VELDEN) :]
    naam, soort, lijst, straat, huisnummer, postcode, plaats, regio, website, *contact = velden
    identificaties: list[IdentificatieInvoer] = []
    bronnen: list[str] = []
    for item in lijst.replace("\n", ";").split(";"):
        if item.strip():
            soort_, _, waarde = item.strip().partition(":")
            identificaties.append(IdentificatieInvoer(soort=soort_, waarde=waarde))
            bronnen.append("identificaties")
    for kolom, waarde in zip(_SOORTKOLOMMEN, per_soort, strict=True):
        if waarde.strip():
            identificaties.append(IdentificatieInvoer(soort=kolom.value, waarde=waarde))
            bronnen.append(kolom.value)
    invoer = DeelnemerCreate(
        naam=naam,
        soort=soort,
        identificaties=identificaties,
        adres=AdresInvoer(straat=straat, huisnummer=huisnummer, postcode=postcode, plaats=plaats),
        regio=regio,
        website=website,
        contactpersonen=[ContactpersoonInvoer(*contact)] if "".join(contact).strip() else [],
    )
    return invoer, bronnen


def _kolom_van(veld: str, bronnen: list[str]) -> str:
    """The column of a field the service named (``identificaties[1].waarde`` → that item's column)."""
    if veld.startswith("identificaties["):
        index = int(veld[len("identificaties[") : veld.index("]")])
        return bronnen[index] if index < len(bronnen) else "identificaties"
    if veld == "identificaties":
        return next((bron for bron in bronnen), "identificaties")
    return _VELD_KOLOM.get(veld, veld)


def _regel(nummer: int, waarden: tuple[str, ...], verslag: _Verslag, now: datetime) -> _Regel | None:
    """One regel checked by the service's rules; its problems go into the report."""
    invoer, bronnen = _invoer(waarden)
    try:
        nieuw = check_nieuwe_deelnemer(invoer, now)
    except ValidationFailed as exc:
        for param in exc.invalid_params:
            melding = param.reason
            if param.code == "duplicate":
                melding = melding.split(" staat al op regel")[0] + " staat twee keer in deze regel."
            verslag.probleem(nummer, _kolom_van(param.name, bronnen), melding)
        return None
    # A regel that passed has every identificatie valid and once, in the order given.
    herkomst = {
        (i.soort.value, i.waarde): bron for i, bron in zip(nieuw.identificaties, bronnen, strict=True)
    }
    return _Regel(nummer, nieuw, herkomst)


# --- the import -----------------------------------------------------------------------------------------


@dataclass
class _Lezer:
    """Reads the file regel by regel and checks each; collects a batch of good regels."""

    bron: IO[bytes]
    verslag: _Verslag
    now: datetime
    sha256: hashlib._Hash = field(default_factory=hashlib.sha256)

    def regels(self) -> Iterator[_Regel]:
        head = self.bron.read(65536)
        self.bron.seek(0)
        if (problem := _encoding_problem(head)) is not None:
            self.verslag.probleem(problem[0], "", problem[1])
            return
        # Bytes that are not UTF-8 further on become surrogates, so that the regel and cel can be named.
        buffered = io.BufferedReader(_Hashing(self.bron, self.sha256), buffer_size=65536)
        tekst = io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="surrogateescape", newline="")
        try:
            yield from self._lees(tekst)
        finally:
            tekst.detach()

    def _lees(self, tekst: TextIO) -> Iterator[_Regel]:
        kopregel = tekst.readline()
        if not kopregel.strip():
            self.verslag.probleem(1, "", "Het bestand is leeg: de eerste regel moet de kolomnamen noemen.")
            return
        separator = _separator(kopregel)
        kolommen = [_kolomnaam(cell) for cell in next(csv.reader([kopregel], delimiter=separator))]
        header_problems = _header_problems(kolommen, separator)
        for problem in header_problems:
            self.verslag.probleem(1, "", problem)
        if header_problems:
            return
        reader = csv.reader(tekst, delimiter=separator, strict=True)
        kies = _indeling(kolommen)
        nummer = 1
        try:
            for cells in reader:
                nummer += 1
                if not "".join(cells).strip():  # an empty regel
                    continue
                self.verslag.regels += 1
                if (regel := self._cells(nummer, cells, kolommen, separator, kies)) is not None:
                    yield regel
        except csv.Error as exc:
            self.verslag.probleem(
                nummer + 1, "", f"Deze regel is geen geldige CSV ({exc}); het lezen stopt hier."
            )

    def _cells(
        self,
        nummer: int,
        cells: list[str],
        kolommen: list[str],
        separator: str,
        kies: Callable[[list[str]], tuple[str, ...]],
    ) -> _Regel | None:
        if len(cells) < len(kolommen) or any(cell.strip() for cell in cells[len(kolommen) :]):
            self.verslag.probleem(
                nummer, "",
                f"Deze regel heeft {aantal(len(cells), 'veld', 'velden')}, de kopregel {len(kolommen)} "
                f"(gescheiden door een {_separator_naam(separator)}). Staat het scheidingsteken goed en "
                "staan teksten met dat teken tussen aanhalingstekens?",
            )  # fmt: skip
            return None
        if (index := _not_utf8(cells)) is not None:
            self.verslag.probleem(
                nummer,
                kolommen[index],
                "Deze cel bevat tekens die geen UTF-8 zijn; sla het bestand op als 'CSV UTF-8'.",
            )
            return None
        waarden = kies(cells)
        if "'" in "".join(waarden):  # rarely: only then is each cell looked at
            waarden = tuple(map(_cell, waarden))
        return _regel(nummer, waarden, self.verslag, self.now)


class _Hashing(io.RawIOBase):
    """A readable stream that feeds what it reads into a hash."""

    def __init__(self, bron: IO[bytes], digest: hashlib._Hash) -> None:
        self.bron, self.digest = bron, digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.bron.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        return len(data)


_TABELLEN: dict[str, type[Base]] = {
    "deelnemer": Deelnemer,
    "identificatie": DeelnemerIdentificatie,
    "contactpersoon": Contactpersoon,
    "zoekterm": Zoekterm,
    "statusperiode": Statusperiode,
}
# The columns each table gets per row, after ``id`` and (for all but ``deelnemer``) ``deelnemer_id``;
# every other column holds the same value for every row of the import (:class:`_Rijen`).
_PER_RIJ: dict[str, tuple[str, ...]] = {
    "deelnemer": tuple(NieuweDeelnemer.COLUMNS),
    "identificatie": ("soort", "waarde"),
    "contactpersoon": tuple(NieuweDeelnemer.CONTACT_COLUMNS),
    "zoekterm": ("term",),
    "statusperiode": ("reden",),
}
_KANDIDATEN_STAP = 512  # the holders query is compiled for a multiple of this many waardes


class _Rijen:
    """The rows of one table, as tuples in the order of its ``INSERT``: the values that differ per
    row come in as a tuple, those shared by every row of the import are converted once."""

    def __init__(self, tabel: Tabelschrijver, per_rij: tuple[str, ...], vast: Mapping[str, object]) -> None:
        assert set(per_rij).isdisjoint(vast)
        assert set(per_rij) | set(vast) == set(tabel.order)
        self.tabel = tabel
        self._vast = tuple(tabel.convert(naam, vast[naam]) for naam in vast)
        plaats = {naam: index for index, naam in enumerate((*per_rij, *vast))}
        self._kies = operator.itemgetter(*(plaats[naam] for naam in tabel.order))

    def add(self, waarden: tuple[object, ...]) -> None:
        self.tabel.rows.append(self._kies(waarden + self._vast))


@functools.cache
def _kandidaten_sql(dialect: Dialect, aantal: int) -> str:
    """The query for the soort and waarde of each identificatie with one of ``aantal`` waardes."""
    statement = select(DeelnemerIdentificatie.soort, DeelnemerIdentificatie.waarde).where(
        DeelnemerIdentificatie.waarde.in_([""] * aantal)
    )
    return str(statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True}))


@dataclass
class _Schrijver:
    """Checks each batch against the register and, in a real import without problems, writes it."""

    session: AsyncSession
    verslag: _Verslag
    tx: WriteTransaction | None
    import_id: uuid.UUID = field(default_factory=uuid.uuid4)
    bestandsnaam: str = ""
    gezien: dict[tuple[str, str], int] = field(default_factory=dict)
    ids: OrderedIds = field(default_factory=OrderedIds)
    tabellen: dict[str, Tabelschrijver] = field(default_factory=dict)
    rijen: dict[datetime, dict[str, _Rijen]] = field(default_factory=dict)  # by moment of aanmelding

    def __post_init__(self) -> None:
        dialect = self.session.bind.dialect
        self.tabellen = {naam: Tabelschrijver(model, dialect) for naam, model in _TABELLEN.items()}

    async def batch(self, regels: list[_Regel]) -> None:
        goed = [regel for regel in regels if self._nieuw_in_bestand(regel)]
        taken = await self._houders([key for regel in goed for key in regel.bronnen])
        for regel in goed:
            for key, bron in regel.bronnen.items():
                if (holder := taken.get(key)) is not None:
                    self.verslag.probleem(
                        regel.nummer, bron,
                        f"{key[0]}:{key[1]} hoort al bij deelnemer {holder.naam} ({holder.id}).",
                    )  # fmt: skip
        if self.tx is not None and not self.verslag.problemen:
            await self._write(self.tx, goed)
        self.verslag.aangemeld += len(goed)

    def _nieuw_in_bestand(self, regel: _Regel) -> bool:
        nieuw = True
        for key, bron in regel.bronnen.items():
            eerder = self.gezien.setdefault(key, regel.nummer)
            if eerder != regel.nummer:
                self.verslag.probleem(regel.nummer, bron, f"{key[0]}:{key[1]} staat ook op regel {eerder}.")
                nieuw = False
        return nieuw

    async def _houders(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Deelnemer]:
        """Which deelnemer already holds each identificatie of ``keys``: one plain query for the whole
        batch finds the few that are taken (usually none), and only those are read as deelnemers."""
        if not keys:
            return {}
        waardes = list(dict.fromkeys(waarde for _, waarde in keys))
        # Padded with a repeated waarde, so that a handful of statement texts serve every batch.
        waardes += waardes[-1:] * (-len(waardes) % _KANDIDATEN_STAP)
        connection = await self.session.connection()
        sql = _kandidaten_sql(connection.dialect, len(waardes))
        found = await connection.exec_driver_sql(sql, tuple(waardes))
        taken = set(keys).intersection(found.tuples())
        return await holders_of(self.session, sorted(taken)) if taken else {}

    def _rijen(self, tx: WriteTransaction, aangemeld_op: datetime) -> dict[str, _Rijen]:
        """How the rows of each table are built for deelnemers aangemeld at ``aangemeld_op``."""
        if (rijen := self.rijen.get(aangemeld_op)) is not None:
            return rijen
        stamps: dict[str, object] = {"created_at": tx.now, "updated_at": tx.now}
        periode = periode_values(
            uuid.UUID(int=0), DeelnemerStatus.AANGEMELD, None, aangemeld_op, AANGEMELD_REDEN, tx
        )
        del periode["deelnemer_id"], periode["reden"]
        vast = dict.fromkeys(_TABELLEN, stamps)
        vast["deelnemer"] = {"status": DeelnemerStatus.AANGEMELD.value, **stamps}
        vast["statusperiode"] = {**periode, **stamps}
        rijen = {
            naam: _Rijen(
                tabel,
                ("id", *(() if naam == "deelnemer" else ("deelnemer_id",)), *_PER_RIJ[naam]),
                vast[naam],
            )
            for naam, tabel in self.tabellen.items()
        }
        self.rijen[aangemeld_op] = rijen
        return rijen

    async def _write(self, tx: WriteTransaction, regels: list[_Regel]) -> None:
        if not regels:
            return
        # Ids are converted straight from their numbers, for the deelnemer_id the same as for the id.
        to_id = self.tabellen["deelnemer"].uuid_converter("id")
        herkomst = f"Ingelezen uit {self.bestandsnaam}" if self.bestandsnaam else "Ingelezen"
        take = self.ids.take
        ids: list[str] = []
        for regel in regels:
            nieuw, number = regel.nieuw, take()
            rijen = self._rijen(tx, nieuw.aangemeld_op)
            ids.append(_uuid_tekst(number))
            parent = to_id(number)
            rijen["deelnemer"].add((parent, *nieuw.row()))
            for soort, waarde in regel.bronnen:
                rijen["identificatie"].add((to_id(take()), parent, soort, waarde))
            for contact in nieuw.contact_rows():
                rijen["contactpersoon"].add((to_id(take()), parent, *contact))
            for term in zoekterm_values(nieuw.naam, folded=nieuw.zoeknaam):
                rijen["zoekterm"].add((to_id(take()), parent, term))
            rijen["statusperiode"].add((to_id(take()), parent, f"{herkomst}, regel {regel.nummer}"))
        for tabel in self.tabellen.values():
            await tabel.flush(self.session)
        tx.record(
            "deelnemers.aangemeld", IMPORT_ENTITY, self.import_id,
            {"deelnemerIds": {"before": None, "after": ids},
             "regels": {"before": None, "after": f"{regels[0].nummer}-{regels[-1].nummer}"}},
        )  # fmt: skip
        await tx.append_recorded()


def _uuid_tekst(number: int) -> str:
    """``str(uuid.UUID(int=number))``, in a third of its time."""
    h = f"{number:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


async def _doorloop(lezer: _Lezer, schrijver: _Schrijver) -> None:
    batch: list[_Regel] = []
    for regel in lezer.regels():
        batch.append(regel)
        if len(batch) >= BATCH:
            await schrijver.batch(batch)
            batch = []
    if batch:
        await schrijver.batch(batch)
    if not lezer.verslag.regels and not lezer.verslag.problemen:
        lezer.verslag.probleem(2, "", "Het bestand bevat geen deelnemers: alleen een kopregel.")


async def import_deelnemers(
    session: AsyncSession,
    bron: IO[bytes],
    *,
    actor: Actor,
    clock: Clock,
    bestandsnaam: str = "",
    proef: bool = False,
) -> Importverslag:
    """Import the deelnemers in the CSV file ``bron`` (binary, seekable); see the module docstring.

    With ``proef`` every regel is checked against the rules and the register and nothing is written.
    Otherwise the deelnemers are registered only if no regel has a problem.
    """
    verslag = _Verslag(proef=proef)
    lezer = _Lezer(bron, verslag, clock.now())
    if proef:
        try:
            await _doorloop(lezer, _Schrijver(session, verslag, None))
        finally:
            await session.rollback()
        return verslag.af()
    try:
        async with large_page_cache(session), audited_write(session, actor, clock) as tx:
            lezer.now = tx.now
            schrijver = _Schrijver(session, verslag, tx, bestandsnaam=bestandsnaam)
            await _doorloop(lezer, schrijver)
            if verslag.problemen:
                raise _Afgebroken
            tx.record(
                "deelnemers.geimporteerd", IMPORT_ENTITY, schrijver.import_id,
                {"aantal": {"before": None, "after": verslag.aangemeld},
                 "bestand": {"before": None, "after": bestandsnaam or None},
                 "sha256": {"before": None, "after": lezer.sha256.hexdigest()}},
            )  # fmt: skip
    except _Afgebroken:
        pass
    return verslag.af()
