"""The stelsel catalogue file for release 1.2.0: what a beheerder reads in it, and what the reader refuses."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
import tomli_w

from roles.catalogue_file import (
    CATALOGUS_DIR,
    CatalogueFile,
    CatalogueFileError,
    Dutysoort,
    Relatie,
    Relatiesoort,
    Rol,
    Roltype,
    dump_catalogue,
    read_catalogue,
)

CATALOGUE_PATH = CATALOGUS_DIR / "1.2.0.toml"


@pytest.fixture(scope="module")
def catalogue() -> CatalogueFile:
    return read_catalogue(CATALOGUE_PATH)


def rol(catalogue: CatalogueFile, code: str) -> Rol:
    matches = [r for r in catalogue.rollen if r.code == code]
    assert len(matches) == 1, f"expected exactly one role {code!r}"
    return matches[0]


# --------------------------------------------------------------------------------------------
# What the file holds


def test_release_is_1_2_0_definitief(catalogue: CatalogueFile) -> None:
    assert catalogue.release.versie == "1.2.0"
    assert catalogue.release.status == "definitief"
    assert catalogue.release.titel
    assert str(catalogue.release.ingangsdatum) == "2026-01-01"


def test_samenwerkingsproces_is_the_five_step_cycle(catalogue: CatalogueFile) -> None:
    assert [(s.stap, s.naam) for s in catalogue.samenwerkingsproces] == [
        (1, "Verbinding aangaan"),
        (2, "Samen onderzoeken"),
        (3, "Samen Beslissen"),
        (4, "Doen wat werkt"),
        (5, "Samen leren"),
    ]
    assert catalogue.samenwerkingsproces[0].omschrijving == (
        "Verbinding aangaan is het inzien en verwerken van informatie over betrokkenen en de context "
        "van de situatie beschikbaar bij partners"
    )
    assert {s.documentstatus for s in catalogue.samenwerkingsproces} == {"consultatie"}


def test_all_fifteen_samenwerkfuncties_are_numbered_with_their_names(catalogue: CatalogueFile) -> None:
    assert [(f.nummer, f.naam) for f in catalogue.samenwerkfuncties] == [
        (1, "Uitwisselen Melding"),
        (2, "Vaststellen Identiteit en Relatie(s)"),
        (3, "Bepalen Bekendheid en Verrijking"),
        (4, "Werken aan Preventie"),
        (5, "Uitvoeren Triage en Taxatie"),
        (6, "Opstellen Analyse & Advies"),
        (7, "Inzien en Deelnemen door de Burger"),
        (8, "Overleggen over de Casus"),
        (9, "Uitwisselen Uitkomst Overleg"),
        (10, "Opstellen en Regisseren Plan"),
        (11, "Uitvoeren Actie"),
        (12, "Nazorg en Afsluiten Casus"),
        (13, "Uitwisselen beschikbare diensten"),
        (14, "Inrichten en bijsturen samenwerking"),
        (15, "Monitoring kwaliteit en effectiviteit"),
    ]
    functie = catalogue.samenwerkfuncties[8]
    assert functie.code == "uitwisselen-uitkomst-overleg"
    assert functie.omschrijving == (
        "De functie Uitwisselen Uitkomst Overleg zorgt voor het aan betrokken partijen bekendmaken van "
        "de aangewezen casusregisseur, aanpak, afspraken en besluiten."
    )
    assert {f.documentstatus for f in catalogue.samenwerkfuncties} == {"consultatie"}


def test_worked_out_samenwerkfuncties_carry_their_elaboration(catalogue: CatalogueFile) -> None:
    melding, identiteit, *rest = catalogue.samenwerkfuncties
    assert melding.huidige_voorbeelden == (
        "VT Melding, Niet Acuut Melding, ZVH Melding, Comensha Melding. "
        "En de bijbehorende VT Terugmelding, ZVH Terugmelding"
    )
    assert melding.uitgewerkte_omschrijving.startswith(
        "Het vermogen om berichten met zorgen van professionals en burgers over een burger of gezin"
    )
    assert melding.gebruikersverhaal.splitlines()[1].startswith("Als dienstverlener van een melding wil ik")
    assert len(melding.gebruikersverhaal.splitlines()) == 3
    assert melding.zakelijke_rechtvaardiging.startswith("O.a. Politie meldt bij zorgen rond personen")

    assert identiteit.huidige_voorbeelden == ""
    assert identiteit.gebruikersverhaal.splitlines()[-1] == (
        "Als burger wil ik me graag kunnen identificeren om toegang te krijgen tot mijn casus en die van "
        "mijn gezinsleden (binnen de wettelijke mogelijkheden)"
    )
    assert identiteit.zakelijke_rechtvaardiging.endswith(
        "enorme afname van administratieve last worden bereikt"
    )

    for functie in rest:
        assert functie.uitgewerkte_omschrijving == functie.gebruikersverhaal == ""


def test_the_three_samenwerkpatronen_say_how_they_interact(catalogue: CatalogueFile) -> None:
    patronen = {p.code: p for p in catalogue.samenwerkpatronen}
    assert [(p.letter, p.naam) for p in catalogue.samenwerkpatronen] == [
        ("a", "Opdracht"),
        ("b", "Inzage"),
        ("c", "Gebeurtenissen"),
    ]
    assert patronen["opdracht"].omschrijving.splitlines() == [
        "Opdracht geven of verzoeken om een opdracht uit te voeren",
        "Opdracht is doorgaans een asynchroon patroon. Er wordt een opdracht verstrekt of verzoek gedaan "
        "een bepaalde opdracht uit te voeren. De uitvoering vergt doorgaans enige tijd. Denk aan opdrachten "
        "zoals het handelen naar aanleiding van een melding, of het informatie verzamelen naar aanleiding "
        "van een opdracht of verzoek.",
    ]
    assert "Inzage daarentegen is een synchroon patroon." in patronen["inzage"].omschrijving
    assert (
        "Gebeurtenissen, of wel events, worden gemeld en ontvangen."
        in patronen["gebeurtenissen"].omschrijving
    )


def test_grondslagen_table(catalogue: CatalogueFile) -> None:
    assert [g.wet for g in catalogue.grondslagen] == [
        "Europees Verdrag tot Bescherming van de Rechten van de Mens",
        "Internationaal Verdrag voor de Rechten van het Kind",
        "Jeugdwet 2015",
        "WAMS (alsmede WPG, AVG, WGS, WGPGA, e.d.)",
        "EU Data wetten, waaronder Data Act, Data Governance Act, AI Act, EHDS (Health Data Space) Act",
        "Wmebv",
        "WDO",
    ]
    jeugdwet = catalogue.grondslagen[2]
    assert jeugdwet.code == "jeugdwet-2015"
    assert jeugdwet.toelichting == (
        "De Jeugdwet regelt de jeugdzorg, de jeugdbescherming en de jeugdreclassering. Ze is in 2015 van "
        "kracht geworden en geeft gemeenten de verantwoordelijkheid erover."
    )
    assert catalogue.grondslagen[0].toelichting.endswith("recht op bescherming van de privésfeer.")
    assert {g.documentstatus for g in catalogue.grondslagen} == {"definitief"}


NOG_TE_BEPALEN = "Invulling rol nog te bepalen"

BESTURINGSROLLEN = [
    (
        "stelselhouder",
        "Stelselhouder",
        "Eindverantwoordelijk voor het ontwikkelen en beheren van het stelsel. De houder stelt de scope en "
        "het doel van het stelsel vast evenals de principes en de uitgangspunten die worden gehanteerd bij "
        "ontwikkeling en beheer.",
        NOG_TE_BEPALEN,
    ),
    (
        "stelselfinancier",
        "Stelselfinancier",
        "Verantwoordelijk voor de financiering van de ontwikkeling en het beheer van het stelsel.",
        NOG_TE_BEPALEN,
    ),
    (
        "stelselautorisator",
        "Stelselautorisator",
        "Keurt een stelselstandaard (waaronder normen en technische afspraken) goed.",
        NOG_TE_BEPALEN,
    ),
    (
        "stelsel-functioneel-beheerder",
        "Stelsel Functioneel beheerder",
        "Verantwoordelijk dat het proces van ontwikkelen en beheren verloopt volgens de gemaakte afspraken. "
        "Hiertoe behoort ook het beheer en toezicht op het vertrouwen en de kwaliteit van het ecosysteem.",
        NOG_TE_BEPALEN,
    ),
    (
        "stelsel-technisch-beheerder",
        "Stelsel Technisch beheerder",
        "Verantwoordelijk voor het technisch beheren van individuele standaarden of stelsels van "
        "standaarden.",
        "Eindverantwoordelijk ntb, Per onderdeel ntb",
    ),
    (
        "stelsel-distributeur",
        "Stelsel-distributeur",
        "Verantwoordelijk voor het distribueren van informatie over de ontwikkeling en het beheer van het "
        "informatiestelsel.",
        NOG_TE_BEPALEN,
    ),
    ("stelsel-expert", "Stelsel-expert", "Brengt specifieke noodzakelijke kennis in.", NOG_TE_BEPALEN),
    (
        "stelselgebruiker",
        "Stelselgebruiker en Stelseleindgebruiker",
        "Gebruikers en eindgebruikers maken gebruik van het stelsel en brengen de voor de besturing "
        "benodigde domeinkennis in.",
        NOG_TE_BEPALEN,
    ),
    (
        "auditor",
        "Auditor",
        "De rol van auditor is een aanvulling op de bovenstaande rollen: deze rol zorgt voor het "
        "kwalificeren en certificeren van (software)producten, zowel voor data, applicaties als "
        "infrastructuur.",
        NOG_TE_BEPALEN,
    ),
]

ORGANISATORISCHE_ROLLEN = [
    (
        "burger",
        "Burger",
        "Dit betreft de betrokkene(n) in het gezin, de familie: zij blijven op de hoogte van wat er gebeurd "
        "en oefenen daar invloed op uit door input voor het onderzoek en input voor het plan te maken of "
        "feedback te geven.",
        "",
    ),
    (
        "melder",
        "Melder",
        "De rol van een medewerker van een meldende of deelnemende organisatie die de casus aanbrengt voor "
        "behandeling in de vorm van een aanmelding",
        "",
    ),
    (
        "deelnemer",
        "Deelnemer",
        "De rol van een medewerker van een deelnemende organisatie aan het samenwerkingsverband die o.a.\n"
        "- informatie beschikbaar stelt\n"
        "- onderzoek doen\n"
        "- advies uitbrengt t.b.v. beschikking / beslissing\n"
        "- deelneemt in het overleg bij kiezen regisseur, adviseren, besluitvorming, samenstellen plan, "
        "etc.\n"
        "- toegewezen acties in het plan van aanpak uitvoert",
        "",
    ),
    (
        "procesregisseur",
        "Procesregisseur",
        "De rol van een medewerker van een Deelnemer of van een medewerker specifiek in dienst van het "
        "samenwerkingsverband die de intake en triage uitvoert en die het samenwerkingsverband organiseert "
        "en faciliteert, m.n. de bedrijfsvoeringskant:\n"
        "- uitvoeren intake handelingen\n"
        "- organiseren/uitvoeren van de triage\n"
        "- organiseren van het overleg\n"
        "- bewaken van de voortgang\n"
        "Ook is deze rol verantwoordelijk voor de inrichting van de samenwerking, convenant en doelbindingen "
        "en het op casus overstijgend niveau bijsturen van de samenwerking",
        "",
    ),
    (
        "casusregisseur",
        "Casusregisseur",
        "De rol van een medewerker van een deelnemende organisatie aan het casusoverleg die is belast met de "
        "taken:\n"
        "- meestal gekozen uit de organisatie waar het zwaartepunt ligt van de zorgverlening aan het "
        "subject\n"
        "- belast met het gieten van de besluiten / beschikking/ het verslag in een plan c.q. concrete "
        "interventies\n"
        "- belast met toezicht op naleving van afspraken in het plan van aanpak\n"
        "Een flink deel van de acties in het plan ligt op diens bordje, alsmede de overall effectiviteit van "
        "het plan.\n"
        "Het is dus vooral een inhoudelijke rol:\n"
        "- overleggen met de betrokken burgers\n"
        "- zelf uitvoeren van acties\n"
        "- monitoren of de doelen wordt gehaald\n"
        "- bijsturen van andere deelnemers op het leveren van hun bijdrage",
        "",
    ),
]

TECHNISCHE_ROLLEN = [
    (
        "bronhouder",
        "Bronhouder",
        "Deelnemer die data en bijvoorbeeld inzage services aanbiedt.",
        NOG_TE_BEPALEN,
    ),
    ("afnemer", "Afnemer", "Een deelnemer die data en services afneemt van een bronhouder.", NOG_TE_BEPALEN),
    (
        "vertrouwensleverancier",
        "Vertrouwensleverancier",
        "Levert (samen met andere vertrouwensdienstverleners) een infrastructuur voor publieke sleutels en "
        "beheert een registratie van publieke sleutels.",
        NOG_TE_BEPALEN,
    ),
    (
        "ledenadministrator",
        "Ledenadministrator",
        "Op basis van registraties of kenmerken kunnen deelnemers worden herkend en op basis hiervan kunnen "
        "bepaalde rechten worden ontleend.",
        NOG_TE_BEPALEN,
    ),
    (
        "bevoegde-uitgever-van-verklaringen",
        "Bevoegde uitgever van verklaringen",
        "Een erkenning dat de uitgever bevoegd is voor het uitgeven van verklaringen. Deze verklaringen "
        "betreffen bijvoorbeeld een identiteitskenmerk of een toegangsbewijs.",
        NOG_TE_BEPALEN,
    ),
    (
        "stelselbeheerder",
        "Stelselbeheerder",
        "Beheer van het stelsel en kent technische rollen toe.",
        NOG_TE_BEPALEN,
    ),
    (
        "ketenvoorzieningbeheerder",
        "Ketenvoorzieningbeheerder",
        "Verantwoordelijk voor het beheren, actueel houden en beschikbaar stellen van ketenvoorzieningen",
        NOG_TE_BEPALEN,
    ),
    (
        "verzekeraar-betrouwbaarheid",
        "Verzekeraar betrouwbaarheid",
        "Maakt inzichtelijk welke attesten mogen worden uitgegeven door welke deelnemers.",
        NOG_TE_BEPALEN,
    ),
]


@pytest.mark.parametrize(
    ("roltype", "code", "naam", "toelichting", "invulling"),
    [(Roltype.BESTURING, *row) for row in BESTURINGSROLLEN]
    + [(Roltype.ORGANISATORISCH, *row) for row in ORGANISATORISCHE_ROLLEN]
    + [(Roltype.TECHNISCH, *row) for row in TECHNISCHE_ROLLEN],
    ids=lambda value: value if isinstance(value, str) and len(value) < 40 else "",
)
def test_every_role_of_the_governance_tables_is_in_the_catalogue_verbatim(
    catalogue: CatalogueFile, roltype: Roltype, code: str, naam: str, toelichting: str, invulling: str
) -> None:
    role = rol(catalogue, code)
    assert (role.naam, role.roltype) == (naam, roltype)
    assert role.toelichting == toelichting
    assert role.invulling == invulling
    assert role.toelichting_afgeleid is False
    assert role.documentstatus == "concept"
    assert role.bron.startswith("De werking van het stelsel, Governance")


def test_governance_tables_have_no_other_roles(catalogue: CatalogueFile) -> None:
    from_tables = {code for code, *_ in BESTURINGSROLLEN + ORGANISATORISCHE_ROLLEN + TECHNISCHE_ROLLEN}
    from_governance = {r.code for r in catalogue.rollen if r.bron.startswith("De werking van het stelsel")}
    assert from_governance == from_tables


def test_twiin_roles_support_participants_and_issue_verklaringen(catalogue: CatalogueFile) -> None:
    dienstverlening = {r.code for r in catalogue.rollen if r.roltype == Roltype.DIENSTVERLENING}
    assert dienstverlening == {"stelselorganisatie", "casemanager", "dienstverlener", "gtk-beheerder"}
    for code in dienstverlening:
        role = rol(catalogue, code)
        assert role.bron.startswith("Twiin Afsprakenstelsel Release 1.2.0, 8.1.2")
        assert role.documentstatus == "consultatie"

    assert rol(catalogue, "casemanager").toelichting == (
        "Een Twiin Casemanager doorloopt samen met de Twiin Dienstverlener de lijst van taken en "
        "verantwoordelijkheden en legt vast welke taken en verantwoordelijkheden worden ondersteund."
    )
    assert rol(catalogue, "dienstverlener").toelichting.startswith(
        "De Twiin Dienstverlener is ervoor verantwoordelijk kennis te nemen van de lijst van taken en "
        "verantwoordelijkheden en invulling hiervan af te stemmen met de bij hen aangesloten Twiin "
        "Deelnemers."
    )
    organisatie = rol(catalogue, "stelselorganisatie").toelichting
    assert "De Twiin Organisatie ondertekent deze verklaring ook." in organisatie
    assert "De Twiin Organisatie houdt een lijst bij met Twiin Dienstverleners" in organisatie
    # The seed defines no GtK Beheerder text of its own, so the stelsel wrote one and says so.
    assert rol(catalogue, "gtk-beheerder").toelichting_afgeleid is True


def test_only_dienstverlener_and_gtk_beheerder_need_a_verklaring(catalogue: CatalogueFile) -> None:
    assert {r.code for r in catalogue.rollen if r.verklaring_vereist} == {"dienstverlener", "gtk-beheerder"}


def test_twiin_deelnemer_is_an_organisation_distinct_from_the_deelnemer_employee(
    catalogue: CatalogueFile,
) -> None:
    organisatie = rol(catalogue, "deelnemende-organisatie")
    medewerker = rol(catalogue, "deelnemer")
    assert organisatie.naam == "Deelnemende organisatie"
    assert organisatie.roltype == Roltype.ORGANISATORISCH
    assert organisatie.bron.startswith("Twiin")
    assert Relatie(soort=Relatiesoort.HANDELT_NAMENS, rol="deelnemende-organisatie") in medewerker.relaties


@pytest.mark.parametrize(
    ("code", "soort", "doel"),
    [
        ("dienstverlener", Relatiesoort.ONDERSTEUNT, "deelnemende-organisatie"),
        ("gtk-beheerder", Relatiesoort.ONDERSTEUNT, "deelnemende-organisatie"),
        ("casemanager", Relatiesoort.HANDELT_NAMENS, "stelselorganisatie"),
        ("stelselorganisatie", Relatiesoort.KENT_TOE, "dienstverlener"),
        ("stelselorganisatie", Relatiesoort.REGISTREERT, "dienstverlener"),
        ("afnemer", Relatiesoort.NEEMT_AF_VAN, "bronhouder"),
        ("ledenadministrator", Relatiesoort.REGISTREERT, "deelnemende-organisatie"),
        ("tien-in-twente-regisseur", Relatiesoort.SPECIALISEERT, "procesregisseur"),
        ("casuscoordinator-ggz", Relatiesoort.SPECIALISEERT, "casusregisseur"),
    ],
)
def test_relations_the_sources_imply(
    catalogue: CatalogueFile, code: str, soort: Relatiesoort, doel: str
) -> None:
    assert Relatie(soort=soort, rol=doel) in rol(catalogue, code).relaties


def test_stelselbeheerder_grants_every_other_technical_role(catalogue: CatalogueFile) -> None:
    granted = {r.rol for r in rol(catalogue, "stelselbeheerder").relaties if r.soort == Relatiesoort.KENT_TOE}
    technisch = {r.code for r in catalogue.rollen if r.roltype == Roltype.TECHNISCH}
    assert granted == technisch - {"stelselbeheerder"}


# --------------------------------------------------------------------------------------------
# Duty lists


def duty_rows(role: Rol) -> list[tuple[str, str]]:
    return [(d.soort.value, d.tekst) for d in role.duties]


def test_tien_in_twente_regisseur_keeps_the_sheet_rows(catalogue: CatalogueFile) -> None:
    regisseur = rol(catalogue, "tien-in-twente-regisseur")
    assert regisseur.naam == "Regisseur"
    assert regisseur.bron == "Team Tien in Twente, rolbeschrijving versie 6"
    assert regisseur.duties_afgeleid is False
    assert regisseur.documentstatus is None  # the sheet carries no status of its own
    rows = duty_rows(regisseur)
    assert len(rows) == 31
    assert rows[:5] == [
        ("taak", "Draagt zorg voor goede afspraken over privacy, convenant en geheimhoudingsverklaring."),
        ("verantwoordelijkheid", "Ziet toe op de afspraken en organiseert/verbetert afspraken waar nodig."),
        ("taak", "Wegen en beoordelen van het signaal in overleg met procesmanager VHT"),
        ("verantwoordelijkheid", "Indien signaal elders hoort, dit goed overdragen."),
        ("bevoegdheid", "Spoedprocedure starten indien nodig"),
    ]
    assert (
        "verantwoordelijkheid",
        "Stemt tijdig af met betrokken partijen, ambtelijk en bestuurlijk",
    ) in rows
    assert ("bevoegdheid", "De Regisseur spreekt partijen aan en schaalt eventuele knelpunten op.") in rows


def test_casus_coordinator_ggz_keeps_the_sheet_rows(catalogue: CatalogueFile) -> None:
    coordinator = rol(catalogue, "casuscoordinator-ggz")
    rows = duty_rows(coordinator)
    assert len(rows) == 27
    assert [soort for soort, _ in rows] == ["taak", "verantwoordelijkheid", "bevoegdheid"] * 9
    assert rows[0] == ("taak", "Overlegt met de Regisseur over de casus")
    assert rows[-1] == (
        "bevoegdheid",
        "Neemt binnen de afgesproken kaders van het PvA inhoudelijke beslissingen in het MDO/IO.",
    )
    assert (
        "taak",
        "Legt, waar mogelijk contact met het cliëntsysteem, onderneemt actie in acute situaties",
    ) in rows


def test_ervaringsdeskundige_ggz_keeps_the_sheet_rows(catalogue: CatalogueFile) -> None:
    ervaringsdeskundige = rol(catalogue, "ervaringsdeskundige-ggz")
    rows = duty_rows(ervaringsdeskundige)
    assert len(rows) == 22
    assert rows[0] == ("taak", "Werkt complementair aan de andere betrokkenen in de aanpak")
    assert (
        "taak",
        "Ondersteunt het hervinden van een leefbaar leven met of voorbij ervaren beperkingen",
    ) in rows
    assert Relatie(soort=Relatiesoort.ONDERSTEUNT, rol="burger") in ervaringsdeskundige.relaties


def all_texts(catalogue: CatalogueFile) -> list[str]:
    texts: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(msgspec.to_builtins(catalogue))
    return texts


@pytest.mark.parametrize(
    "garbled", ["parRjen", "GeeO", "heeO", "communicaRe", "Rjdig", "acRe", "VoorziSer", "-\u00a0", "\u00a0"]
)
def test_no_extraction_garbling_is_left_in_the_texts(catalogue: CatalogueFile, garbled: str) -> None:
    assert not [text for text in all_texts(catalogue) if garbled in text]


@pytest.mark.parametrize(
    "code",
    [
        "dienstverlener",
        "gtk-beheerder",
        "casemanager",
        "stelselorganisatie",
        "stelselbeheerder",
        "ledenadministrator",
    ],
)
def test_duty_lists_the_stelsel_wrote_say_so_and_cover_all_three_kinds(
    catalogue: CatalogueFile, code: str
) -> None:
    role = rol(catalogue, code)
    assert role.duties_afgeleid is True
    assert 5 <= len(role.duties) <= 12
    assert {d.soort for d in role.duties} == set(Dutysoort)


def test_dienstverlener_intake_walks_a_concrete_list(catalogue: CatalogueFile) -> None:
    dienstverlener = rol(catalogue, "dienstverlener")
    first = dienstverlener.duties[0]
    assert first.code == "dienstverlener-t01"
    assert first.tekst.startswith("Neemt kennis van de lijst van taken en verantwoordelijkheden")
    teksten = " ".join(d.tekst for d in dienstverlener.duties)
    for onderwerp in (
        "aangesloten deelnemende organisatie",
        "aansluiting",
        "informatiebeveiliging",
        "datalekken",
    ):
        assert onderwerp in teksten
    verplicht = [d for d in dienstverlener.duties if d.verplicht]
    assert 0 < len(verplicht) < len(dienstverlener.duties)


def test_roles_without_a_duty_list_in_any_source_have_none(catalogue: CatalogueFile) -> None:
    assert rol(catalogue, "stelselhouder").duties == []
    assert rol(catalogue, "stelselhouder").duties_afgeleid is False


def test_duty_codes_are_unique_in_the_release(catalogue: CatalogueFile) -> None:
    codes = [d.code for r in catalogue.rollen for d in r.duties]
    assert len(codes) == len(set(codes))


# --------------------------------------------------------------------------------------------
# Round trip


def test_the_file_is_in_the_canonical_layout() -> None:
    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    assert dump_catalogue(read_catalogue(CATALOGUE_PATH)) == text
    assert text.startswith("# Catalogus van het afsprakenstelsel")


def test_round_trip_of_a_changed_catalogue_is_lossless(catalogue: CatalogueFile, tmp_path: Path) -> None:
    changed = msgspec.structs.replace(
        catalogue,
        release=msgspec.structs.replace(
            catalogue.release, versie="1.3.0", status="concept", ingangsdatum=None
        ),
        rollen=[
            *catalogue.rollen,
            Rol(
                code="ketenpartner",
                naam="Ketenpartner",
                roltype=Roltype.ORGANISATORISCH,
                toelichting='Een partner met "aanhalingstekens"\nen een tweede regel.',
                bron="Voorbeeld",
                relaties=[Relatie(soort=Relatiesoort.STEMT_AF_MET, rol="melder")],
            ),
        ],
    )
    path = tmp_path / "1.3.0.toml"
    path.write_text(dump_catalogue(changed), encoding="utf-8")
    assert read_catalogue(path) == changed
    assert dump_catalogue(read_catalogue(path)) == path.read_text(encoding="utf-8")


def test_dump_refuses_a_catalogue_that_could_not_be_read_back(catalogue: CatalogueFile) -> None:
    broken = msgspec.structs.replace(
        catalogue,
        rollen=[
            msgspec.structs.replace(
                catalogue.rollen[0], relaties=[Relatie(soort=Relatiesoort.ONDERSTEUNT, rol="bestaat-niet")]
            ),
            *catalogue.rollen[1:],
        ],
    )
    with pytest.raises(CatalogueFileError, match="relation to unknown role 'bestaat-niet'"):
        dump_catalogue(broken)


# --------------------------------------------------------------------------------------------
# Bad input


def raw_catalogue() -> dict[str, Any]:
    return tomllib.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))


def role_in(raw: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in raw["rollen"] if r["code"] == code)


def set_in_role(code: str, /, **changes: Any) -> Callable[[dict[str, Any]], None]:
    return lambda raw: role_in(raw, code).update(changes)


def remove_from_role(code: str, field: str) -> Callable[[dict[str, Any]], None]:
    return lambda raw: role_in(raw, code).pop(field)


BAD_INPUT = {
    "duplicate role code": (
        set_in_role("melder", code="burger"),
        ["(code 'burger')", "field 'code'", "duplicate code 'burger', already used by rollen["],
    ),
    "duplicate duty code": (
        lambda raw: role_in(raw, "casemanager")["duties"][1].update(code="casemanager-t01"),
        ["(code 'casemanager') > duties[1]", "field 'code'", "duplicate duty code 'casemanager-t01'"],
    ),
    "unknown roltype": (
        set_in_role("melder", roltype="uitvoering"),
        ["(code 'melder')", "field 'roltype'", "unknown value 'uitvoering'; expected one of: besturing,"],
    ),
    "unknown duty soort": (
        lambda raw: role_in(raw, "dienstverlener")["duties"][0].update(soort="plicht"),
        [
            "(code 'dienstverlener') > duties[0] (code 'dienstverlener-t01')",
            "field 'soort'",
            "unknown value 'plicht'; expected one of: taak, verantwoordelijkheid, bevoegdheid",
        ],
    ),
    "unknown relation soort": (
        set_in_role("melder", relaties=[{"soort": "beheert", "rol": "burger"}]),
        ["(code 'melder') > relaties[0]", "field 'soort'", "unknown value 'beheert'"],
    ),
    "missing required field": (
        remove_from_role("melder", "naam"),
        ["(code 'melder')", "field 'naam'", "required field is missing"],
    ),
    "missing section": (
        lambda raw: raw.pop("grondslagen"),
        ["field 'grondslagen'", "required field is missing"],
    ),
    "empty required text": (
        set_in_role("melder", toelichting=""),
        ["(code 'melder')", "field 'toelichting'", "must not be empty"],
    ),
    "misspelt field": (
        set_in_role("melder", toelichtng="x"),
        ["(code 'melder')", "field 'toelichtng'", "unknown field"],
    ),
    "relation to an unknown role": (
        set_in_role("dienstverlener", relaties=[{"soort": "ondersteunt", "rol": "zorgaanbieder"}]),
        ["(code 'dienstverlener') > relaties[0]", "field 'rol'", "relation to unknown role 'zorgaanbieder'"],
    ),
    "relation to itself": (
        set_in_role("melder", relaties=[{"soort": "stemt-af-met", "rol": "melder"}]),
        ["(code 'melder') > relaties[0]", "field 'rol'", "cannot relate to itself"],
    ),
    "bad semver": (
        lambda raw: raw["release"].update(versie="1.2"),
        ["release", "field 'versie'", "'1.2' is not a semantic version MAJOR.MINOR.PATCH"],
    ),
    "unknown release status": (
        lambda raw: raw["release"].update(status="klaar"),
        [
            "release",
            "field 'status'",
            "unknown value 'klaar'; expected one of: concept, consultatie, definitief",
        ],
    ),
    "code that is not kebab-case": (
        set_in_role("melder", code="Melder"),
        ["field 'code'", "'Melder' is not a code of lower-case letters and digits"],
    ),
    "samenwerkfuncties out of order": (
        lambda raw: raw["samenwerkfuncties"][4].update(nummer=6),
        ["samenwerkfuncties[4]", "field 'nummer'", "nummer is 6 but this is function 5"],
    ),
    "duplicate samenwerkfunctie code": (
        lambda raw: raw["samenwerkfuncties"][1].update(code="uitwisselen-melding"),
        ["samenwerkfuncties[1]", "field 'code'", "duplicate code 'uitwisselen-melding'"],
    ),
    "derived duty list without duties": (
        set_in_role("casemanager", duties=[]),
        ["(code 'casemanager')", "field 'duties_afgeleid'", "has no duties"],
    ),
    "verklaring without a mandatory duty": (
        lambda raw: [d.update(verplicht=False) for d in role_in(raw, "gtk-beheerder")["duties"]],
        ["(code 'gtk-beheerder')", "field 'verklaring_vereist'", "at least one verplicht duty"],
    ),
    "wrong value type": (
        set_in_role("melder", verklaring_vereist="ja"),
        ["(code 'melder')", "field 'verklaring_vereist'", "Expected `bool`, got `str`"],
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=str)
def test_bad_input_is_refused_with_a_message_naming_file_entry_and_field(case: str, tmp_path: Path) -> None:
    mutate, expected_parts = BAD_INPUT[case]
    raw = copy.deepcopy(raw_catalogue())
    mutate(raw)
    path = tmp_path / "1.2.0.toml"
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")

    with pytest.raises(CatalogueFileError) as caught:
        read_catalogue(path)

    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    for part in expected_parts:
        assert part in message


def test_file_named_after_another_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "1.3.0.toml"
    path.write_text(CATALOGUE_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(CatalogueFileError, match=r"file name says release '1\.3\.0' but versie is '1\.2\.0'"):
        read_catalogue(path)


def test_text_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "1.2.0.toml"
    path.write_text('[release]\nversie = "1.2.0\n', encoding="utf-8")
    with pytest.raises(CatalogueFileError, match="not valid TOML") as caught:
        read_catalogue(path)
    assert caught.value.source == str(path)


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "1.2.0.toml"
    path.write_bytes('titel = "Catalogus Jeugd én Zorg"\n'.encode("latin-1"))
    with pytest.raises(CatalogueFileError, match="not UTF-8 text"):
        read_catalogue(path)
