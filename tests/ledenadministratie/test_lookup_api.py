"""Systems of the stelsel ask the lookup API "who is this party and what may it do?"."""

from __future__ import annotations

import dataclasses
import unicodedata
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.app import create_app
from registry.ledenadministratie import services
from registry.ledenadministratie.antwoord import ANSWER_TYP
from registry.ledenadministratie.schemas import (
    Beeindiging,
    IdentificatieInvoer,
    OndersteuningsrelatieCreate,
)
from registry.settings import Settings
from registry.signing import verify_jws
from tests.conftest import MovableClock
from tests.ledenadministratie.conftest import BEHEERDER, DeelnemerFactory, RolFactory, VerklaringenStandIn

pytestmark = pytest.mark.usefixtures("catalogus", "verklaringen")

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TokenFactory = Callable[..., Awaitable[str]]


@dataclasses.dataclass
class Register:
    utrecht: uuid.UUID
    koppelpunt: uuid.UUID
    zorggroep: uuid.UUID


@pytest.fixture
async def register(
    catalogus: None,
    verklaringen: VerklaringenStandIn,
    db: AsyncSession,
    clock: MovableClock,
    make_deelnemer: DeelnemerFactory,
    grant: RolFactory,
) -> Register:
    """A small register, built over two years: a gemeente, a dienstverlener supporting it, and a
    zorgaanbieder that was bronhouder last year and is geschorst now."""
    clock.moment = datetime(2025, 1, 2, 9, tzinfo=UTC)
    utrecht = await make_deelnemer(
        "Gemeente Utrecht", kvk="30280353", regio="Jeugdzorgregio Utrecht Stad",
        extra=[IdentificatieInvoer(soort="oin", waarde="00000001002220647000")],
    )  # fmt: skip
    await grant(utrecht.id, "afnemer", date(2025, 1, 1))
    koppelpunt = await make_deelnemer("Koppelpunt BV", soort="softwareleverancier", kvk="90000001")
    await grant(koppelpunt.id, "dienstverlener", date(2025, 1, 1), verklaring="VK-2025-0001")
    await services.create_ondersteuningsrelatie(
        db,
        OndersteuningsrelatieCreate(
            dienstverlener_id=koppelpunt.id, deelnemer_id=utrecht.id,
            taken=["dienstverlener-t01", "dienstverlener-t02"], geldig_van=date(2025, 2, 1),
        ),
        actor=BEHEERDER, clock=clock,
    )  # fmt: skip
    zorggroep = await make_deelnemer("Zorggroep Súdwest", soort="zorgaanbieder", kvk="41035678")
    bron = await grant(zorggroep.id, "bronhouder", date(2025, 1, 1))
    await grant(zorggroep.id, "afnemer", date(2025, 1, 1))
    clock.moment = datetime(2025, 12, 15, 9, tzinfo=UTC)
    await services.end_rolvervulling(
        db,
        bron.id,
        Beeindiging(einddatum=date(2026, 1, 1), reden="Bron overgedragen"),
        actor=BEHEERDER,
        clock=clock,
    )
    clock.moment = datetime(2026, 11, 1, 9, tzinfo=UTC)
    await services.change_deelnemer_status(
        db, zorggroep.id, "geschorst", "Beveiligingsincident", actor=BEHEERDER, clock=clock
    )
    clock.moment = NOW
    return Register(utrecht.id, koppelpunt.id, zorggroep.id)


def _names(body: dict[str, object]) -> list[str]:
    return [item["naam"] for item in body["items"]]  # type: ignore[index]


# --- finding deelnemers -------------------------------------------------------------------------------


@pytest.mark.usefixtures("register")
async def test_anyone_finds_deelnemers_by_the_start_of_any_word_in_either_unicode_form(
    client: AsyncTestClient[Litestar],
) -> None:
    for zoek in (
        "gemeente u",
        "Utr",
        "súdwest",
        "SUDWEST",
        unicodedata.normalize("NFD", "Súdwest"),
        "koppel",
    ):
        response = await client.get("/api/v1/deelnemers", params={"zoek": zoek})
        assert response.status_code == 200, response.text
        assert len(response.json()["items"]) == 1, zoek

    response = await client.get("/api/v1/deelnemers", params={"zoek": "3028 0353"})
    assert _names(response.json()) == ["Gemeente Utrecht"]
    response = await client.get("/api/v1/deelnemers", params={"zoek": "trecht"})
    assert response.json()["items"] == []


@pytest.mark.usefixtures("register")
async def test_filters_and_paging_combine(client: AsyncTestClient[Litestar]) -> None:
    everyone = await client.get("/api/v1/deelnemers")
    assert _names(everyone.json()) == ["Gemeente Utrecht", "Koppelpunt BV", "Zorggroep Súdwest"]
    assert everyone.headers["x-total-count"] == "3"

    assert _names((await client.get("/api/v1/deelnemers", params={"rol": "afnemer"})).json()) == [
        "Gemeente Utrecht",
        "Zorggroep Súdwest",
    ]
    assert _names((await client.get("/api/v1/deelnemers", params={"status": "geschorst"})).json()) == [
        "Zorggroep Súdwest"
    ]
    assert _names(
        (await client.get("/api/v1/deelnemers", params={"soort": "softwareleverancier"})).json()
    ) == ["Koppelpunt BV"]
    assert _names(
        (await client.get("/api/v1/deelnemers", params={"regio": "Jeugdzorgregio Utrecht Stad"})).json()
    ) == ["Gemeente Utrecht"]
    page = (await client.get("/api/v1/deelnemers", params={"page": 2, "pageSize": 2})).json()
    assert (_names(page), page["total"]) == (["Zorggroep Súdwest"], 3)


@pytest.mark.usefixtures("register")
async def test_as_of_last_year_the_list_shows_last_years_roles_and_status(
    client: AsyncTestClient[Litestar],
) -> None:
    then = await client.get("/api/v1/deelnemers", params={"rol": "bronhouder", "peildatum": "2025-06-01"})
    now = await client.get("/api/v1/deelnemers", params={"rol": "bronhouder"})
    before_register = await client.get("/api/v1/deelnemers", params={"peildatum": "2024-12-31"})
    actief_then = await client.get(
        "/api/v1/deelnemers", params={"status": "actief", "peildatum": "2026-10-01"}
    )

    assert _names(then.json()) == ["Zorggroep Súdwest"]
    assert then.json()["items"][0]["status"] == "actief"
    assert now.json()["items"] == []
    assert before_register.json()["items"] == []
    assert "Zorggroep Súdwest" in _names(actief_then.json())


async def test_lookup_by_identificatie_gives_at_most_one(
    client: AsyncTestClient[Litestar], register: Register
) -> None:
    found = await client.get("/api/v1/deelnemers", params={"identificatie": "OIN:00000001002220647000"})
    missing = await client.get("/api/v1/deelnemers", params={"identificatie": "kvk:12345678"})
    by_path = await client.get("/api/v1/deelnemers/kvk:30280353")
    by_id = await client.get(f"/api/v1/deelnemers/{register.utrecht}")

    assert [item["id"] for item in found.json()["items"]] == [str(register.utrecht)]
    assert missing.json()["items"] == []
    assert by_path.json() == by_id.json()
    body = by_id.json()
    assert {i["tekst"] for i in body["identificaties"]} == {"kvk:30280353", "oin:00000001002220647000"}
    assert [r["rolCode"] for r in body["rollen"]] == ["afnemer"]
    assert body["ondersteundDoor"][0]["dienstverlener"]["naam"] == "Koppelpunt BV"
    assert body["ondersteundDoor"][0]["geldigVan"] == "2025-02-01"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"peildatum": "gisteren"}, "peildatum"),
        ({"peildatum": "2026-02-30"}, "peildatum"),
        ({"peildatum": "2026-02-03T10:00:00"}, "peildatum"),
        ({"identificatie": "kvk:1234"}, "identificatie"),
        ({"status": "opgeheven"}, "status"),
        ({"soort": "ziekenhuis"}, "soort"),
        ({"rol": "hoofdrolspeler"}, "rol"),
        ({"pageSize": "500"}, "pageSize"),
    ],
)
async def test_a_bad_filter_is_a_400_problem_naming_it(
    client: AsyncTestClient[Litestar], params: dict[str, str], field: str
) -> None:
    response = await client.get("/api/v1/deelnemers", params=params)

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [p["name"] for p in response.json()["invalidParams"]] == [field]


async def test_every_lookup_refuses_a_bad_peildatum(
    client: AsyncTestClient[Litestar], register: Register
) -> None:
    for path, params in (
        (f"/api/v1/deelnemers/{register.utrecht}", {}),
        (f"/api/v1/deelnemers/{register.utrecht}/rollen", {}),
        ("/api/v1/rolcheck", {"deelnemer": "kvk:30280353", "rol": "afnemer"}),
        ("/api/v1/dienstverleners", {}),
    ):
        response = await client.get(path, params={**params, "peildatum": "2026-13-01"})
        assert response.status_code == 400, path
        assert response.json()["invalidParams"][0]["name"] == "peildatum"
        assert "2026-13-01" in response.json()["invalidParams"][0]["reason"]


async def test_unknown_deelnemers_and_moments_before_registration_are_404(
    client: AsyncTestClient[Litestar], register: Register
) -> None:
    assert (await client.get(f"/api/v1/deelnemers/{uuid.uuid4()}")).status_code == 404
    assert (await client.get("/api/v1/deelnemers/kvk:12345678")).status_code == 404
    early = await client.get(f"/api/v1/deelnemers/{register.utrecht}", params={"peildatum": "2024-06-01"})
    assert early.status_code == 404
    assert "nog niet in het register" in early.json()["detail"]
    assert (await client.get("/api/v1/deelnemers/onzin")).status_code == 400


# --- who may see what ---------------------------------------------------------------------------------


async def test_anonymous_callers_get_the_public_view_and_lookup_clients_the_full_one(
    client: AsyncTestClient[Litestar], register: Register, api_token: TokenFactory
) -> None:
    lookup = await api_token("lookup:read", name="Zorgplatform")
    verify_only = await api_token("verify", name="Verifier")
    path = f"/api/v1/deelnemers/{register.zorggroep}"

    anonymous = (await client.get(path)).json()
    full = (await client.get(path, headers={"Authorization": f"Bearer {lookup}"})).json()
    other = (await client.get(path, headers={"Authorization": f"Bearer {verify_only}"})).json()
    wrong = await client.get(path, headers={"Authorization": "Bearer cl_nope.nope"})

    assert "contactpersonen" not in anonymous
    assert "statusgeschiedenis" not in anonymous
    assert all("geschiedenis" not in r for r in anonymous["rollen"])
    assert other == anonymous
    assert wrong.status_code == 401  # a presented but unknown token is refused, not read as anonymous
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert "invalid_token" in wrong.headers["www-authenticate"]
    assert full["contactpersonen"] == [
        {
            "naam": "Anna de Vries",
            "functie": "Privacy officer",
            "email": "anna@voorbeeld.nl",
            "telefoon": None,
        }
    ]
    assert [s["status"] for s in full["statusgeschiedenis"]] == ["aangemeld", "actief", "geschorst"]
    assert full["statusgeschiedenis"][-1]["reden"] == "Beveiligingsincident"
    assert [w["soort"] for w in full["rollen"][0]["geschiedenis"]] == ["toegekend"]
    assert {
        k: v for k, v in full.items() if k not in {"contactpersonen", "statusgeschiedenis", "rollen"}
    } == {k: v for k, v in anonymous.items() if k != "rollen"}


async def test_the_roles_of_a_deelnemer_as_of_a_date(
    client: AsyncTestClient[Litestar], register: Register
) -> None:
    path = f"/api/v1/deelnemers/{register.zorggroep}/rollen"

    then = (await client.get(path, params={"peildatum": "2025-06-01"})).json()
    now = (await client.get(path)).json()

    assert [(r["rolCode"], r["geldigVan"], r["geldigTot"]) for r in then["items"]] == [
        ("afnemer", "2025-01-01", None),
        ("bronhouder", "2025-01-01", "2026-01-01"),
    ]
    assert then["items"][1]["rolNaam"] == "Bronhouder"
    assert then["items"][1]["basis"] == {"soort": "besluit", "referentie": "BESLUIT-2026-001"}
    assert [r["rolCode"] for r in now["items"]] == ["afnemer"]


# --- the rolcheck -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("register")
async def test_the_rolcheck_says_whether_since_until_on_what_basis_and_why_not(
    client: AsyncTestClient[Litestar],
) -> None:
    async def check(deelnemer: str, rol: str, peildatum: str | None = None) -> dict[str, object]:
        params = {"deelnemer": deelnemer, "rol": rol} | ({"peildatum": peildatum} if peildatum else {})
        response = await client.get("/api/v1/rolcheck", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    held = await check("oin:00000001002220647000", "afnemer")
    dienstverlener = await check("kvk:90000001", "dienstverlener")
    last_year = await check("kvk:41035678", "bronhouder", "2025-06-01")
    ended = await check("kvk:41035678", "bronhouder")
    suspended = await check("kvk:41035678", "afnemer")
    before_suspension = await check("kvk:41035678", "afnemer", "2026-11-01T09:59:59+01:00")
    never = await check("kvk:30280353", "bronhouder")

    assert held["vervuld"] is True
    assert (held["geldigVan"], held["geldigTot"], held["release"]) == ("2025-01-01", None, "1.2.0")
    assert held["rol"] == {"code": "afnemer", "naam": "Afnemer"}
    assert "reden" not in held or held["reden"] is None
    assert dienstverlener["basis"] == {"soort": "verklaring", "referentie": "VK-2025-0001"}
    assert last_year["vervuld"] is True
    assert (ended["vervuld"], ended["redenCode"]) == (False, "geen-rolvervulling")
    assert "1 januari 2026" in str(ended["reden"])
    assert (suspended["vervuld"], suspended["redenCode"], suspended["deelnemerStatus"]) == (
        False,
        "deelnemer-geschorst",
        "geschorst",
    )
    assert str(suspended["reden"]).startswith("Niet toegekend: deelnemer geschorst sinds 1 november 2026")
    assert suspended["geldigVan"] == "2025-01-01"
    assert before_suspension["vervuld"] is True
    assert (never["vervuld"], never["redenCode"]) == (False, "geen-rolvervulling")


@pytest.mark.usefixtures("register")
async def test_the_rolcheck_refuses_unknown_roles_and_needs_both_questions(
    client: AsyncTestClient[Litestar],
) -> None:
    unknown_role = await client.get("/api/v1/rolcheck", params={"deelnemer": "kvk:30280353", "rol": "koning"})
    unknown_party = await client.get(
        "/api/v1/rolcheck", params={"deelnemer": "kvk:11111111", "rol": "afnemer"}
    )
    missing = await client.get("/api/v1/rolcheck", params={"rol": "afnemer"})

    assert unknown_role.status_code == 400
    assert unknown_role.json()["invalidParams"][0]["name"] == "rol"
    assert unknown_party.status_code == 404
    assert missing.status_code == 400
    assert missing.json()["invalidParams"][0]["name"] == "deelnemer"


# --- dienstverleners ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("register")
async def test_the_public_dienstverleners_list(client: AsyncTestClient[Litestar]) -> None:
    body = (await client.get("/api/v1/dienstverleners")).json()
    before = (await client.get("/api/v1/dienstverleners", params={"peildatum": "2024-12-01"})).json()

    [item] = body["items"]
    assert (item["naam"], item["dienstverlenerSinds"]) == ("Koppelpunt BV", "2025-01-01")
    assert item["taken"] == ["dienstverlener-t01", "dienstverlener-t02"]
    assert [o["deelnemer"]["naam"] for o in item["ondersteunt"]] == ["Gemeente Utrecht"]
    assert before["items"] == []


# --- signed answers -----------------------------------------------------------------------------------


async def test_a_signed_answer_verifies_against_the_published_keys(
    client: AsyncTestClient[Litestar], app: Litestar, settings: Settings, register: Register
) -> None:
    app.state.keyring.generate()
    path = "/api/v1/rolcheck?deelnemer=kvk%3A90000001&rol=dienstverlener&peildatum=2026-06-01"

    plain = await client.get(path)
    signed = await client.get(path, headers={"Accept": "application/jwt"})
    jwks = (await client.get("/.well-known/jwks.json")).json()

    assert signed.status_code == 200
    assert signed.headers["content-type"].startswith("application/jwt")
    assert "accept" in signed.headers["vary"].lower()
    result = verify_jws(
        signed.text,
        jwks,
        expected_typ=ANSWER_TYP,
        issuer=settings.base_url,
        now=NOW + timedelta(minutes=1),
        revoked_kids=(),
        required_claims=("iss", "iat", "exp", "jti"),
    )
    assert result.valid, result.reasons
    claims = result.require_valid()
    assert claims["exp"] - claims["iat"] == 300
    assert claims["request"] == {"method": "GET", "path": path}
    assert {
        k: v for k, v in claims.items() if k not in {"iss", "iat", "exp", "jti", "request"}
    } == plain.json()
    expired = verify_jws(
        signed.text, jwks, expected_typ=ANSWER_TYP, issuer=settings.base_url,
        now=NOW + timedelta(minutes=7), revoked_kids=(), required_claims=("iss", "iat", "exp", "jti"),
    )  # fmt: skip
    assert "expired" in expired.reasons


async def test_lists_can_be_signed_too_and_errors_stay_problems(
    client: AsyncTestClient[Litestar], app: Litestar, settings: Settings, register: Register
) -> None:
    app.state.keyring.generate()
    jwks = (await client.get("/.well-known/jwks.json")).json()

    signed = await client.get("/api/v1/deelnemers", headers={"Accept": "application/jwt"})
    bad = await client.get("/api/v1/deelnemers?peildatum=x", headers={"Accept": "application/jwt"})

    claims = verify_jws(
        signed.text, jwks, expected_typ=ANSWER_TYP, issuer=settings.base_url, now=NOW,
        revoked_kids=(), required_claims=("iss", "iat", "exp"), max_token_bytes=200_000,
    ).require_valid()  # fmt: skip
    assert claims["total"] == 3
    assert signed.headers["x-total-count"] == "3"
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")


async def test_without_a_signing_key_a_signed_answer_is_unavailable(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/api/v1/dienstverleners", headers={"Accept": "application/jwt"})

    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")


# --- rate limits --------------------------------------------------------------------------------------


@pytest.fixture
async def limited_client(settings: Settings, clock: MovableClock) -> AsyncIterator[AsyncTestClient[Litestar]]:
    limited = dataclasses.replace(settings, anonymous_rate_per_minute=3, client_rate_per_minute=5)
    async with AsyncTestClient(app=create_app(limited, clock=clock), base_url="http://testserver.local") as c:
        yield c


async def test_callers_over_their_limit_get_429_with_retry_after(
    limited_client: AsyncTestClient[Litestar], api_token: TokenFactory
) -> None:
    anonymous = [(await limited_client.get("/api/v1/dienstverleners")).status_code for _ in range(4)]
    token = await api_token("lookup:read")
    headers = {"Authorization": f"Bearer {token}"}
    client_calls = [
        (await limited_client.get("/api/v1/dienstverleners", headers=headers)).status_code for _ in range(6)
    ]
    refused = await limited_client.get("/api/v1/wijzigingen")

    assert anonymous == [200, 200, 200, 429]
    assert client_calls == [200] * 5 + [429]
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "3 verzoeken per minuut" in refused.json()["detail"]


# --- the change feed ----------------------------------------------------------------------------------


async def test_the_change_feed_lists_register_changes_in_order_with_public_fields_only(
    client: AsyncTestClient[Litestar], register: Register, api_token: TokenFactory
) -> None:
    await api_token("lookup:read")  # an audit event that is not a register change

    first = (await client.get("/api/v1/wijzigingen", params={"pageSize": 100})).json()
    seqs = [item["seq"] for item in first["items"]]
    last = seqs[-1]
    since = (await client.get("/api/v1/wijzigingen", params={"sinds": seqs[2]})).json()

    assert seqs == sorted(seqs)
    assert first["total"] == len(seqs)
    assert {item["entiteit"] for item in first["items"]} == {
        "deelnemer",
        "rolvervulling",
        "ondersteuningsrelatie",
    }
    assert [item["seq"] for item in since["items"]] == seqs[3:]
    aangemeld = first["items"][0]
    assert aangemeld["actie"] == "deelnemer.aangemeld"
    assert aangemeld["gegevens"]["naam"] == "Gemeente Utrecht"
    assert all(
        "contactpersonen" not in item["gegevens"] and "reden" not in item["gegevens"]
        for item in first["items"]
    )
    relatie = next(item for item in first["items"] if item["entiteit"] == "ondersteuningsrelatie")
    assert relatie["deelnemerIds"] == [str(register.koppelpunt), str(register.utrecht)]
    geschorst = first["items"][-1]
    assert (geschorst["actie"], geschorst["gegevens"]["status"], geschorst["seq"]) == (
        "deelnemer.status-gewijzigd",
        "geschorst",
        last,
    )
    assert (await client.get("/api/v1/wijzigingen", params={"sinds": last})).json()["items"] == []
    assert (await client.get("/api/v1/wijzigingen", params={"sinds": -1})).status_code == 400


async def test_the_openapi_document_describes_why_a_role_on_a_verklaring_may_grant_nothing(
    client: AsyncTestClient[Litestar],
) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    rolvervulling = document["components"]["schemas"]["Rolvervulling"]
    veld = rolvervulling["properties"]["verklaringbezwaar"]
    assert {"type": "string"} in veld["oneOf"]
    assert {"type": "null"} in veld["oneOf"]
    assert "Niet toegekend: " in veld["description"]
    assert "verklaringbezwaar" not in rolvervulling["required"]  # an addition older clients may ignore
    deelnemer = document["paths"]["/deelnemers/{id}"]["get"]["description"]
    assert "`verklaringbezwaar`" in deelnemer
