"""The admin dashboard shows counts and only the links a role may follow; the profile shows the account."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.permissions import ROLE_PERMISSIONS, AccountRole
from registry.templating import ADMIN_NAV
from tests.accounts.conftest import SignIn
from tests.accounts.factories import insert_user, text_of
from tests.conftest import MovableClock


@pytest.mark.parametrize("role", ["stelselbeheerder", "casemanager", "auditor"])
async def test_the_dashboard_links_only_what_the_role_may_open(
    client: AsyncTestClient[Litestar], sign_in: SignIn, role: str
) -> None:
    await sign_in(role)
    response = await client.get("/beheer")
    assert response.status_code == 200
    main = response.text.split('id="inhoud"', 1)[1]
    granted = ROLE_PERMISSIONS[AccountRole(role)]
    for _label, href, needed in ADMIN_NAV:
        if href == "/beheer":
            continue
        assert (f'href="{href}"' in main) == (needed in granted), href


async def test_the_dashboard_counts_users_and_audit_events(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await sign_in("stelselbeheerder")
    await insert_user(db, clock, "auditor")
    await insert_user(db, clock, "auditor", is_active=False)
    text = text_of((await client.get("/beheer")).text)
    assert "Actieve gebruikers 2" in text
    assert "Uitgeschakelde gebruikers 1" in text
    assert "Gebeurtenissen in de audittrail" in text


async def test_a_deelnemer_contact_has_no_dashboard(
    client: AsyncTestClient[Litestar], sign_in: SignIn
) -> None:
    await sign_in("deelnemer-contact")
    response = await client.get("/beheer")
    assert response.status_code == 403
    assert "Geen toegang" in response.text


async def test_the_profile_shows_the_own_account(client: AsyncTestClient[Litestar], sign_in: SignIn) -> None:
    user = await sign_in("casemanager", display_name="Cas de Vries")
    response = await client.get("/profiel")
    text = text_of(response.text)
    assert "Cas de Vries" in text
    assert user.email in text
    assert "Casemanager" in text
    assert "Tweestapsverificatie instellen" in text


async def test_the_navigation_follows_the_role(client: AsyncTestClient[Litestar], sign_in: SignIn) -> None:
    await sign_in("auditor")
    header = (await client.get("/profiel")).text.split('id="inhoud"', 1)[0]
    assert 'href="/beheer/audit"' in header
    assert 'href="/beheer/gebruikers"' not in header
    assert 'href="/beheer/api-clients"' not in header
