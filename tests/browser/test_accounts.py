"""In a real browser: each role sees only its own navigation, a lock holds, CSRF-less posts and old
sessions get nowhere, and the pages run without a Content-Security-Policy complaint."""

from __future__ import annotations

from typing import Any

import pytest

from registry.accounts.permissions import ROLE_PERMISSIONS, AccountRole
from registry.templating import ADMIN_NAV
from tests.browser.conftest import BROWSER_PASSWORD, MakeAccount, log_in

# A page each role may not open, to force by typing the URL.
FORBIDDEN = {
    "casemanager": "/beheer/gebruikers",
    "auditor": "/beheer/api-clients/nieuw",
    "deelnemer-contact": "/beheer/audit",
}


def _nav_links(page: Any) -> set[str]:
    return set(
        page.locator("nav[aria-label='Hoofdmenu'] a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    )


@pytest.mark.parametrize("role", [role.value for role in AccountRole])
def test_each_role_sees_only_its_own_navigation(page: Any, make_account: MakeAccount, role: str) -> None:
    csp_complaints: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp_complaints.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    log_in(page, make_account(role))

    granted = ROLE_PERMISSIONS[AccountRole(role)]
    expected = {href for _, href, needed in ADMIN_NAV if needed in granted}
    assert _nav_links(page) == expected
    assert page.locator(".stelsel-account__role").inner_text() == AccountRole(role).label
    if role in FORBIDDEN:
        response = page.goto(FORBIDDEN[role])
        assert response is not None
        assert response.status == 403
        assert page.get_by_role("heading", name="Geen toegang").is_visible()
    else:
        page.goto("/beheer/gebruikers")
        assert page.get_by_role("heading", name="Gebruikers", exact=True).is_visible()
    assert csp_complaints == []


def test_a_locked_account_stays_locked(page: Any, make_account: MakeAccount) -> None:
    email = make_account("auditor")
    for _ in range(5):
        log_in(page, email, "helaas niet goed")
    assert "Na vijf mislukte pogingen" in page.locator("main").inner_text()

    log_in(page, email, BROWSER_PASSWORD)

    assert page.url.endswith("/inloggen")
    assert "Na vijf mislukte pogingen" in page.locator("main").inner_text()
    page.goto("/beheer")
    assert page.url.endswith("/inloggen?next=%2Fbeheer"), page.url


def test_a_form_without_its_csrf_token_is_refused(page: Any, make_account: MakeAccount) -> None:
    log_in(page, make_account("stelselbeheerder"))
    page.goto("/beheer/api-clients/nieuw")
    # A forged form from elsewhere has no token; here the hidden field is removed before posting.
    page.locator("form#api-client-toevoegen input[name='_csrf_token']").evaluate("field => field.remove()")
    page.get_by_label("Naam van het systeem").fill("Zonder token")
    page.locator("input[name='scopes'][value='lookup:read']").check()

    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="API-client toevoegen").click()

    assert posted.value.status == 403
    assert page.get_by_role("heading", name="Geen toegang").is_visible()
    assert "het formulier is geweigerd" in page.locator("main").inner_text().lower()
    page.goto("/beheer/api-clients")
    assert "Zonder token" not in page.locator("main").inner_text()


def test_logout_ends_the_session(page: Any, make_account: MakeAccount) -> None:
    log_in(page, make_account("casemanager"))
    assert page.url.endswith("/beheer")
    session_cookie = next(c for c in page.context.cookies() if c["name"] == "stelsel_sessie")
    assert session_cookie["httpOnly"]
    assert session_cookie["sameSite"] == "Lax"

    page.get_by_role("button", name="Uitloggen").click()

    assert page.url.endswith("/")
    assert "U bent uitgelogd." in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Inloggen").is_visible()
    # Putting the old cookie back does not bring the session back.
    page.context.add_cookies([session_cookie])
    page.goto("/beheer")
    assert page.url.endswith("/inloggen?next=%2Fbeheer"), page.url
