"""The public lookup answers read with plain SQL (:mod:`registry.directread`): one deelnemer as of a
peildatum, and the facts behind a rolcheck.

A deelnemer takes four statements (the deelnemer with its status then; its rolvervullingen; its
ondersteuningsrelaties; the identificaties of everyone named), a page of search results five (the
count and the page's deelnemers, then the same three for all of them at once), a rolcheck three,
whatever the size of the register. When a rolvervulling in the answer rests on a verklaring, the
verklaringen domain's batch check judges all of them at once on the same snapshot (its own few
statements, see :mod:`registry.ledenadministratie.verklaringcheck`); an answer without one sends
nothing more. The answers are the same as :mod:`.lookup` builds through the ORM, field for field.
Role names come from :class:`Catalogusstand`, read once per register version.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from registry.api import PageRequest
from registry.directread import Snapshot, SqliteSnapshot
from registry.errors import InvalidParam, NotFound, ValidationFailed
from registry.ledenadministratie import schemas
from registry.ledenadministratie.catalogus import Catalogusstand
from registry.ledenadministratie.identifiers import Identificatie, InvalidIdentificatie, parse_identificatie
from registry.ledenadministratie.models import Basissoort
from registry.ledenadministratie.naam import fold
from registry.ledenadministratie.peildatum import Peildatum
from registry.ledenadministratie.services.houders import GEEN_REDEN
from registry.ledenadministratie.verklaringcheck import (
    Verklaringoordeel,
    Verklaringvraag,
    registered_batch_check,
    registered_verklaring_check,
)
from registry.templating import format_datum

SessionProvider = Callable[[], Coroutine[Any, Any, AsyncSession]]
"""Gives a session when one is needed; a lookup that needs none opens none."""

_KOLOMMEN = (
    "d.id, d.naam, d.soort, d.regio, d.website, d.adres_straat, d.adres_huisnummer, "
    "d.adres_postcode, d.adres_plaats, s.status, s.geldig_van"
)
_DEELNEMER = (
    "SELECT {kolommen} FROM {bron} LEFT OUTER JOIN deelnemer_statusperiode s ON s.deelnemer_id = d.id "
    "AND s.geldig_van <= ? AND (s.geldig_tot IS NULL OR s.geldig_tot > ?) WHERE {waar}"
)
_OP_ID = _DEELNEMER.format(kolommen=_KOLOMMEN, bron="deelnemer d", waar="d.id = ?")
_OP_IDENTIFICATIE = _DEELNEMER.format(
    kolommen=_KOLOMMEN,
    bron="deelnemer_identificatie i JOIN deelnemer d ON d.id = i.deelnemer_id",
    waar="i.soort = ? AND i.waarde = ?",
)
# {ids}: a placeholder per deelnemer of the answer
_ROLVERVULLINGEN = (
    "SELECT id, rol_code, geldig_van, geldig_tot, status, basis_soort, basis_referentie, release, "
    "created_at, deelnemer_id FROM rolvervulling WHERE deelnemer_id IN ({ids}) "
    "AND geldig_van <= ? AND (geldig_tot IS NULL OR geldig_tot > ?) ORDER BY rol_code, geldig_van"
)
_RELATIES = (
    "SELECT r.id, r.dienstverlener_id, r.deelnemer_id, r.taken, r.geldig_van, r.geldig_tot, r.status, "
    "dv.naam, dn.naam FROM ondersteuningsrelatie r "
    "JOIN deelnemer dv ON dv.id = r.dienstverlener_id JOIN deelnemer dn ON dn.id = r.deelnemer_id "
    "WHERE (r.dienstverlener_id IN ({ids}) OR r.deelnemer_id IN ({ids})) "
    "AND r.geldig_van <= ? AND (r.geldig_tot IS NULL OR r.geldig_tot > ?) ORDER BY r.geldig_van, r.id"
)
_IDENTIFICATIES = (
    "SELECT deelnemer_id, soort, waarde FROM deelnemer_identificatie WHERE deelnemer_id IN ({ids})"
)
_ROL_VAN = (
    "SELECT id, geldig_van, geldig_tot, basis_soort, basis_referentie, release "
    "FROM rolvervulling WHERE deelnemer_id = ? AND rol_code = ? ORDER BY geldig_van"
)


@dataclass(frozen=True, slots=True)
class Verwijzing:
    """A reference to a deelnemer as a caller writes it: its id or one of its identificaties."""

    id: uuid.UUID | None = None
    identificatie: Identificatie | None = None

    @classmethod
    def lees(cls, ref: str, field: str) -> Verwijzing:
        """As :func:`.queries.find_deelnemer` reads it, with the same problems for ``field``."""
        text = ref.strip()
        # an identificatie is soort:waarde; an id has no colon, or is written urn:uuid:… (trying a
        # UUID first would raise and catch an exception on every lookup by identificatie)
        if ":" not in text or text[:9].lower() == "urn:uuid:":
            try:
                return cls(id=uuid.UUID(text))
            except ValueError:
                pass
        if ":" not in text:
            raise ValidationFailed.single(
                field,
                f"'{text}' is geen deelnemer-id en geen identificatie; gebruik bijvoorbeeld kvk:12345678",
            )
        try:
            return cls(identificatie=parse_identificatie(text))
        except InvalidIdentificatie as exc:
            raise ValidationFailed.single(field, exc.message) from None

    def niet_gevonden(self) -> NotFound:
        if self.identificatie is None:
            return NotFound(f"Er is geen deelnemer met id {self.id}.")
        return NotFound(
            f"Er is geen deelnemer met {self.identificatie.soort.label} {self.identificatie.waarde}."
        )


async def _deelnemer_rij(snap: Snapshot, verwijzing: Verwijzing, peildatum: Peildatum) -> Any:
    moment = snap.moment_param(peildatum.moment)
    if verwijzing.identificatie is not None:
        soort, waarde = verwijzing.identificatie.soort.value, verwijzing.identificatie.waarde
        rows = await snap.rows(_OP_IDENTIFICATIE, moment, moment, soort, waarde)
    else:
        assert verwijzing.id is not None
        rows = await snap.rows(_OP_ID, moment, moment, snap.uuid_param(verwijzing.id))
    return rows[0] if rows else None


def _marks(count: int) -> str:
    return ", ".join("?" * count)


async def _identificaties(snap: Snapshot, keys: Sequence[Any]) -> dict[Any, list[schemas.Identificatie]]:
    """The identificaties of the deelnemers with these keys (as the driver gives and takes them)."""
    found: dict[Any, list[schemas.Identificatie]] = defaultdict(list)
    for key, soort, waarde in await snap.rows(_IDENTIFICATIES.format(ids=_marks(len(keys))), *keys):
        found[key].append(schemas.Identificatie(soort=soort, waarde=waarde, tekst=f"{soort}:{waarde}"))
    return found


class _Ids(dict[Any, uuid.UUID]):
    """Each key of a deelnemer as the driver gives it (16 bytes on SQLite), converted to a UUID once."""

    def __init__(self, snap: Snapshot) -> None:
        super().__init__()
        self.snap = snap

    def __missing__(self, key: Any) -> uuid.UUID:
        converted = self[key] = self.snap.uuid(key)
        return converted


def _date_or_none(snap: Snapshot, value: Any) -> date | None:
    return None if value is None else snap.date(value)


async def verklaringoordelen(
    snap: Snapshot, vragen: Sequence[Verklaringvraag], session: SessionProvider | None
) -> list[Verklaringoordeel] | None:
    """The registered verklaring check's answers to ``vragen``, in order: all at once on ``snap``
    through the check's batch form, or else one at a time in the session ``session`` gives.

    ``None`` when no check is registered (a rolvervulling on a verklaring then stands, as it was
    checked when it was granted), and when there is no batch form and no session to ask the check in.
    """
    check = registered_verklaring_check()
    if check is None:
        return None
    if not vragen:
        return []
    batch = registered_batch_check()
    if batch is not None:  # on the lookup's own snapshot, as its other statements
        return await batch(snap, vragen)
    if session is None:
        return None
    opened = await session()
    return [await check(opened, vraag) for vraag in vragen]


async def deelnemer(
    snap: Snapshot,
    verwijzing: Verwijzing,
    peildatum: Peildatum,
    catalogus: Catalogusstand,
    *,
    session: SessionProvider | None = None,
) -> schemas.Deelnemer:
    """The deelnemer as it stood on the peildatum (public fields); :class:`NotFound` if there is no
    such deelnemer or it was not registered then. ``session`` as in :func:`deelnemers`."""
    row = await _deelnemer_rij(snap, verwijzing, peildatum)
    if row is None:
        raise verwijzing.niet_gevonden()
    if row[9] is None:  # no status on the peildatum
        raise NotFound(f"{row[1]} stond op {format_datum(peildatum.datum)} nog niet in het register.")
    [found] = await deelnemers(snap, [row], peildatum, catalogus, session=session)
    return found


async def deelnemers(
    snap: Snapshot,
    rows: Sequence[Sequence[Any]],
    peildatum: Peildatum,
    catalogus: Catalogusstand,
    *,
    session: SessionProvider | None = None,
) -> list[schemas.Deelnemer]:
    """The public answers for deelnemer ``rows`` (their :data:`_KOLOMMEN`, each with its status on the
    peildatum), in their order: their roles, ondersteuningsrelaties and everyone's identificaties in
    three statements, whatever the number of rows.

    The rolvervullingen on a verklaring, if any, are then judged all at once as the rolcheck judges
    them (:func:`verklaringoordelen`; ``session`` is asked for only by a check without a batch form),
    and each whose verklaring does not hold on the peildatum gets its ``verklaringbezwaar``."""
    if not rows:
        return []
    # deelnemers are keyed as the driver gives them, and converted to a UUID only for the answer
    ids = _Ids(snap)
    keys = [row[0] for row in rows]
    marks, datum = _marks(len(keys)), snap.date_param(peildatum.datum)
    rollen: dict[Any, list[schemas.Rolvervulling]] = defaultdict(list)
    for r in await snap.rows(_ROLVERVULLINGEN.format(ids=marks), *keys, datum, datum):
        rollen[r[9]].append(
            schemas.Rolvervulling(
                id=snap.uuid(r[0]),
                rol_code=r[1],
                rol_naam=catalogus.namen.get(r[1]),
                geldig_van=snap.date(r[2]),
                geldig_tot=_date_or_none(snap, r[3]),
                status=r[4],
                basis=schemas.Basis(soort=r[5], referentie=r[6]),
                release=r[7],
                geregistreerd_op=snap.moment(r[8]),
                verklaringbezwaar=None,  # judged below, for the whole answer at once
            )
        )
    relaties = await snap.rows(_RELATIES.format(ids=marks), *keys, *keys, datum, datum)
    namen: dict[Any, str] = {row[0]: row[1] for row in rows}
    for r in relaties:
        namen[r[1]], namen[r[2]] = r[7], r[8]
    identificaties = await _identificaties(snap, list(namen))
    await _verklaringbezwaren(snap, rollen, ids, identificaties, peildatum, session)

    def partij(key: Any) -> schemas.Partij:
        return schemas.Partij(id=ids[key], naam=namen[key], identificaties=identificaties[key])

    ondersteund_door: dict[Any, list[schemas.Ondersteuning]] = defaultdict(list)
    ondersteunt: dict[Any, list[schemas.Ondersteuning]] = defaultdict(list)
    for r in relaties:
        ondersteuning = schemas.Ondersteuning(
            id=snap.uuid(r[0]),
            dienstverlener=partij(r[1]),
            deelnemer=partij(r[2]),
            taken=list(snap.json(r[3])),
            geldig_van=snap.date(r[4]),
            geldig_tot=_date_or_none(snap, r[5]),
            status=r[6],
        )
        ondersteund_door[r[2]].append(ondersteuning)
        ondersteunt[r[1]].append(ondersteuning)
    return [
        _antwoord(
            row,
            ids[key],
            peildatum,
            identificaties[key],
            rollen[key],
            ondersteund_door[key],
            ondersteunt[key],
        )
        for key, row in zip(keys, rows, strict=True)
    ]


async def _verklaringbezwaren(
    snap: Snapshot,
    rollen: dict[Any, list[schemas.Rolvervulling]],
    ids: _Ids,
    identificaties: dict[Any, list[schemas.Identificatie]],
    peildatum: Peildatum,
    session: SessionProvider | None,
) -> None:
    """Fill in ``verklaringbezwaar`` of each of ``rollen`` (all covering the peildatum's date) whose
    verklaring does not hold on the peildatum; nothing is asked when none rests on a verklaring."""
    gevraagd = [
        (key, rol)
        for key, van_deelnemer in rollen.items()
        for rol in van_deelnemer
        if rol.basis.soort == Basissoort.VERKLARING.value
    ]
    if not gevraagd:
        return
    vragen = [
        Verklaringvraag(
            referentie=rol.basis.referentie,
            deelnemer_id=ids[key],
            identificaties=tuple(i.tekst for i in identificaties[key]),
            rol_code=rol.rol_code,
            geldig_van=peildatum.datum,
            op=peildatum.moment,
        )
        for key, rol in gevraagd
    ]
    oordelen = await verklaringoordelen(snap, vragen, session)
    if oordelen is None:  # no check to ask: the rolvervullingen stand, as in the rolcheck
        return
    for (_key, rol), oordeel in zip(gevraagd, oordelen, strict=True):
        if not oordeel.geldig:
            rol.verklaringbezwaar = oordeel.reden or GEEN_REDEN


def _antwoord(
    row: Sequence[Any],
    deelnemer_id: uuid.UUID,
    peildatum: Peildatum,
    identificaties: list[schemas.Identificatie],
    rollen: list[schemas.Rolvervulling],
    ondersteund_door: list[schemas.Ondersteuning],
    ondersteunt: list[schemas.Ondersteuning],
) -> schemas.Deelnemer:
    (_id, naam, soort, regio, website, straat, huisnummer, postcode, plaats, status, _since) = row
    return schemas.Deelnemer(
        id=deelnemer_id,
        naam=naam,
        soort=soort,
        status=status,
        identificaties=identificaties,
        adres=None
        if straat is None
        else schemas.Adres(
            straat=straat, huisnummer=huisnummer or "", postcode=postcode or "", plaats=plaats or ""
        ),
        regio=regio,
        website=website,
        rollen=rollen,
        ondersteund_door=ondersteund_door,
        ondersteunt=ondersteunt,
        peildatum=peildatum.getoond,
    )


async def met_identificatie(
    snap: Snapshot,
    text: str,
    peildatum: Peildatum,
    catalogus: Catalogusstand,
    *,
    session: SessionProvider | None = None,
) -> list[schemas.Deelnemer]:
    """The list answer to ``?identificatie=soort:waarde``: the one deelnemer registered on the
    peildatum with it, or none. ``session`` as in :func:`deelnemers`."""
    try:
        identificatie = parse_identificatie(text.strip())
    except InvalidIdentificatie as exc:
        raise ValidationFailed([InvalidParam("identificatie", exc.message)]) from None
    try:
        verwijzing = Verwijzing(identificatie=identificatie)
        return [await deelnemer(snap, verwijzing, peildatum, catalogus, session=session)]
    except NotFound:
        return []


# --- searching by name or number ------------------------------------------------------------------------

_GEZOCHT = (
    "FROM deelnemer d JOIN deelnemer_statusperiode s ON s.deelnemer_id = d.id "
    "AND s.geldig_van <= ? AND (s.geldig_tot IS NULL OR s.geldig_tot > ?) WHERE d.id IN ({ids})"
)
_TERM_SQLITE = "SELECT deelnemer_id FROM deelnemer_zoekterm WHERE term >= ? AND term < ?"
_TERM_LIKE = "SELECT deelnemer_id FROM deelnemer_zoekterm WHERE term LIKE ? ESCAPE '\\'"
_NUMMER = "SELECT deelnemer_id FROM deelnemer_identificatie WHERE waarde = ?"


def _zoekvoorwaarde(snap: Snapshot, text: str) -> tuple[str, list[Any]]:
    """The ids a search text finds, as :func:`.queries.gezocht` has them: the start of the name or of
    a word in it, or the number of an identificatie; refused when it holds neither."""
    folded = fold(text)
    nummer = text.partition(":")[2] if ":" in text else text
    number = "".join(teken for teken in nummer if teken.isalnum()).upper()
    parts: list[str] = []
    params: list[Any] = []
    if folded:
        if isinstance(snap, SqliteSnapshot):
            parts.append(_TERM_SQLITE)
            params += [folded, folded[:-1] + chr(ord(folded[-1]) + 1)]
        else:
            escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            parts.append(_TERM_LIKE)
            params.append(escaped + "%")
    if number:
        parts.append(_NUMMER)
        params.append(number)
    if not parts:
        raise ValidationFailed([InvalidParam("zoek", "Zoek op (het begin van) een naam of op een nummer.")])
    return " UNION ".join(parts), params


async def gezocht(
    snap: Snapshot,
    text: str,
    peildatum: Peildatum,
    catalogus: Catalogusstand,
    paging: PageRequest,
    *,
    session: SessionProvider | None = None,
) -> tuple[list[schemas.Deelnemer], int]:
    """The public answer to ``?zoek=``: the deelnemers registered on the peildatum that the text finds,
    by name, a page of them and how many there are (as :func:`.lookup.search_deelnemers` answers).
    ``session`` as in :func:`deelnemers`."""
    ids, params = _zoekvoorwaarde(snap, text.strip())
    moment = snap.moment_param(peildatum.moment)
    bron = _GEZOCHT.format(ids=ids)
    [(total,)] = await snap.rows("SELECT count(*) " + bron, moment, moment, *params)
    if not total or paging.offset >= total:
        return [], int(total)
    rows = await snap.rows(
        f"SELECT {_KOLOMMEN} {bron} ORDER BY d.zoeknaam, d.id LIMIT ? OFFSET ?",
        moment,
        moment,
        *params,
        paging.page_size,
        paging.offset,
    )
    return await deelnemers(snap, rows, peildatum, catalogus, session=session), int(total)


# --- the rolcheck ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rolvervullingfeit:
    id: uuid.UUID
    geldig_van: date
    geldig_tot: date | None
    basis_soort: str
    basis_referentie: str
    release: str


@dataclass(frozen=True, slots=True)
class Rolfeiten:
    """What the register knows for a rolcheck: the deelnemer, its status at the moment (and since
    when), the rolvervulling covering the date, and else the nearest one before and after."""

    partij: schemas.Partij
    status: str | None
    status_sinds: datetime | None
    vervulling: Rolvervullingfeit | None
    eerder_tot: date | None
    later_van: date | None


async def rolfeiten(snap: Snapshot, verwijzing: Verwijzing, code: str, peildatum: Peildatum) -> Rolfeiten:
    row = await _deelnemer_rij(snap, verwijzing, peildatum)
    if row is None:
        raise verwijzing.niet_gevonden()
    key = row[0]
    identificaties = await _identificaties(snap, [key])
    datum = peildatum.datum
    vervulling, eerder, later = None, None, None
    for r in await snap.rows(_ROL_VAN, key, code):
        van, tot = snap.date(r[1]), _date_or_none(snap, r[2])
        if van <= datum and (tot is None or tot > datum):
            vervulling = vervulling or Rolvervullingfeit(snap.uuid(r[0]), van, tot, r[3], r[4], r[5])
        elif tot is not None and tot <= datum:
            eerder = tot if eerder is None else max(eerder, tot)
        elif van > datum:
            later = van if later is None else min(later, van)
    return Rolfeiten(
        partij=schemas.Partij(id=snap.uuid(key), naam=row[1], identificaties=identificaties[key]),
        status=row[9],
        status_sinds=None if row[10] is None else snap.moment(row[10]),
        vervulling=vervulling,
        eerder_tot=eerder,
        later_van=later,
    )
