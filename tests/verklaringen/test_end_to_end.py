"""From aanmelding to a signed verklaring through the API and the pages, verified offline with only
the JWKS and the status list, then withdrawn: the verification fails with ``revoked``."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.authentication import SESSION_COOKIE
from registry.accounts.models import User
from registry.accounts.services import start_session
from registry.clock import Clock
from registry.settings import Settings
from registry.signing import KeyRing
from tests.accounts.factories import post_form
from tests.conftest import LoginAs, UserFactory
from verklaringen.cli import verify_command

AANMELDING = {
    "organisatie": "Zorgdienst Twente B.V.",
    "soort": "softwareleverancier",
    "identificaties": [{"soort": "kvk", "waarde": "90000011"}],
    "rol": "dienstverlener",
    "contactpersoon": {"naam": "Jan de Vries", "email": "jan@zorgdienst.example", "telefoon": "053 123 4567"},
    "motivatie": "Wij ondersteunen gemeenten in Twente.",
}


def _location(response: object) -> str:
    headers = response.headers  # type: ignore[attr-defined]
    return str(headers["location"])


async def _verify_offline(
    tmp_path: Path, source: str, jwks: bytes, status_list: bytes, issuer: str
) -> dict[str, object]:
    (tmp_path / "jwks.json").write_bytes(jwks)
    (tmp_path / "statuslijst.jwt").write_bytes(status_list)
    # the command runs its own event loop, so it runs in a thread here, as it would in its own process
    result = await asyncio.to_thread(
        CliRunner().invoke,
        verify_command,
        [
            source,
            "--jwks",
            str(tmp_path / "jwks.json"),
            "--status-list",
            str(tmp_path / "statuslijst.jwt"),
            "--offline",
            "--json",
        ],
        obj={"settings": SimpleNamespace(base_url=issuer)},
    )
    assert result.exit_code in {0, 1}, (result.exit_code, result.output)
    answer: dict[str, object] = json.loads(result.stdout)
    return answer


async def test_from_aanmelding_to_a_verklaring_verified_offline_and_then_revoked(
    client: AsyncTestClient[Litestar],
    settings: Settings,
    login_as: LoginAs,
    make_user: UserFactory,
    api_token: Callable[..., Awaitable[str]],
    catalogus: None,
    db: AsyncSession,
    clock: Clock,
    tmp_path: Path,
) -> None:
    KeyRing(settings.keys_dir).generate()

    # 1. Aanmelden, through the public API.
    created = await client.post("/api/v1/aanmeldingen", json=AANMELDING)
    assert created.status_code == 201, created.text
    referentie = created.json()["referentie"]
    assert re.fullmatch(r"AAN-\d{4}-\d{6}", referentie)
    status_url = created.json()["statusUrl"].removeprefix(settings.base_url)
    status_page = await client.get(status_url)
    assert status_page.status_code == 200
    assert referentie in status_page.text
    assert (await client.get(f"/aanmelden/status/{referentie}?token=geraden")).status_code == 404

    # 2. Toewijzen, by the stelselbeheerder.
    casemanager = await make_user("casemanager", display_name="Carla Casemanager")
    await login_as("stelselbeheerder", display_name="Anne Beheer")
    assigned = await post_form(
        client, f"/beheer/aanmeldingen/{referentie}/toewijzing", {"casemanager": str(casemanager.id)}
    )
    assert assigned.status_code == 303, assigned.text
    queue = await client.get("/beheer/aanmeldingen")
    assert referentie in queue.text

    # 3. Intake, by the assigned casemanager: every duty supported, then completed.
    await login_as("casemanager", display_name="Tweede Casemanager")
    assert (await post_form(client, f"/beheer/aanmeldingen/{referentie}/intake")).status_code == 403
    await _log_in_as(client, db, clock, casemanager)
    started = await post_form(client, f"/beheer/aanmeldingen/{referentie}/intake")
    assert started.status_code == 303, started.text
    intake_path = _location(started)
    intake_page = await client.get(intake_path)
    codes = sorted(set(re.findall(r'name="ondersteund-([a-z0-9-]+)"', intake_page.text)))
    assert codes
    answers = {f"ondersteund-{code}": "ja" for code in codes} | {"actie": "afronden"}
    completed = await post_form(client, intake_path, answers)
    assert completed.status_code == 303, completed.text
    proposed = await post_form(
        client,
        f"/beheer/aanmeldingen/{referentie}/voorstel",
        {"voorstel": "toekennen", "geldigheidMaanden": "24"},
    )
    assert proposed.status_code == 303, proposed.text

    # 4. Besluit by the stelselbeheerder: the verklaring is prepared.
    await login_as("stelselbeheerder", display_name="Anne Beheer")
    decided = await post_form(client, f"/beheer/aanmeldingen/{referentie}/besluit", {"uitkomst": "toekennen"})
    assert decided.status_code == 303, decided.text
    nummer = _location(decided).rsplit("/", 1)[1]
    assert re.fullmatch(r"VKL-\d{4}-\d{6}", nummer)
    aanmelding = (await client.get(f"/beheer/aanmeldingen/{referentie}")).text
    assert nummer in aanmelding

    # 5. The deelnemer's contact person signs in the portal.
    deelnemer_id = await _deelnemer_of(api_token, client, referentie)
    await login_as("deelnemer-contact", deelnemer_id=deelnemer_id, display_name="Jan de Vries")
    signing_page = await client.get(f"/verklaringen/{nummer}/ondertekenen")
    assert signing_page.status_code == 200
    document_hash = re.search(r'name="documentHash" value="(sha256:[0-9a-f]{64})"', signing_page.text)
    assert document_hash is not None
    refused = await post_form(
        client, f"/verklaringen/{nummer}/ondertekenen", {"documentHash": document_hash[1]}
    )
    assert refused.status_code == 400
    signed = await post_form(
        client, f"/verklaringen/{nummer}/ondertekenen", {"akkoord": "ja", "documentHash": document_hash[1]}
    )
    assert signed.status_code == 303, signed.text

    # 6. The stelsel organisation signs: afgegeven.
    await login_as("stelselbeheerder", display_name="Anne Beheer")
    issued = await post_form(
        client,
        f"/beheer/verklaringen/{nummer}/ondertekenen",
        {"akkoord": "ja", "documentHash": document_hash[1]},
    )
    assert issued.status_code == 303, issued.text
    client.cookies.clear()

    summary = await client.get(f"/api/v1/verklaringen/{nummer}")
    assert summary.status_code == 200
    assert summary.json()["status"] == "geldig"
    assert [o["partij"] for o in summary.json()["ondertekeningen"]] == ["deelnemer", "stelsel"]
    pdf = await client.get(f"/api/v1/verklaringen/{nummer}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert (await client.get(f"/api/v1/verklaringen/{nummer}/pdf")).content == pdf.content
    attestatie = await client.get(f"/api/v1/verklaringen/{nummer}/attestatie")
    assert attestatie.headers["content-type"].startswith("application/jwt")
    listed = await client.get(
        "/api/v1/verklaringen", params={"deelnemer": "kvk:90000011", "status": "geldig"}
    )
    assert [item["nummer"] for item in listed.json()["items"]] == [nummer]
    assert "Geldig" in (await client.get(f"/verifieer/{nummer}")).text
    dienstverleners = (await client.get("/api/v1/dienstverleners")).json()["items"]
    assert "Zorgdienst Twente B.V." in [d["naam"] for d in dienstverleners]

    # 7. Offline: only the JWKS and the status list, saved once.
    jwks = (await client.get("/.well-known/jwks.json")).content
    status_list = await client.get("/api/v1/statuslijsten/1")
    assert status_list.headers["content-type"].startswith("application/statuslist+jwt")
    pdf_file = tmp_path / f"{nummer}.pdf"
    pdf_file.write_bytes(pdf.content)
    offline = await _verify_offline(tmp_path, str(pdf_file), jwks, status_list.content, settings.base_url)
    assert offline["valid"] is True, offline
    token = await api_token("verify")
    online = await client.post(
        "/api/v1/verificaties", json={"token": attestatie.text}, headers={"Authorization": f"Bearer {token}"}
    )
    assert online.status_code == 200
    assert online.json()["valid"] is True

    # 8. Withdrawn: the API and a freshly fetched status list say revoked.
    await login_as("stelselbeheerder", display_name="Anne Beheer")
    confirm = await client.get(f"/beheer/verklaringen/{nummer}/acties/intrekken")
    assert confirm.status_code == 200
    revoked = await post_form(
        client,
        f"/beheer/verklaringen/{nummer}/acties/intrekken",
        {"reden": "Voldoet niet meer.", "bevestigd": "ja"},
    )
    assert revoked.status_code == 303, revoked.text
    client.cookies.clear()
    online = await client.post(
        "/api/v1/verificaties", json={"token": attestatie.text}, headers={"Authorization": f"Bearer {token}"}
    )
    assert online.json()["valid"] is False
    assert online.json()["reasons"] == ["revoked"]
    fresh_list = (await client.get("/api/v1/statuslijsten/1")).content
    assert fresh_list != status_list.content
    offline = await _verify_offline(tmp_path, attestatie.text, jwks, fresh_list, settings.base_url)
    assert offline["valid"] is False
    assert offline["reasons"] == ["revoked"]
    assert "Ingetrokken" in (await client.get(f"/verifieer/{nummer}")).text


async def _log_in_as(client: AsyncTestClient[Litestar], db: AsyncSession, clock: Clock, user: User) -> None:
    """Give the test client the session of an existing user."""
    token = await start_session(db, user, clock=clock, lifetime=timedelta(hours=1))
    client.cookies.set(SESSION_COOKIE, token)


async def _deelnemer_of(
    api_token: Callable[..., Awaitable[str]], client: AsyncTestClient[Litestar], referentie: str
) -> uuid.UUID:
    token = await api_token("aanmeldingen")
    cookies = dict(client.cookies)
    client.cookies.clear()
    answer = await client.get(
        f"/api/v1/aanmeldingen/{referentie}", headers={"Authorization": f"Bearer {token}"}
    )
    for name, value in cookies.items():
        client.cookies.set(name, value)
    assert answer.status_code == 200, answer.text
    return uuid.UUID(answer.json()["deelnemerId"])
