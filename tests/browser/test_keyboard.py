"""Keyboard only: the skip link comes first and lands in the content, every interactive element of a
sample of page types is reached with Tab and shows where focus is, forms submit with Enter, and a
destructive action is confirmed without a mouse."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.models import User
from tests.browser.conftest import BROWSER_PASSWORD, DemoRegister, InLiveDatabase, MakeAccount, PageAs
from tests.browser.page_checks import focus_is_visible, focus_style

# Interactive elements a keyboard user must reach: what the browser puts in the tab order. One
# radio button per group is a tab stop (the arrow keys move within the group), so a group counts
# once. Each gets a data-tab-id so the test can tell which one has focus.
_MARK_INTERACTIVE = """() => {
  const candidates = document.querySelectorAll(
    "a[href], button, input, select, textarea, summary, [tabindex]"
  );
  const marked = [];
  const radioGroups = new Set();
  for (const element of candidates) {
    if (element.disabled || element.type === "hidden" || element.tabIndex < 0) continue;
    if (element.closest("[hidden], [inert]") || !element.getClientRects().length) continue;
    if (getComputedStyle(element).visibility === "hidden") continue;
    let id = String(marked.length);
    if (element.type === "radio") {
      id = "radio:" + element.name;
      if (radioGroups.has(id)) { element.dataset.tabId = id; continue; }
      radioGroups.add(id);
    }
    element.dataset.tabId = id;
    const name = (element.getAttribute("aria-label") || element.textContent || element.name || "").trim();
    marked.push({id, description: `${element.tagName.toLowerCase()} "${name.slice(0, 60)}"`});
  }
  return marked;
}"""

_FOCUSED = "() => document.activeElement ? (document.activeElement.dataset.tabId || null) : null"


def _tab_through(page: Any) -> tuple[list[dict[str, str]], dict[str, dict[str, Any]], dict[str, Any]]:
    """Mark the interactive elements, note how each looks without focus, then press Tab until
    focus leaves the page. Returns the elements, the style of each when it had focus, and the
    style of each without focus."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    interactive: list[dict[str, str]] = page.evaluate(_MARK_INTERACTIVE)
    unfocused = {
        item["id"]: focus_style(page.locator(f"[data-tab-id='{item['id']}']").first) for item in interactive
    }
    focused: dict[str, dict[str, Any]] = {}
    previous = None
    # A date field takes three presses (day, month, year), hence the margin.
    for _ in range(2 * len(interactive) + 10):
        page.keyboard.press("Tab")
        current = page.evaluate(_FOCUSED)
        if current is None and focused:
            break  # focus went past the last element, to the browser
        if current is None or current == previous:
            continue
        if current in focused:
            break  # round again
        focused[current] = focus_style(page.evaluate_handle("() => document.activeElement"))
        previous = current
    return interactive, focused, unfocused


def _check_tab_order(page: Any, where: str) -> list[str]:
    interactive, focused, unfocused = _tab_through(page)
    problems = []
    for item in interactive:
        if item["id"] not in focused:
            problems.append(f"{where}: {item['description']} is not reached with Tab")
        elif not focus_is_visible(focused[item["id"]], unfocused[item["id"]]):
            problems.append(
                f"{where}: {item['description']} shows no focus indicator "
                f"(focused {focused[item['id']]}, unfocused {unfocused[item['id']]})"
            )
    if len(interactive) < 5:
        problems.append(f"{where}: only {len(interactive)} interactive elements; is this the right page?")
    return problems


def tab_to(page: Any, target: Any, limit: int = 150) -> None:
    """Press Tab until ``target`` (a locator) has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} is not reached within {limit} presses of Tab")


SKIP_LINK_PAGES = [(None, "/"), (None, "/aanmelden"), ("stelselbeheerder", "/beheer/deelnemers")]


@pytest.mark.usefixtures("demo_register")
@pytest.mark.parametrize(("role", "path"), SKIP_LINK_PAGES, ids=[path for _, path in SKIP_LINK_PAGES])
def test_the_skip_link_is_the_first_tab_stop_and_lands_in_the_content(
    page_as: PageAs, role: str | None, path: str
) -> None:
    page = page_as(role)
    page.goto(path)

    page.keyboard.press("Tab")

    skip_link = page.locator("a.stelsel-skip-link")
    assert skip_link.evaluate("element => element === document.activeElement")
    assert skip_link.inner_text() == "Direct naar de inhoud"
    box = skip_link.bounding_box()
    assert box is not None
    assert box["width"] > 20
    assert box["height"] > 10  # shown on focus, not only to screen readers
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "inhoud"
    assert page.evaluate("() => document.activeElement.tagName") == "MAIN"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


TAB_ORDER_PAGES = [
    (None, "/"),
    (None, "/aanmelden"),
    (None, "/catalogus/rollen/dienstverlener"),
    ("stelselbeheerder", "/beheer/deelnemers"),
    ("stelselbeheerder", "/beheer/gebruikers/nieuw"),
    ("stelselbeheerder", "/profiel"),
    ("auditor", "/beheer/audit"),
]


@pytest.mark.usefixtures("demo_register")
@pytest.mark.parametrize(
    ("role", "path"), TAB_ORDER_PAGES, ids=[f"{r or 'publiek'} {p}" for r, p in TAB_ORDER_PAGES]
)
def test_every_interactive_element_is_reached_with_tab_and_shows_focus(
    page_as: PageAs, role: str | None, path: str
) -> None:
    page = page_as(role)
    page.goto(path)

    problems = _check_tab_order(page, path)

    assert not problems, "\n".join(problems)


def test_the_tab_order_of_a_deelnemer_and_a_role_being_edited(
    page_as: PageAs, demo_register: DemoRegister, concept_release: str
) -> None:
    page = page_as("stelselbeheerder")
    page.goto("/beheer/deelnemers?zoek=Koppelpunt")
    page.locator("main table a[href^='/beheer/deelnemers/']").first.click()
    page.wait_for_url(re.compile(r"/beheer/deelnemers/[0-9a-f-]{36}$"))
    problems = _check_tab_order(page, "a deelnemer page")

    page.goto(f"/beheer/catalogus/{concept_release}/rollen/dienstverlener")
    problems += _check_tab_order(page, "a role in a concept release")

    assert not problems, "\n".join(problems)


@pytest.mark.usefixtures("demo_register")
def test_forms_submit_with_enter(page: Any, make_account: MakeAccount) -> None:
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(make_account("stelselbeheerder"))
    page.get_by_label("Wachtwoord").fill(BROWSER_PASSWORD)

    page.get_by_label("Wachtwoord").press("Enter")

    page.wait_for_url(re.compile(r"/beheer$"))
    page.goto("/beheer/deelnemers")
    page.get_by_label("Naam of nummer").fill("Koppelpunt")
    page.get_by_label("Naam of nummer").press("Enter")
    page.wait_for_url(re.compile(r"zoek=Koppelpunt"))
    assert "Koppelpunt Dienstverlening B.V." in page.locator("main table").inner_text()


def test_an_account_is_switched_off_with_the_keyboard_alone(
    page_as: PageAs, make_account: MakeAccount, in_live_database: InLiveDatabase
) -> None:
    email = make_account("auditor", name="Karel Toetsenbord")

    async def user_id(session: AsyncSession) -> uuid.UUID | None:
        found: uuid.UUID | None = await session.scalar(select(User.id).where(User.email == email))
        return found

    page = page_as("stelselbeheerder")
    page.goto(f"/beheer/gebruikers/{in_live_database(user_id)}")

    tab_to(page, page.get_by_role("link", name="Account uitschakelen"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/deactiveren$"))
    confirm = page.locator("main .stelsel-confirm button[type='submit']")
    tab_to(page, confirm)
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/beheer/gebruikers/[0-9a-f-]{36}$"))
    assert page.locator("main [data-status='uitgeschakeld']").is_visible()


def test_a_duty_is_removed_with_the_keyboard_after_the_quick_confirmation(
    page_as: PageAs, concept_release: str
) -> None:
    page = page_as("stelselbeheerder")
    page.goto(f"/beheer/catalogus/{concept_release}/rollen/dienstverlener")
    remove = page.locator("main button[data-confirm]").last
    duty = remove.locator(".stelsel-visually-hidden").inner_text().removeprefix(": ")
    questions: list[str] = []

    def answer(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.accept()  # as pressing Enter in the browser's dialog does

    page.on("dialog", answer)
    try:
        tab_to(page, remove)
        with page.expect_navigation():
            page.keyboard.press("Enter")
    finally:
        page.remove_listener("dialog", answer)

    assert len(questions) == 1
    soort, _, rest = questions[0].partition(" ")
    assert soort in {"Taak", "Verantwoordelijkheid", "Bevoegdheid"}
    assert rest == f"{duty} verwijderen?"
    assert duty not in page.locator("main table").first.inner_text()


@pytest.mark.usefixtures("demo_register")
def test_the_focus_check_notices_an_element_without_a_focus_indicator(page_as: PageAs) -> None:
    page = page_as(None)
    page.goto("/verifieer")
    # What a careless stylesheet would do to one link (set through the CSSOM, which the CSP allows).
    page.locator("footer a").first.evaluate(
        "link => { link.style.setProperty('outline', 'none', 'important');"
        " link.style.setProperty('box-shadow', 'none', 'important'); }"
    )

    problems = _check_tab_order(page, "/verifieer")

    assert len(problems) == 1
    assert "Toegankelijkheid" in problems[0]
    assert "shows no focus indicator" in problems[0]


@pytest.mark.usefixtures("demo_register")
def test_after_a_failed_submit_the_error_summary_leads_to_each_field(page_as: PageAs) -> None:
    page = page_as(None)
    page.goto("/aanmelden")
    page.locator("#organisatie").press("Enter")
    page.wait_for_selector(".stelsel-error-summary")

    assert page.evaluate("() => document.activeElement.classList.contains('stelsel-error-summary')")
    links = page.locator(".stelsel-error-summary a")
    targets = links.evaluate_all("links => links.map(link => link.getAttribute('href').slice(1))")
    assert len(targets) >= 3
    reached = []
    for position in range(1, len(targets) + 1):
        page.locator(".stelsel-error-summary").focus()
        for _ in range(position):
            page.keyboard.press("Tab")  # to the link of this error
        page.keyboard.press("Enter")
        reached.append(page.evaluate("() => document.activeElement.id"))
    assert reached == targets
