"""What the accessibility tests check on any page: axe-core's WCAG 2.1 A/AA rules, the page
language, a title that names the page, English words in the interface, and the focus indicator of
the focused element."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Interface words that would mean an English text slipped in; whole words, any case.
ENGLISH_WORDS = (
    "submit",
    "cancel",
    "delete",
    "save",
    "error",
    "edit",
    "search",
    "sign in",
    "log in",
    "log out",
    "next",
    "previous",
    "remove",
    "close",
    "confirm",
    "required",
    "warning",
    "not found",
    "forbidden",
    "back",
    "yes",
    "loading",
)
_ENGLISH = re.compile(r"\b(" + "|".join(re.escape(word) for word in ENGLISH_WORDS) + r")\b", re.IGNORECASE)

_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.map((node) => ({target: node.target.join(" "), summary: node.failureSummary})),
  }));
}"""

_INTERFACE_TEXTS = """() => Array.from(
  document.querySelectorAll(
    "h1, h2, h3, h4, h5, h6, button, input[type=submit], input[type=button], label, legend, caption, th, "
    + "nav a, .utrecht-button-link, title"
  ),
  (element) => (element.value && element.tagName === "INPUT" ? element.value : element.textContent).trim(),
).filter(Boolean)"""


@cache
def axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.0/2.1 level A and AA on the page as it is now.

    The page's Content-Security-Policy (``script-src 'self'``) refuses a ``<script>`` element added
    by the test (``page.add_script_tag``); ``page.evaluate`` goes through the DevTools protocol,
    which the policy does not govern, so axe is evaluated that way and the page keeps its real CSP.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    violations: list[dict[str, Any]] = page.evaluate(_RUN_AXE, AXE_TAGS)
    return violations


def describe_violations(where: str, violations: list[dict[str, Any]]) -> str:
    """One readable block per violation: rule, help text and the selectors of the failing nodes."""
    lines = [f"{where}:"]
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join(str(node["summary"] or "").split())
            lines.append(f"    - {node['target']}: {summary}")
    return "\n".join(lines)


def page_language(page: Any) -> str | None:
    language: str | None = page.evaluate("() => document.documentElement.getAttribute('lang')")
    return language


def english_interface_words(page: Any) -> list[str]:
    """Headings, buttons, labels, table headers and navigation links that contain an English word."""
    texts: list[str] = page.evaluate(_INTERFACE_TEXTS)
    return [" ".join(text.split()) for text in texts if _ENGLISH.search(text)]


_CONTENT_MARKUP = """() => {
  const content = document.querySelector(".stelsel-page");
  if (!content) return null;
  const copy = content.cloneNode(true);
  for (const token of copy.querySelectorAll("input[name='_csrf_token']")) token.removeAttribute("value");
  return copy.outerHTML;
}"""


def check_page(page: Any, where: str, axe_checked: set[str] | None = None) -> list[str]:
    """Everything wrong with the page as it is now: axe violations, a language other than Dutch, a
    title without the page's own part, English interface words. Empty when the page is fine.

    With ``axe_checked`` (markup already checked by axe, collected over earlier calls), axe is
    skipped when the page's content (breadcrumbs, side navigation and main, without CSRF tokens) is
    exactly one checked before, say for another account role: axe's outcome depends on nothing
    else there. The page shell (header, navigation, footer) is checked with each new content.
    """
    problems: list[str] = []
    if page_language(page) != "nl":
        problems.append(f"{where}: <html lang> is {page_language(page)!r}, not 'nl'")
    title = page.title()
    if not title.endswith(" — Stelselregister") or not title.removesuffix(" — Stelselregister").strip():
        problems.append(f"{where}: the title {title!r} does not say what the page is (WCAG 2.4.2)")
    english = english_interface_words(page)
    if english:
        problems.append(f"{where}: English in the interface: {english}")
    content: str | None = page.evaluate(_CONTENT_MARKUP) if axe_checked is not None else None
    if axe_checked is not None and content is not None and content in axe_checked:
        return problems
    violations = axe_violations(page)
    if violations:
        problems.append(describe_violations(where, violations))
    elif axe_checked is not None and content is not None:
        axe_checked.add(content)
    return problems


# --- focus --------------------------------------------------------------------------------------

_FOCUS_STYLE = """(element) => {
  const style = getComputedStyle(element);
  return {
    outline: style.outlineStyle === "none"
      ? "none"
      : `${style.outlineWidth} ${style.outlineStyle} ${style.outlineColor}`,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    boxShadow: style.boxShadow,
    background: style.backgroundColor,
    color: style.color,
    border: `${style.borderTopWidth} ${style.borderTopStyle} ${style.borderTopColor}`,
  };
}"""


def focus_style(element: Any) -> dict[str, Any]:
    """The computed styles that can make focus visible, of one element (a locator or handle)."""
    style: dict[str, Any] = element.evaluate(_FOCUS_STYLE)
    return style


def focus_is_visible(focused: dict[str, Any], unfocused: dict[str, Any]) -> bool:
    """Focus shows when an outline of at least 2px or a box shadow appears that was not there
    without focus (WCAG 2.4.7); a changed colour alone does not count."""
    outline_added = focused["outline"] != "none" and focused["outlineWidth"] >= 2
    outline_added = outline_added and focused["outline"] != unfocused["outline"]
    shadow_added = focused["boxShadow"] != "none" and focused["boxShadow"] != unfocused["boxShadow"]
    return bool(outline_added or shadow_added)
