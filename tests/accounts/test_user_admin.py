"""The user admin screens: list with sort and paging, create, edit, deactivate, unlock, reset 2FA."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts import services, totp
from registry.accounts.errors import LoginFailed
from registry.accounts.models import User, UserSession
from registry.audit.models import AuditEvent
from registry.audit.services import Actor
from registry.errors import Conflict
from tests.accounts.conftest import SignIn
from tests.accounts.factories import PASSWORD, TOTP_BOX, forms_in, insert_user, post_form, text_of
from tests.conftest import MovableClock

HOUR = timedelta(hours=1)


def _names_in_table(html: str) -> list[str]:
    return re.findall(r'href="/beheer/gebruikers/[0-9a-f-]{36}">([^<]+)</a>', html)


async def test_the_list_sorts_and_pages(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await sign_in("stelselbeheerder", display_name="Anna Admin")
    for name in ("Bram", "Cees", "Dirk", "Eva"):
        await insert_user(db, clock, "auditor", display_name=name)

    first = await client.get("/beheer/gebruikers?sort=naam&order=asc&pageSize=2")
    second = await client.get("/beheer/gebruikers?sort=naam&order=asc&pageSize=2&page=2")
    descending = await client.get("/beheer/gebruikers?sort=naam&order=desc&pageSize=2")

    assert _names_in_table(first.text) == ["Anna Admin", "Bram"]
    assert _names_in_table(second.text) == ["Cees", "Dirk"]
    assert _names_in_table(descending.text) == ["Eva", "Dirk"]
    assert "Resultaat 1–2 van 5" in text_of(first.text)
    assert 'aria-sort="ascending"' in first.text
    assert "page=2" in first.text  # a link to the next page keeps the sort


async def test_the_list_searches_by_name_or_address(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await sign_in("stelselbeheerder")
    await insert_user(db, clock, "auditor", display_name="Zoë Zoekbaar", email="zoe@voorbeeld.nl")
    response = await client.get("/beheer/gebruikers?zoek=VOORBEELD")
    assert _names_in_table(response.text) == ["Zoë Zoekbaar"]


async def test_a_bad_sort_order_is_refused(client: AsyncTestClient[Litestar], sign_in: SignIn) -> None:
    await sign_in("stelselbeheerder")
    assert (await client.get("/beheer/gebruikers?order=sideways")).status_code == 400


async def test_creating_a_user_shows_a_one_time_link_to_choose_a_password(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await sign_in("stelselbeheerder")
    form = await client.get("/beheer/gebruikers/nieuw")
    assert any(f["action"] == "/beheer/gebruikers" for f in forms_in(form.text))

    response = await post_form(
        client,
        "/beheer/gebruikers",
        {"email": "Nieuw@Example.nl", "displayName": "Nina Nieuw", "role": "casemanager"},
    )

    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    link = re.search(r"/wachtwoord-herstellen/([\w-]+)", response.text)
    assert link is not None
    user = await db.scalar(select(User).where(User.email == "nieuw@example.nl"))
    assert user is not None
    assert user.role == "casemanager"
    email = await services.reset_password(
        db,
        token=link.group(1),
        password="mijn eigen wachtwoord",
        password_confirm="mijn eigen wachtwoord",
        clock=clock,
    )
    assert email == "nieuw@example.nl"


async def test_a_create_form_with_errors_shows_them_next_to_the_fields(
    client: AsyncTestClient[Litestar], sign_in: SignIn
) -> None:
    await sign_in("stelselbeheerder")
    response = await post_form(
        client, "/beheer/gebruikers", {"email": "geen-adres", "displayName": "", "role": "deelnemer-contact"}
    )
    assert response.status_code == 400
    text = text_of(response.text)
    assert "Vul een geldig e-mailadres in" in text
    assert "Vul een naam in" in text
    assert "hoort bij één deelnemer" in text
    assert 'aria-invalid="true"' in response.text
    assert 'value="geen-adres"' in response.text  # what was typed stays


async def test_a_duplicate_address_is_refused_inline(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await sign_in("stelselbeheerder")
    existing = await insert_user(db, clock, "auditor")
    response = await post_form(
        client, "/beheer/gebruikers", {"email": existing.email, "displayName": "Dubbel", "role": "auditor"}
    )
    assert response.status_code == 409
    assert "Er bestaat al een gebruiker" in text_of(response.text)


async def test_an_admin_changes_a_role_and_the_user_logs_in_again(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await sign_in("stelselbeheerder")
    user = await insert_user(db, clock, "auditor")
    await services.start_session(db, user, clock=clock, lifetime=HOUR)

    response = await post_form(
        client, f"/beheer/gebruikers/{user.id}", {"displayName": "Nieuwe Naam", "role": "casemanager"}
    )

    assert response.status_code == 303
    detail = await client.get(response.headers["location"])
    assert "De gegevens van Nieuwe Naam zijn opgeslagen." in text_of(detail.text)
    refreshed = await db.get(User, user.id, populate_existing=True)
    assert refreshed is not None
    assert refreshed.role == "casemanager"
    assert await db.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "gebruiker.gewijzigd"))
    assert event is not None
    assert event.changes["role"] == {"before": "auditor", "after": "casemanager"}


async def test_nobody_changes_their_own_role(db: AsyncSession, clock: MovableClock) -> None:
    admin = await insert_user(db, clock, "stelselbeheerder")
    await insert_user(db, clock, "stelselbeheerder")
    actor = Actor("user", str(admin.id), admin.display_name)
    with pytest.raises(Conflict, match="eigen rol"):
        await services.update_user(
            db, admin.id, display_name="X", role="auditor", deelnemer_id=None, actor=actor, clock=clock
        )


async def test_the_last_active_admin_stays(db: AsyncSession, clock: MovableClock) -> None:
    admin_id = (await insert_user(db, clock, "stelselbeheerder")).id
    with pytest.raises(Conflict, match="ten minste één actieve stelselbeheerder"):
        await services.set_user_active(db, admin_id, False, actor=Actor.cli("test"), clock=clock)
    with pytest.raises(Conflict, match="ten minste één actieve stelselbeheerder"):
        await services.update_user(
            db,
            admin_id,
            display_name="X",
            role="auditor",
            deelnemer_id=None,
            actor=Actor.cli("test"),
            clock=clock,
        )


async def test_deactivating_asks_for_confirmation_and_ends_the_sessions(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await sign_in("stelselbeheerder")
    user = await insert_user(db, clock, "casemanager", display_name="Karel")
    token = await services.start_session(db, user, clock=clock, lifetime=HOUR)

    confirmation = await client.get(f"/beheer/gebruikers/{user.id}/deactiveren")
    assert confirmation.status_code == 200
    assert "Account van Karel uitschakelen" in text_of(confirmation.text)
    form = next(
        f for f in forms_in(confirmation.text) if f["action"] == f"/beheer/gebruikers/{user.id}/deactiveren"
    )
    assert form["fields"]["bevestigd"] == "ja"

    unconfirmed = await post_form(client, f"/beheer/gebruikers/{user.id}/deactiveren")
    assert unconfirmed.status_code == 200  # the confirmation again, nothing changed
    assert await services.resolve_session(db, token, clock.now()) is not None

    confirmed = await post_form(client, f"/beheer/gebruikers/{user.id}/deactiveren", {"bevestigd": "ja"})
    assert confirmed.status_code == 303
    assert await services.resolve_session(db, token, clock.now()) is None
    with pytest.raises(LoginFailed, match="uitgeschakeld"):
        await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)

    activated = await post_form(client, f"/beheer/gebruikers/{user.id}/activeren")
    assert activated.status_code == 303
    assert await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)


async def test_an_admin_cannot_switch_themselves_off(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    me = await sign_in("stelselbeheerder")
    await insert_user(db, clock, "stelselbeheerder")
    response = await post_form(client, f"/beheer/gebruikers/{me.id}/deactiveren", {"bevestigd": "ja"})
    page = await client.get(response.headers["location"])
    assert "U kunt uw eigen account niet uitschakelen." in text_of(page.text)


async def test_unlocking_asks_for_confirmation_and_lifts_the_lock(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await sign_in("stelselbeheerder")
    user = await insert_user(db, clock, "auditor")
    for _ in range(services.MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            await services.log_in(db, email=user.email, password="fout", clock=clock, lifetime=HOUR)
    detail = await client.get(f"/beheer/gebruikers/{user.id}")
    assert "Geblokkeerd tot" in text_of(detail.text)

    confirmation = await client.get(f"/beheer/gebruikers/{user.id}/ontgrendelen")
    assert "Ontgrendelen" in confirmation.text
    response = await post_form(client, f"/beheer/gebruikers/{user.id}/ontgrendelen", {"bevestigd": "ja"})

    assert response.status_code == 303
    assert await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)
    assert await db.scalar(select(AuditEvent).where(AuditEvent.action == "gebruiker.ontgrendeld"))


async def test_resetting_the_second_factor(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await sign_in("stelselbeheerder")
    user = await insert_user(db, clock, "auditor")
    secret = await services.start_totp_enrolment(db, user.id, clock, box=TOTP_BOX)
    await services.confirm_totp(db, user.id, totp.code_at(secret, clock.now()), clock, box=TOTP_BOX)

    response = await post_form(
        client, f"/beheer/gebruikers/{user.id}/tweestapsverificatie-resetten", {"bevestigd": "ja"}
    )

    assert response.status_code == 303
    outcome = await services.log_in(db, email=user.email, password=PASSWORD, clock=clock, lifetime=HOUR)
    assert not outcome.needs_second_factor


async def test_an_admin_makes_a_new_reset_link(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await sign_in("stelselbeheerder")
    user = await insert_user(db, clock, "auditor")
    response = await post_form(client, f"/beheer/gebruikers/{user.id}/herstellink")
    assert response.status_code == 200
    assert re.search(r"/wachtwoord-herstellen/[\w-]+", response.text)


async def test_an_unknown_user_is_a_404(client: AsyncTestClient[Litestar], sign_in: SignIn) -> None:
    await sign_in("stelselbeheerder")
    assert (await client.get(f"/beheer/gebruikers/{uuid.uuid4()}")).status_code == 404


async def test_names_are_escaped(
    client: AsyncTestClient[Litestar], sign_in: SignIn, db: AsyncSession, clock: MovableClock
) -> None:
    await sign_in("stelselbeheerder")
    user = await insert_user(db, clock, "auditor", display_name="<script>alert(1)</script>")
    for path in ("/beheer/gebruikers", f"/beheer/gebruikers/{user.id}"):
        response = await client.get(path)
        assert "<script>alert(1)</script>" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
