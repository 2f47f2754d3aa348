"""Identificaties of deelnemers: what a beheerder types, what the register stores, and what it says back."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.ledenadministratie.identifiers import (
    Identificatie,
    IdentificatieSoort,
    InvalidIdentificatie,
    InvalidPostcode,
    elfproef,
    generate_valid,
    parse_identificatie,
    validate,
    validate_postcode,
)

KVK = IdentificatieSoort.KVK
VESTIGINGSNUMMER = IdentificatieSoort.VESTIGINGSNUMMER
RSIN = IdentificatieSoort.RSIN
OIN = IdentificatieSoort.OIN
URA = IdentificatieSoort.URA
AGB = IdentificatieSoort.AGB

# Published numbers of real organisations and of the KvK test environment, and OINs built from them
# the way the OIN-stelsel prescribes (prefix, hoofdnummer, zeros).
KNOWN_VALID = [
    pytest.param(KVK, "69599084", id="kvk-testomgeving"),
    pytest.param(VESTIGINGSNUMMER, "000038509504", id="vestiging-kvk-testomgeving"),
    pytest.param(RSIN, "002564440", id="rsin-gemeente-amsterdam"),
    pytest.param(RSIN, "822477348", id="rsin-logius"),
    pytest.param(OIN, "00000001002564440000", id="oin-gemeente-amsterdam"),
    pytest.param(OIN, "00000001822477348000", id="oin-logius"),
    pytest.param(OIN, "00000004194049711000", id="suboin-digilevering-integrator"),
    pytest.param(OIN, "00000003695990840000", id="oin-uit-kvk-nummer"),
    pytest.param(OIN, "0000000700025BE00000", id="oin-uit-brin-hanzehogeschool"),
    pytest.param(OIN, "00000099123456789000", id="test-oin"),
    pytest.param(URA, "00015823", id="ura-medisch-centrum-leeuwarden"),
    pytest.param(AGB, "06020101", id="agb-umcg"),
    pytest.param(AGB, "06010210", id="agb-medisch-centrum-leeuwarden"),
]


@pytest.mark.parametrize(("soort", "waarde"), KNOWN_VALID)
def test_known_numbers_are_accepted_as_they_are(soort: IdentificatieSoort, waarde: str) -> None:
    identificatie = parse_identificatie(f"{soort}:{waarde}")

    assert identificatie == Identificatie(soort, waarde)
    assert identificatie.waarde == waarde
    assert str(identificatie) == f"{soort.value}:{waarde}"


@pytest.mark.parametrize(
    ("getypt", "opgeslagen"),
    [
        pytest.param("  kvk:69599084\n", "kvk:69599084", id="witruimte-eromheen"),
        pytest.param("KVK : 6959 9084", "kvk:69599084", id="hoofdletters-en-spaties"),
        pytest.param("Rsin:002.564.440", "rsin:002564440", id="punten"),
        pytest.param("vestigingsnummer:0000-3850-9504", "vestigingsnummer:000038509504", id="streepjes"),
        pytest.param("oin:00000001 002564440 000", "oin:00000001002564440000", id="oin-in-blokken"),
        pytest.param("oin:0000000700025be00000", "oin:0000000700025BE00000", id="oin-brin-kleine-letters"),
        pytest.param("ura:15823", "ura:00015823", id="ura-zonder-voorloopnullen"),
        pytest.param("agb:06\u00a0020\u2013101", "agb:06020101", id="harde-spatie-en-gedachtestreepje"),
        pytest.param("kvk:\t69599084\t", "kvk:69599084", id="tabs"),
    ],
)
def test_what_a_user_types_is_stored_in_standard_form(getypt: str, opgeslagen: str) -> None:
    assert str(parse_identificatie(getypt)) == opgeslagen


@pytest.mark.parametrize(
    ("getypt", "veld", "melding"),
    [
        pytest.param(
            "69599084",
            "identificatie",
            "Gebruik de vorm soort:waarde, bijvoorbeeld kvk:12345678",
            id="geen-soort",
        ),
        pytest.param(
            ":69599084",
            "identificatie",
            "Gebruik de vorm soort:waarde, bijvoorbeeld kvk:12345678",
            id="lege-soort",
        ),
        pytest.param(
            "",
            "identificatie",
            "Gebruik de vorm soort:waarde, bijvoorbeeld kvk:12345678",
            id="niets-ingevuld",
        ),
        pytest.param(
            "foo:123",
            "soort",
            "Onbekende soort identificatie 'foo': kies uit kvk, vestigingsnummer, rsin, oin, ura, agb",
            id="onbekende-soort",
        ),
        pytest.param("kvk:", "waarde", "KvK-nummer ontbreekt", id="kvk-leeg"),
        pytest.param(
            "kvk:2076358",
            "waarde",
            "KvK-nummer moet 8 cijfers hebben, '2076358' heeft er 7 (voorloopnullen tellen mee)",
            id="kvk-te-kort",
        ),
        pytest.param(
            "kvk:695990841",
            "waarde",
            "KvK-nummer moet 8 cijfers hebben, '695990841' heeft er 9",
            id="kvk-te-lang",
        ),
        pytest.param(
            "kvk:6959908a", "waarde", "KvK-nummer mag alleen cijfers bevatten, niet 'a'", id="kvk-letter"
        ),
        pytest.param(
            "kvk:6959908\u00b2",
            "waarde",
            "KvK-nummer mag alleen cijfers bevatten, niet '\u00b2'",
            id="kvk-superscript",
        ),
        pytest.param(
            "vestigingsnummer:38509504",
            "waarde",
            "Vestigingsnummer moet 12 cijfers hebben, '38509504' heeft er 8 (voorloopnullen tellen mee)",
            id="vestigingsnummer-zonder-voorloopnullen",
        ),
        pytest.param(
            "rsin:002564441",
            "waarde",
            "RSIN voldoet niet aan de elfproef: '002564441' is waarschijnlijk verkeerd overgetypt",
            id="rsin-tikfout",
        ),
        pytest.param(
            "rsin:123456789",
            "waarde",
            "RSIN voldoet niet aan de elfproef: '123456789' is waarschijnlijk verkeerd overgetypt",
            id="rsin-volgnummer",
        ),
        pytest.param(
            "rsin:2564440",
            "waarde",
            "RSIN moet 9 cijfers hebben, '2564440' heeft er 7 (voorloopnullen tellen mee)",
            id="rsin-voorloopnullen-kwijt",
        ),
        pytest.param(
            "oin:0000000100256444000",
            "waarde",
            "OIN moet 20 cijfers hebben, '0000000100256444000' heeft er 19",
            id="oin-te-kort",
        ),
        pytest.param(
            "oin:0000000100256444000A", "waarde", "OIN mag alleen cijfers bevatten, niet 'A'", id="oin-letter"
        ),
        pytest.param(
            "oin:00000005002564440000",
            "waarde",
            "OIN-prefix 00000005 komt niet voor in de prefixtabel van het OIN-stelsel; bekende prefixen zijn "
            "00000001, 00000002, 00000003, 00000004, 00000006, 00000007, 00000008, 00000009, 00000010, "
            "00000011, 00000099",
            id="oin-vrije-prefix",
        ),
        pytest.param(
            "oin:00000001123456789000",
            "waarde",
            "Het RSIN in dit OIN (123456789) voldoet niet aan de elfproef",
            id="oin-met-fout-rsin",
        ),
        pytest.param(
            "oin:00000001002564440001",
            "waarde",
            "OIN met prefix 00000001 (RSIN) moet eindigen op 000",
            id="oin-rsin-suffix",
        ),
        pytest.param(
            "oin:00000003695990841000",
            "waarde",
            "OIN met prefix 00000003 (KvK-nummer) moet eindigen op 0000",
            id="oin-kvk-suffix",
        ),
        pytest.param(
            "oin:00000006123456789123",
            "waarde",
            "OIN met prefix 00000006 (Logius OIN-hoofdnummer) moet eindigen op 000",
            id="oin-logius-suffix",
        ),
        pytest.param(
            "ura:123456789",
            "waarde",
            "URA heeft hoogstens 8 cijfers, '123456789' heeft er 9",
            id="ura-te-lang",
        ),
        pytest.param("ura:U0015823", "waarde", "URA mag alleen cijfers bevatten, niet 'U'", id="ura-letter"),
        pytest.param(
            "agb:00123456",
            "waarde",
            "AGB-code begint met de zorgverlenersoort, en 00 is geen zorgverlenersoort",
            id="agb-zonder-zorgverlenersoort",
        ),
        pytest.param(
            "agb:0602010",
            "waarde",
            "AGB-code moet 8 cijfers hebben, '0602010' heeft er 7 (voorloopnullen tellen mee)",
            id="agb-te-kort",
        ),
    ],
)
def test_a_broken_rule_is_named_in_the_message(getypt: str, veld: str, melding: str) -> None:
    with pytest.raises(InvalidIdentificatie) as fout:
        parse_identificatie(getypt)

    assert fout.value.field == veld
    assert fout.value.message == melding
    assert str(fout.value) == melding


def test_an_invalid_identificatie_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="RSIN voldoet niet aan de elfproef"):
        parse_identificatie("rsin:123456789")


@pytest.mark.parametrize(
    ("soort", "waarde", "verwacht"),
    [
        pytest.param(KVK, " 6959 9084 ", "kvk:69599084", id="member"),
        pytest.param("KvK", "69599084", "kvk:69599084", id="soort-als-tekst"),
        pytest.param(" oin ", "00000001002564440000", "oin:00000001002564440000", id="soort-met-spaties"),
        pytest.param("URA", "15823", "ura:00015823", id="csv-kolom"),
    ],
)
def test_soort_and_waarde_from_separate_inputs(
    soort: IdentificatieSoort | str, waarde: str, verwacht: str
) -> None:
    assert str(validate(soort, waarde)) == verwacht


@pytest.mark.parametrize(
    ("soort", "melding"),
    [
        ("btw", "Onbekende soort identificatie 'btw': kies uit kvk, vestigingsnummer, rsin, oin, ura, agb"),
        ("  ", "Soort identificatie ontbreekt: kies uit kvk, vestigingsnummer, rsin, oin, ura, agb"),
    ],
)
def test_an_unknown_soort_from_a_separate_input_points_at_the_soort(soort: str, melding: str) -> None:
    with pytest.raises(InvalidIdentificatie) as fout:
        validate(soort, "69599084")

    assert fout.value.field == "soort"
    assert fout.value.message == melding


def test_a_waarde_from_a_separate_input_is_checked_by_the_same_rule() -> None:
    with pytest.raises(InvalidIdentificatie, match=r"^OIN moet 20 cijfers hebben") as fout:
        validate(OIN, "1234")

    assert fout.value.field == "waarde"


def test_building_an_identificatie_directly_normalises_and_validates() -> None:
    assert Identificatie(KVK, "6959.9084").waarde == "69599084"
    with pytest.raises(InvalidIdentificatie, match=r"^RSIN voldoet niet aan de elfproef"):
        Identificatie(RSIN, "123456789")


def test_identificaties_compare_by_soort_and_standard_form() -> None:
    assert parse_identificatie("kvk:6959 9084") == parse_identificatie("KVK:69599084")
    assert len({parse_identificatie("ura:15823"), parse_identificatie("ura:00015823")}) == 1
    assert parse_identificatie("kvk:69599084") != validate(AGB, "69599084")


@pytest.mark.parametrize(
    ("soort", "label"),
    [
        (KVK, "KvK-nummer"),
        (VESTIGINGSNUMMER, "Vestigingsnummer"),
        (RSIN, "RSIN"),
        (OIN, "OIN"),
        (URA, "URA"),
        (AGB, "AGB-code"),
    ],
)
def test_every_soort_has_a_dutch_label(soort: IdentificatieSoort, label: str) -> None:
    assert soort.label == label


@pytest.mark.parametrize(
    ("digits", "uitkomst"),
    [
        ("002564440", True),
        ("822477348", True),
        ("123456782", True),
        ("123456789", False),
        ("12345678", False),
        ("", False),
        ("12345678a", False),
        ("12345678\u0662", False),
    ],
)
def test_elfproef(digits: str, uitkomst: bool) -> None:
    assert elfproef(digits) is uitkomst


@given(soort=st.sampled_from(IdentificatieSoort), rng=st.randoms(use_true_random=False))
def test_generated_identificaties_pass_every_rule_and_round_trip(
    soort: IdentificatieSoort, rng: random.Random
) -> None:
    identificatie = generate_valid(soort, rng)

    assert identificatie.soort is soort
    assert parse_identificatie(str(identificatie)) == identificatie
    assert validate(soort.value, identificatie.waarde) == identificatie


@pytest.mark.parametrize(("soort", "waarde"), KNOWN_VALID)
def test_known_numbers_round_trip(soort: IdentificatieSoort, waarde: str) -> None:
    identificatie = validate(soort, waarde)

    assert parse_identificatie(str(identificatie)) == identificatie


def test_generated_rsins_and_the_rsin_inside_generated_oins_pass_the_elfproef() -> None:
    rng = random.Random(20240601)
    oins = [generate_valid(OIN, rng).waarde for _ in range(2000)]

    assert all(elfproef(generate_valid(RSIN, rng).waarde) for _ in range(2000))
    assert all(elfproef(oin[8:17]) for oin in oins if oin.startswith("00000001"))
    assert {oin[:8] for oin in oins} == {"00000001", "00000003", "00000004", "00000006"}


def test_generation_is_deterministic_given_the_seed() -> None:
    def reeks(seed: int) -> list[str]:
        rng = random.Random(seed)
        return [str(generate_valid(soort, rng)) for _ in range(50) for soort in IdentificatieSoort]

    assert reeks(7) == reeks(7)
    assert reeks(7) != reeks(8)


def test_demo_data_volumes_are_cheap_to_generate() -> None:
    rng = random.Random(1)
    soorten = list(IdentificatieSoort)

    identificaties = {generate_valid(soorten[i % len(soorten)], rng) for i in range(30_000)}

    assert len(identificaties) > 29_000


@pytest.mark.parametrize(
    ("getypt", "opgeslagen"),
    [
        ("1234 AB", "1234 AB"),
        ("1234ab", "1234 AB"),
        ("  1234   ab ", "1234 AB"),
        ("9999ZZ", "9999 ZZ"),
        ("1000 AA", "1000 AA"),
        ("8011 PK", "8011 PK"),
    ],
)
def test_a_postcode_is_stored_as_four_digits_space_two_capitals(getypt: str, opgeslagen: str) -> None:
    assert validate_postcode(getypt) == opgeslagen


@pytest.mark.parametrize(
    ("getypt", "melding"),
    [
        ("", "Postcode ontbreekt"),
        ("0123 AB", "Postcode '0123 AB' begint met 0; Nederlandse postcodes lopen van 1000 tot 9999"),
        ("1234 SS", "Postcode '1234 SS' bestaat niet: de letters SA, SD en SS worden niet uitgegeven"),
        ("1234 sa", "Postcode '1234 sa' bestaat niet: de letters SA, SD en SS worden niet uitgegeven"),
        ("1234SD", "Postcode '1234SD' bestaat niet: de letters SA, SD en SS worden niet uitgegeven"),
        ("1234 A", "Postcode '1234 A' heeft niet de vorm 1234 AB: vier cijfers en twee letters"),
        ("12345 AB", "Postcode '12345 AB' heeft niet de vorm 1234 AB: vier cijfers en twee letters"),
        ("1234-AB", "Postcode '1234-AB' heeft niet de vorm 1234 AB: vier cijfers en twee letters"),
        ("AB 1234", "Postcode 'AB 1234' heeft niet de vorm 1234 AB: vier cijfers en twee letters"),
        ("1234 \u00c4B", "Postcode '1234 \u00c4B' heeft niet de vorm 1234 AB: vier cijfers en twee letters"),
    ],
)
def test_a_wrong_postcode_is_refused_with_the_rule(getypt: str, melding: str) -> None:
    with pytest.raises(InvalidPostcode) as fout:
        validate_postcode(getypt)

    assert fout.value.field == "postcode"
    assert fout.value.message == melding
