"""The stelsel catalogue as a data file: one TOML file per release in ``roles/catalogus/``.

A catalogue release fixes what the afsprakenstelsel consists of at that version: the
samenwerkingsproces (the five-step cycle), the samenwerkfuncties and samenwerkpatronen, the
grondslagen, and the rollen with their duties (taken, verantwoordelijkheden en bevoegdheden).
Texts come from the stelsel's source documents; where the stelsel wrote a text itself, the entry
says so (``toelichting_afgeleid``, ``duties_afgeleid``).

``read_catalogue`` parses and validates a file and raises ``CatalogueFileError`` naming the file,
the entry and the field of the first problem. ``dump_catalogue`` writes the canonical text of a
catalogue; the files in ``roles/catalogus/`` are kept in exactly that form, so
``dump_catalogue(read_catalogue(path)) == path.read_text()``.
"""

from __future__ import annotations

import datetime
import enum
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import msgspec
import tomli_w

__all__ = [
    "CATALOGUS_DIR",
    "CatalogueFile",
    "CatalogueFileError",
    "Documentstatus",
    "Duty",
    "Dutysoort",
    "Grondslag",
    "Processtap",
    "Relatie",
    "Relatiesoort",
    "Release",
    "Releasestatus",
    "Rol",
    "Roltype",
    "Samenwerkfunctie",
    "Samenwerkpatroon",
    "dump_catalogue",
    "read_catalogue",
]

CATALOGUS_DIR = Path(__file__).parent / "catalogus"
"""Folder with one catalogue file per release, named ``<versie>.toml``."""

CODE_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SEMVER_PATTERN = (
    r"^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
LETTER_PATTERN = r"^[a-z]$"
_PATTERN_MEANING = {
    CODE_PATTERN: "a code of lower-case letters and digits with words joined by '-', such as 'gtk-beheerder'",
    SEMVER_PATTERN: "a semantic version MAJOR.MINOR.PATCH, such as '1.2.0'",
    LETTER_PATTERN: "a single lower-case letter",
}

Code = Annotated[str, msgspec.Meta(pattern=CODE_PATTERN)]
Versie = Annotated[str, msgspec.Meta(pattern=SEMVER_PATTERN)]
Letter = Annotated[str, msgspec.Meta(pattern=LETTER_PATTERN)]
Tekst = Annotated[str, msgspec.Meta(min_length=1)]
Volgnummer = Annotated[int, msgspec.Meta(ge=1)]


class CatalogueFileError(Exception):
    """A catalogue file that cannot be read, or that breaks a rule of the format.

    ``source`` is the file (or, for ``dump_catalogue``, the release being written), ``entry``
    the entry with the problem (``"rollen[3] (code 'melder')"``), ``field`` the field within it,
    and ``problem`` what is wrong.
    """

    def __init__(self, source: str, problem: str, *, entry: str | None = None, field: str | None = None):
        self.source = source
        self.entry = entry
        self.field = field
        self.problem = problem
        where = [source]
        if entry:
            where.append(entry)
        if field:
            where.append(f"field '{field}'")
        super().__init__(f"{': '.join(where)}: {problem}")


class Releasestatus(enum.StrEnum):
    """Where a catalogue release stands in its life cycle."""

    CONCEPT = "concept"
    CONSULTATIE = "consultatie"
    DEFINITIEF = "definitief"
    VERVALLEN = "vervallen"


class Documentstatus(enum.StrEnum):
    """The status the source document gives its own section (Concept, Consultatie, Definitief)."""

    CONCEPT = "concept"
    CONSULTATIE = "consultatie"
    DEFINITIEF = "definitief"


class Roltype(enum.StrEnum):
    """The kinds of role the stelsel distinguishes.

    ``besturing``: governing the afsprakenstelsel (NEN 7522); ``organisatorisch``: organising the
    collaboration in the care and safety chain (the process); ``technisch``: the technical
    realisation of data exchange (system roles); ``dienstverlening``: supporting parties and the
    stelsel organisation's own services, such as issuing verklaringen.
    """

    BESTURING = "besturing"
    ORGANISATORISCH = "organisatorisch"
    TECHNISCH = "technisch"
    DIENSTVERLENING = "dienstverlening"


class Dutysoort(enum.StrEnum):
    """The three columns of a role's duty list: taken, verantwoordelijkheden, bevoegdheden."""

    TAAK = "taak"
    VERANTWOORDELIJKHEID = "verantwoordelijkheid"
    BEVOEGDHEID = "bevoegdheid"


class Relatiesoort(enum.StrEnum):
    """How one role stands towards another; read as "<this role> <soort> <other role>"."""

    ONDERSTEUNT = "ondersteunt"
    """Supports holders of the other role in taking part in the stelsel."""
    HANDELT_NAMENS = "handelt-namens"
    """Acts on behalf of (as an employee or representative of) the other role."""
    KENT_TOE = "kent-toe"
    """Grants the other role to a party (for example by issuing a verklaring)."""
    REGISTREERT = "registreert"
    """Keeps the register or published list of the holders of the other role."""
    SPECIALISEERT = "specialiseert"
    """Is a worked-out, more specific form of the other role in one samenwerkingsverband."""
    STEMT_AF_MET = "stemt-af-met"
    """Coordinates its work with the holder of the other role."""
    NEEMT_AF_VAN = "neemt-af-van"
    """Takes data and services from the holder of the other role."""


class Release(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """The catalogue release itself: its semantic version, status and date of effect."""

    versie: Versie
    status: Releasestatus
    titel: Tekst
    toelichting: Tekst
    ingangsdatum: datetime.date | None = None


class Processtap(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """One step of the samenwerkingsproces, the cycle a collaboration around a casus runs through."""

    stap: Volgnummer
    naam: Tekst
    omschrijving: Tekst
    documentstatus: Documentstatus


class Samenwerkfunctie(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A chain service that participants provide to each other to carry out the samenwerkingsproces."""

    nummer: Volgnummer
    code: Code
    naam: Tekst
    omschrijving: Tekst
    uitgewerkte_omschrijving: str = ""
    huidige_voorbeelden: str = ""
    huidige_oplossingen: str = ""
    gebruikersverhaal: str = ""
    zakelijke_rechtvaardiging: str = ""
    documentstatus: Documentstatus


class Samenwerkpatroon(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """An interaction pattern (opdracht, inzage, gebeurtenissen) the samenwerkfuncties are built from."""

    letter: Letter
    code: Code
    naam: Tekst
    omschrijving: Tekst
    documentstatus: Documentstatus


class Grondslag(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A law or treaty that gives the stelsel its legal basis or frame."""

    code: Code
    wet: Tekst
    toelichting: Tekst
    documentstatus: Documentstatus


class Relatie(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A relation from the role that holds it to another role of the same release."""

    soort: Relatiesoort
    rol: Code


class Duty(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """One line of a role's duty list: a taak, verantwoordelijkheid or bevoegdheid.

    ``verplicht`` duties belong to the role in every case; for a role that needs a verklaring they
    are the ones the applicant must take on, the others can be agreed per supported participant.
    """

    code: Code
    soort: Dutysoort
    tekst: Tekst
    verplicht: bool


class Rol(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A role in the afsprakenstelsel that a participant or person can hold (a Rolvervulling).

    ``verklaring_vereist`` roles can only be held after the stelsel organisation has issued a
    verklaring, for which the applicant walks through the ``duties`` at the intake.
    """

    code: Code
    naam: Tekst
    roltype: Roltype
    toelichting: Tekst
    toelichting_afgeleid: bool = False
    invulling: str = ""
    verklaring_vereist: bool = False
    documentstatus: Documentstatus | None = None
    bron: Tekst
    duties_afgeleid: bool = False
    relaties: list[Relatie] = msgspec.field(default_factory=list)
    duties: list[Duty] = msgspec.field(default_factory=list)


class CatalogueFile(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """One catalogue release as stored in ``roles/catalogus/<versie>.toml``."""

    release: Release
    samenwerkingsproces: list[Processtap]
    samenwerkfuncties: list[Samenwerkfunctie]
    samenwerkpatronen: list[Samenwerkpatroon]
    grondslagen: list[Grondslag]
    rollen: list[Rol]


HEADER = """\
# Catalogus van het afsprakenstelsel Jeugd, Zorg en Veiligheid: één bestand per release.
#
# Het bestand legt vast waaruit het stelsel in deze release bestaat: het samenwerkingsproces,
# de samenwerkfuncties, de samenwerkpatronen, de grondslagen en de rollen met hun taken,
# verantwoordelijkheden en bevoegdheden. Het portaal leest het in met roles/catalogue_file.py;
# de tekst hieronder is precies wat dump_catalogue schrijft, zodat inlezen en wegschrijven het
# bestand ongewijzigd laat.
#
# Bronnen. De teksten komen letterlijk uit de brondocumenten van het stelsel:
# - "De werking van het stelsel" (Samen onder Handbereik): samenwerkingsproces,
#   samenwerkfuncties, samenwerkpatronen, grondslagen en de rollentabellen (Governance);
# - "Samenwerkfuncties" (Samen onder Handbereik): de uitgewerkte samenwerkfuncties;
# - Twiin Afsprakenstelsel Release 1.2.0 (consultatie), 8.1.2 "Verkrijgen verklaring Twiin
#   Dienstverlener": de rollen rond de verklaring;
# - "Team Tien in Twente" rolbeschrijving (versie 6): de takenlijsten per rol.
# Alleen tekstfouten uit de omzetting van PDF of dia's zijn hersteld (zoals "parRjen" ->
# "partijen") en weggevallen regelovergangen in opsommingen zijn teruggezet. De kolomindeling
# (taak, verantwoordelijkheid, bevoegdheid) van de Tien in Twente-rijen is afgeleid uit de
# volgorde van de cellen in de omgezette tabel. Waar het stelsel zelf een tekst of takenlijst
# heeft opgesteld, staat dat bij de rol (toelichting_afgeleid, duties_afgeleid).
#
# Licentie. Teksten uit het Twiin Afsprakenstelsel vallen onder Creative Commons
# Naamsvermelding-GelijkDelen 4.0 (CC BY-SA 4.0,
# https://creativecommons.org/licenses/by-sa/4.0/legalcode.nl); afgeleide teksten daarvan
# worden onder dezelfde licentie gedeeld.
#
# Velden. Teksten zijn UTF-8; "" betekent: de bron geeft hier (nog) niets.
#
# [release]                  de release zelf
#   versie                   semantische versie MAJOR.MINOR.PATCH; gelijk aan de bestandsnaam
#   status                   concept | consultatie | definitief | vervallen
#   titel, toelichting       naam en korte beschrijving van de release
#   ingangsdatum             datum waarop de release ingaat (TOML-datum, mag ontbreken)
#
# [[samenwerkingsproces]]    de stappen van de samenwerkingscyclus, in volgorde
#   stap                     1, 2, 3, ... in de volgorde van het bestand
#   naam, omschrijving       naam en omschrijving van de stap uit de bron
#   documentstatus           status van de bronsectie: concept | consultatie | definitief
#
# [[samenwerkfuncties]]      de ketendiensten die deelnemers elkaar verlenen, in volgorde
#   nummer                   1, 2, 3, ... in de volgorde van het bestand
#   code                     vaste code (kleine letters, cijfers, woorden met "-"), uniek
#   naam, omschrijving       naam en omschrijving uit de lijst in "De werking van het stelsel"
#   uitgewerkte_omschrijving omschrijving uit de uitwerking in "Samenwerkfuncties"
#   huidige_voorbeelden      uit de uitwerking: voorbeelden van nu
#   huidige_oplossingen      uit de uitwerking: hoe het nu is opgelost
#   gebruikersverhaal        uit de uitwerking: de gebruikersverhalen
#   zakelijke_rechtvaardiging uit de uitwerking: de zakelijke rechtvaardiging
#   documentstatus           status van de bronsectie
#
# [[samenwerkpatronen]]      de interactiepatronen waaruit de functies zijn opgebouwd
#   letter                   a, b, c, ... in de volgorde van het bestand, zoals in de bron
#   code, naam               vaste code en naam van het patroon
#   omschrijving             het patroon uit de opsomming en de uitleg (synchroon/asynchroon)
#   documentstatus           status van de bronsectie
#
# [[grondslagen]]            wetten en verdragen die de grondslag en het juridisch kader vormen
#   code                     vaste code, uniek
#   wet, toelichting         de kolommen Wetgeving en Korte toelichting uit de bron
#   documentstatus           status van de bronsectie
#
# [[rollen]]                 de rollen van het stelsel
#   code                     vaste code, uniek in de release; relaties verwijzen ernaar
#   naam                     naam van de rol
#   roltype                  besturing (besturing van het stelsel, NEN 7522)
#                            | organisatorisch (organisatie van de samenwerking, het proces)
#                            | technisch (technische realisatie, systeemrollen)
#                            | dienstverlening (ondersteuning van deelnemers en de diensten van
#                              de stelselorganisatie, zoals het afgeven van verklaringen)
#   toelichting              letterlijk uit de bron
#   toelichting_afgeleid     true als de bron geen toelichting geeft en het stelsel die schreef
#   invulling                wie de rol invult, letterlijk uit de bron; "" als de bron dat niet geeft
#   verklaring_vereist       true als de rol pas na afgifte van een verklaring vervuld mag worden
#   documentstatus           status van de bronsectie; ontbreekt als de bron geen status heeft
#   bron                     brondocument en sectie waar de rol vandaan komt
#   duties_afgeleid          true als de bron geen takenlijst geeft en het stelsel die opstelde
#   relaties                 lijst van { soort, rol }: "<deze rol> <soort> <rol>", met soort
#                              ondersteunt     helpt houders van de andere rol bij hun deelname
#                              handelt-namens  treedt op namens (als medewerker van) de andere rol
#                              kent-toe        kent de andere rol toe, zoals met een verklaring
#                              registreert     houdt de registratie of lijst van houders bij
#                              specialiseert   is een uitwerking van de andere rol in een
#                                              samenwerkingsverband
#                              stemt-af-met    stemt het werk af met de houder van de andere rol
#                              neemt-af-van    neemt gegevens en diensten af van de andere rol
#   [[rollen.duties]]        de takenlijst van de rol, in volgorde
#     code                   vaste code, uniek in de release
#     soort                  taak | verantwoordelijkheid | bevoegdheid
#     tekst                  de taak, verantwoordelijkheid of bevoegdheid
#     verplicht              true: hoort in elk geval bij de rol en moet bij een verklaring
#                            worden ingevuld; false: kan per ondersteunde deelnemer worden
#                            afgesproken
#
# Keuzes bij het overnemen:
# - De Twiin-rollen heten hier zonder "Twiin": Stelselorganisatie (Twiin Organisatie),
#   Casemanager, Dienstverlener en GtK Beheerder; hun toelichting citeert de Twiin-tekst.
# - De Twiin Deelnemer is een organisatie en heet hier Deelnemende organisatie (code
#   deelnemende-organisatie). De rol Deelnemer (code deelnemer) uit "De werking van het stelsel"
#   is een medewerker van zo'n organisatie.
# - De rollen uit de Tien in Twente-rolbeschrijving staan als eigen organisatorische rollen in de
#   catalogus, elk met een relatie "specialiseert" naar de algemene rol die zij uitwerken.
# - De tabel Juridische kaders in "De werking van het stelsel" herhaalt de zeven rijen van de
#   tabel Grondslagen; die staan hier één keer.
"""


# --------------------------------------------------------------------------------------------
# Reading


def read_catalogue(path: Path) -> CatalogueFile:
    """Read, parse and validate the catalogue file at ``path``.

    Raises ``CatalogueFileError`` naming the file, entry and field for a file that is not UTF-8
    TOML, misses a required field, has an unknown field or value, a duplicate code, a relation to
    an unknown role, a bad version, steps and numbers out of order, or a file name other than
    ``<versie>.toml``.
    """
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueFileError(source, f"not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise CatalogueFileError(source, f"cannot be read ({exc.strerror})") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueFileError(source, f"not valid TOML: {exc}") from exc
    catalogue = _convert(raw, source)
    _check(catalogue, source)
    if path.stem != catalogue.release.versie:
        raise CatalogueFileError(
            source,
            f"file name says release '{path.stem}' but versie is '{catalogue.release.versie}';"
            f" name the file '{catalogue.release.versie}.toml'",
            entry="release",
            field="versie",
        )
    return catalogue


def _convert(raw: Mapping[str, Any], source: str) -> CatalogueFile:
    """Turn parsed TOML into a ``CatalogueFile``, translating msgspec's errors into ours."""
    try:
        return msgspec.convert(raw, CatalogueFile)
    except msgspec.ValidationError as exc:
        raise _validation_error(exc, raw, source) from exc


_ERROR_PATH = re.compile(r"^(?P<problem>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_PATH_TOKEN = re.compile(r"\.(?P<key>[^.\[]+)|\[(?P<index>\d+)\]")
_FIELD_IN_PROBLEM = re.compile(r"^Object (?:missing required|contains unknown) field `(?P<field>[^`]*)`$")


def _validation_error(
    exc: msgspec.ValidationError, raw: Mapping[str, Any], source: str
) -> CatalogueFileError:
    """Build a ``CatalogueFileError`` from msgspec's message and the ``$.a[1].b`` path in it."""
    match = _ERROR_PATH.match(str(exc))
    assert match is not None  # the pattern matches any text
    problem = match["problem"]
    tokens: list[str | int] = [
        token["key"] if token["key"] is not None else int(token["index"])
        for token in _PATH_TOKEN.finditer(match["path"] or "")
    ]
    field: str | None = None
    value: Any = None
    if missing := _FIELD_IN_PROBLEM.match(problem):
        field = missing["field"]
        problem = (
            "required field is missing"
            if problem.startswith("Object missing")
            else "unknown field (check the spelling against the header of the file)"
        )
        entry_tokens = tokens
    elif tokens and isinstance(tokens[-1], str):
        field = tokens[-1]
        entry_tokens = tokens[:-1]
        value = _lookup(raw, tokens)
    else:
        entry_tokens = tokens
        value = _lookup(raw, tokens)
    problem = _explain(problem, value, _type_at(tokens))
    return CatalogueFileError(source, problem, entry=_entry_label(raw, entry_tokens), field=field)


def _lookup(raw: Any, tokens: Sequence[str | int]) -> Any:
    """The raw value at a path, or None where the path does not lead anywhere."""
    node = raw
    for token in tokens:
        found = (isinstance(token, int) and isinstance(node, list) and token < len(node)) or (
            isinstance(token, str) and isinstance(node, dict) and token in node
        )
        if not found:
            return None
        node = node[token]
    return node


def _entry_label(raw: Any, tokens: Sequence[str | int]) -> str | None:
    """A readable name for the entry at a path: ``rollen[3] (code 'melder') > duties[0] (...)``."""
    parts: list[str] = []
    node = raw
    for token in tokens:
        node = _lookup(node, [token])
        if isinstance(token, str):
            parts.append(token)
            continue
        label = f"{parts.pop() if parts else ''}[{token}]"
        if isinstance(node, dict):
            for key in ("code", "nummer", "stap", "letter"):
                if key in node:
                    label += f" ({key} {node[key]!r})"
                    break
        parts.append(label)
    return " > ".join(parts) or None


def _type_at(tokens: Sequence[str | int]) -> msgspec.inspect.Type | None:
    """The declared type of the field at a path in ``CatalogueFile``, if the path names one."""
    node: msgspec.inspect.Type = msgspec.inspect.type_info(CatalogueFile)
    for token in tokens:
        if isinstance(node, msgspec.inspect.UnionType):
            node = next(t for t in node.types if not isinstance(t, msgspec.inspect.NoneType))
        if isinstance(token, int) and isinstance(node, msgspec.inspect.ListType):
            node = node.item_type
        elif isinstance(token, str) and isinstance(node, msgspec.inspect.StructType):
            fields = {f.encode_name: f.type for f in node.fields}
            if token not in fields:
                return None
            node = fields[token]
        else:
            return None
    return node


def _explain(problem: str, value: Any, declared: msgspec.inspect.Type | None) -> str:
    """Say in the format's own words what msgspec found wrong with a value."""
    if isinstance(declared, msgspec.inspect.UnionType):
        declared = next(t for t in declared.types if not isinstance(t, msgspec.inspect.NoneType))
    if isinstance(declared, msgspec.inspect.EnumType) and problem.startswith("Invalid enum value"):
        allowed = ", ".join(str(member.value) for member in declared.cls)
        return f"unknown value {value!r}; expected one of: {allowed}"
    if isinstance(declared, msgspec.inspect.StrType):
        if declared.pattern is not None and "matching regex" in problem:
            return f"{value!r} is not {_PATTERN_MEANING.get(declared.pattern, declared.pattern)}"
        if declared.min_length and "length >=" in problem:
            return "must not be empty"
    if isinstance(declared, msgspec.inspect.IntType) and declared.ge is not None and ">=" in problem:
        return f"{value!r} must be {declared.ge} or more"
    return problem


def _check(catalogue: CatalogueFile, source: str) -> None:
    """Check the rules that span entries: numbering, unique codes and relations between roles."""
    for index, processtap in enumerate(catalogue.samenwerkingsproces):
        if processtap.stap != index + 1:
            raise CatalogueFileError(
                source,
                f"stap is {processtap.stap} but this is step {index + 1}; number the steps 1, 2, 3, ...",
                entry=f"samenwerkingsproces[{index}] (stap {processtap.stap})",
                field="stap",
            )
    for index, functie in enumerate(catalogue.samenwerkfuncties):
        if functie.nummer != index + 1:
            raise CatalogueFileError(
                source,
                f"nummer is {functie.nummer} but this is function {index + 1}; "
                "number the samenwerkfuncties 1, 2, 3, ...",
                entry=f"samenwerkfuncties[{index}] (code {functie.code!r})",
                field="nummer",
            )
    for index, patroon in enumerate(catalogue.samenwerkpatronen):
        expected = chr(ord("a") + index)
        if patroon.letter != expected:
            raise CatalogueFileError(
                source,
                f"letter is {patroon.letter!r} but this is pattern {expected!r}; letter them a, b, c, ...",
                entry=f"samenwerkpatronen[{index}] (code {patroon.code!r})",
                field="letter",
            )
    _check_unique("samenwerkfuncties", (f.code for f in catalogue.samenwerkfuncties), source)
    _check_unique("samenwerkpatronen", (p.code for p in catalogue.samenwerkpatronen), source)
    _check_unique("grondslagen", (g.code for g in catalogue.grondslagen), source)
    _check_unique("rollen", (r.code for r in catalogue.rollen), source)
    _check_rollen(catalogue.rollen, source)


def _check_unique(section: str, codes: Iterable[str], source: str) -> None:
    """Raise for the first code in a section that an earlier entry already uses."""
    seen: dict[str, int] = {}
    for index, code in enumerate(codes):
        if code in seen:
            raise CatalogueFileError(
                source,
                f"duplicate code {code!r}, already used by {section}[{seen[code]}]",
                entry=f"{section}[{index}] (code {code!r})",
                field="code",
            )
        seen[code] = index


def _check_rollen(rollen: Sequence[Rol], source: str) -> None:
    """Check relations, duty codes and the flags that depend on a role's duty list."""
    codes = {rol.code for rol in rollen}
    duty_codes: dict[str, str] = {}
    for index, rol in enumerate(rollen):
        entry = f"rollen[{index}] (code {rol.code!r})"
        pairs: set[tuple[Relatiesoort, str]] = set()
        for rel_index, relatie in enumerate(rol.relaties):
            where = f"{entry} > relaties[{rel_index}]"
            if relatie.rol not in codes:
                raise CatalogueFileError(
                    source, f"relation to unknown role {relatie.rol!r}", entry=where, field="rol"
                )
            if relatie.rol == rol.code:
                raise CatalogueFileError(source, "a role cannot relate to itself", entry=where, field="rol")
            if (relatie.soort, relatie.rol) in pairs:
                raise CatalogueFileError(
                    source,
                    f"relation '{relatie.soort} {relatie.rol}' is listed twice",
                    entry=where,
                    field="rol",
                )
            pairs.add((relatie.soort, relatie.rol))
        for duty_index, duty in enumerate(rol.duties):
            if duty.code in duty_codes:
                raise CatalogueFileError(
                    source,
                    f"duplicate duty code {duty.code!r}, already used in {duty_codes[duty.code]}",
                    entry=f"{entry} > duties[{duty_index}] (code {duty.code!r})",
                    field="code",
                )
            duty_codes[duty.code] = entry
        if rol.duties_afgeleid and not rol.duties:
            raise CatalogueFileError(
                source,
                "duties_afgeleid is true but the role has no duties",
                entry=entry,
                field="duties_afgeleid",
            )
        if rol.verklaring_vereist and not any(duty.verplicht for duty in rol.duties):
            raise CatalogueFileError(
                source,
                "a role that needs a verklaring must have at least one verplicht duty to declare",
                entry=entry,
                field="verklaring_vereist",
            )


# --------------------------------------------------------------------------------------------
# Writing


def dump_catalogue(catalogue: CatalogueFile) -> str:
    """Write ``catalogue`` as TOML text in the canonical layout of the catalogue files.

    The header comment documents the format; then ``[release]``, the sections as arrays of
    tables in file order, and each role's duties as ``[[rollen.duties]]`` under it. The
    catalogue is validated first, so only a readable file is ever written.
    """
    source = f"catalogue release {catalogue.release.versie!r}"
    data = msgspec.to_builtins(catalogue, builtin_types=(datetime.date,))
    catalogue = _convert(data, source)
    _check(catalogue, source)

    chunks = [HEADER, "\n", "[release]\n", _dump_table(data["release"])]
    for section in ("samenwerkingsproces", "samenwerkfuncties", "samenwerkpatronen", "grondslagen"):
        for entry in data[section]:
            chunks += ["\n", f"[[{section}]]\n", _dump_table(entry)]
    for rol in data["rollen"]:
        duties = rol.pop("duties")
        relaties = rol.pop("relaties")
        chunks += ["\n", "[[rollen]]\n", _dump_table(rol), _dump_relaties(relaties)]
        for duty in duties:
            chunks += ["\n", "[[rollen.duties]]\n", _dump_table(duty)]
    return "".join(chunks)


def _dump_table(table: Mapping[str, Any]) -> str:
    """The ``key = value`` lines of one flat table; absent optional fields are left out."""
    present = {key: value for key, value in table.items() if value is not None}
    return tomli_w.dumps(present, multiline_strings=True)


def _dump_relaties(relaties: Sequence[Mapping[str, str]]) -> str:
    """The ``relaties`` array, one inline table per line (soort and rol are validated codes)."""
    if not relaties:
        return "relaties = []\n"
    lines = [f'    {{ soort = "{relatie["soort"]}", rol = "{relatie["rol"]}" }},\n' for relatie in relaties]
    return "relaties = [\n" + "".join(lines) + "]\n"
