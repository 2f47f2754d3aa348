"""The page shell and the macros render accessible, escaped HTML without the app.

The templates are rendered with a plain Jinja environment (autoescape on, as in the app) and a
stub context, so these tests need no database and no running server.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined, UndefinedError
from markupsafe import Markup

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = REPO_ROOT / "templates"
STATIC = REPO_ROOT / "registry" / "static"
CSRF_INPUT = Markup('<input type="hidden" name="_csrf_token" value="token-123">')
ERROR_PAGES = (400, 403, 404, 405, 413, 429, 500, 503)
XSS = "<script>alert('x')</script>"


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element] = []
        self.text_parts: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self.text_parts + [child.text for child in self.children])

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)


class Document(HTMLParser):
    """A small DOM: enough to query elements by tag and attributes in document order."""

    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
    )

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.elements: list[Element] = []
        self._current = self.root
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), self._current)
        self._current.children.append(element)
        self.elements.append(element)
        if tag not in self.VOID:
            self._current = element

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self._current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self._current = node.parent

    def handle_data(self, data: str) -> None:
        self._current.text_parts.append(data)

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        return [
            element
            for element in self.elements
            if (tag is None or element.tag == tag)
            and all(element.get(name.rstrip("_").replace("_", "-")) == value for name, value in attrs.items())
        ]

    def by_id(self, element_id: str) -> Element:
        found = self.find_all(id=element_id)
        assert len(found) == 1, f"expected one element with id {element_id!r}, found {len(found)}"
        return found[0]

    def focusable(self) -> list[Element]:
        result = []
        for element in self.elements:
            is_link = element.tag == "a" and element.get("href") is not None
            is_control = element.tag in {"button", "select", "textarea"} or (
                element.tag == "input" and element.get("type") != "hidden"
            )
            if is_link or is_control or element.get("tabindex") not in (None, "-1"):
                result.append(element)
        return result


@pytest.fixture(params=[False, True], ids=["plain", "trimmed"])
def env(request: pytest.FixtureRequest) -> Environment:
    """Plain Jinja, and Jinja with trim_blocks/lstrip_blocks as the app configures it."""
    trimmed: bool = request.param
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, trim_blocks=trimmed, lstrip_blocks=trimmed
    )


def request_for(path: str) -> SimpleNamespace:
    return SimpleNamespace(url=SimpleNamespace(path=path))


def render(env: Environment, source: str, **context: Any) -> Document:
    context.setdefault("csrf_input", CSRF_INPUT)
    context.setdefault("request", request_for("/"))
    html = env.from_string(source).render(**context)
    return Document(html)


def render_file(env: Environment, name: str, **context: Any) -> tuple[str, Document]:
    context.setdefault("csrf_input", CSRF_INPUT)
    context.setdefault("request", request_for("/"))
    html = env.get_template(name).render(**context)
    return html, Document(html)


PAGE = (
    '{% extends "base.html" %}{% block title %}Deelnemers{% endblock %}'
    "{% block content %}<h1>Deelnemers</h1>{% endblock %}"
)


# The shell -------------------------------------------------------------------------------------


def test_the_skip_link_to_the_content_is_the_first_thing_a_keyboard_user_reaches(env: Environment) -> None:
    page = render(env, PAGE)

    html = page.find_all("html")[0]
    assert html.get("lang") == "nl"
    first = page.focusable()[0]
    assert first.tag == "a"
    assert first.get("href") == "#inhoud"
    assert "inhoud" in first.text.lower()
    assert page.by_id("inhoud").tag == "main"


def test_the_title_names_the_page_and_the_portal(env: Environment) -> None:
    page = render(env, PAGE)

    assert page.find_all("title")[0].text == "Deelnemers — Stelselregister"


def test_a_visitor_sees_the_public_navigation_and_a_login_link(env: Environment) -> None:
    page = render(env, PAGE, request=request_for("/dienstverleners"))

    nav = page.find_all("nav", aria_label="Hoofdmenu")[0]
    links = [(a.get("href"), a.text.strip()) for a in page.elements if a.tag == "a" and _inside(a, nav)]
    assert links == [
        ("/catalogus", "Rollencatalogus"),
        ("/dienstverleners", "Dienstverleners"),
        ("/verifieer", "Verifiëren"),
        ("/aanmelden", "Aanmelden"),
    ]
    assert page.find_all("a", href="/dienstverleners")[0].get("aria-current") == "page"
    assert page.find_all("a", href="/inloggen")
    assert not page.find_all("form", action="/uitloggen")


def test_a_logged_in_user_sees_name_role_and_a_logout_form_with_csrf(env: Environment) -> None:
    user = SimpleNamespace(display_name="Anna de Vries", role_label="Stelselbeheerder")
    nav = [
        {"label": "Beheer", "href": "/beheer", "active": True},
        {"label": "Catalogus", "href": "/catalogus"},
    ]
    page = render(env, PAGE, current_user=user, nav=nav)

    text = page.root.text
    assert "Anna de Vries" in text
    assert "Stelselbeheerder" in text
    logout = page.find_all("form", action="/uitloggen")[0]
    assert logout.get("method") == "post"
    assert page.find_all("input", name="_csrf_token")[0].parent is logout
    assert page.find_all("a", href="/beheer")[0].get("aria-current") == "page"
    assert page.find_all("a", href="/catalogus")[0].get("aria-current") is None
    assert not page.find_all("a", href="/inloggen")


def test_flash_messages_use_alert_styles_and_live_region_roles(env: Environment) -> None:
    flashes = [
        {"category": "success", "message": "Opgeslagen."},
        {"category": "error", "message": "Niet gelukt."},
        {"category": "warning", "message": "Let op."},
        {"category": "info", "message": "Ter informatie."},
    ]
    page = render(env, PAGE, flashes=flashes)

    alerts = [e for e in page.elements if "utrecht-alert" in (e.get("class") or "").split()]
    roles = {a.text.strip().split(": ", 1)[1].strip(): a.get("role") for a in alerts}
    assert roles == {
        "Opgeslagen.": "status",
        "Niet gelukt.": "alert",
        "Let op.": "alert",
        "Ter informatie.": "status",
    }
    assert "utrecht-alert--error" in (alerts[1].get("class") or "")
    assert all(_inside(a, page.by_id("inhoud")) for a in alerts)


def test_the_footer_links_to_accessibility_statement_and_api_documentation(env: Environment) -> None:
    page = render(env, PAGE)

    footer = page.find_all("footer")[0]
    hrefs = {a.get("href") for a in page.elements if a.tag == "a" and _inside(a, footer)}
    assert {"/toegankelijkheid", "/api/v1/docs", "/api/v1/openapi.json"} <= hrefs


def test_the_side_navigation_appears_only_when_a_page_fills_the_aside_block(env: Environment) -> None:
    with_aside = render(
        env,
        '{% extends "base.html" %}{% from "_macros/nav.html" import side_nav %}'
        "{% block aside %}"
        '{{ side_nav([{"label": "Deelnemers", "href": "/beheer/deelnemers", "active": true}]) }}'
        "{% endblock %}",
    )
    without_aside = render(env, PAGE)

    assert with_aside.find_all("nav", aria_label="Beheer")
    assert with_aside.find_all("a", href="/beheer/deelnemers")[0].get("aria-current") == "page"
    assert not without_aside.find_all("nav", aria_label="Beheer")


def test_every_asset_the_shell_loads_is_served_from_our_own_static_files(env: Environment) -> None:
    page = render(env, PAGE)

    urls = [e.get("href") for e in page.find_all("link")] + [e.get("src") for e in page.find_all("script")]
    assert urls
    for url in urls:
        assert url is not None
        assert url.startswith("/static/"), url
        assert (STATIC / url.removeprefix("/static/")).is_file(), url


# Escaping --------------------------------------------------------------------------------------


def test_user_text_is_escaped_everywhere_it_is_shown(env: Environment) -> None:
    user = SimpleNamespace(display_name=XSS, role_label=XSS)
    source = (
        '{% extends "base.html" %}'
        '{% import "_macros/forms.html" as forms with context %}'
        '{% import "_macros/tables.html" as tables %}{% import "_macros/dl.html" as dl %}'
        '{% import "_macros/status.html" as status %}'
        "{% block title %}{{ naam }}{% endblock %}"
        "{% block content %}"
        "{{ forms.error_summary({'naam': naam}) }}"
        "{% call forms.form('/x') %}"
        "{{ forms.text('naam', 'Naam', value=naam, error=naam, description=naam) }}"
        "{{ forms.textarea('t', 'T', value=naam) }}"
        "{{ forms.select('s', 'S', [(naam, naam)], value=naam) }}"
        "{% endcall %}"
        "{% call(r) tables.data_table(naam, [{'key': 'n', 'label': naam, 'sortable': true}], [naam]) %}"
        "{{ tables.cell(r) }}{% endcall %}"
        "{{ dl.rows([(naam, naam)]) }}{{ status.badge(naam) }}"
        "{% endblock %}"
    )
    html = env.from_string(source).render(
        csrf_input=CSRF_INPUT,
        request=request_for("/"),
        current_user=user,
        flashes=[{"category": "info", "message": XSS}],
        naam=XSS,
    )

    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


# Forms -----------------------------------------------------------------------------------------

FORM = (
    '{% import "_macros/forms.html" as forms with context %}'
    "{{ forms.error_summary(errors) }}"
    "{% call forms.form('/aanmelden') %}"
    "{{ forms.text('naam', 'Naam organisatie', error=errors.naam,"
    " description='Zoals bij de KvK.', required=true) }}"
    "{{ forms.email('email', 'E-mailadres') }}"
    "{{ forms.radios('rol', 'Rol', [('a', 'Aanbieder'), ('b', 'Afnemer')], error=errors.rol) }}"
    "{% endcall %}"
)
ERRORS = {"naam": "Vul de naam van de organisatie in.", "rol": "Kies een rol."}


def test_a_field_with_an_error_is_marked_invalid_and_described_by_its_message(env: Environment) -> None:
    page = render(env, FORM, errors=ERRORS)

    field = page.by_id("naam")
    assert field.tag == "input"
    assert field.get("aria-invalid") == "true"
    described_by = (field.get("aria-describedby") or "").split()
    assert "naam-fout" in described_by
    assert "naam-beschrijving" in described_by
    assert "Vul de naam van de organisatie in." in page.by_id("naam-fout").text
    assert field.get("required") is not None or "required" in field.attrs
    label = page.find_all("label", for_="naam")[0]
    assert "(verplicht)" in label.text


def test_a_field_without_an_error_is_not_marked_invalid(env: Environment) -> None:
    page = render(env, FORM, errors=ERRORS)

    email = page.by_id("email")
    assert email.get("aria-invalid") is None
    assert email.get("aria-describedby") is None
    assert page.find_all("label", for_="email")


def test_the_error_summary_links_each_error_to_its_field(env: Environment) -> None:
    page = render(env, FORM, errors=ERRORS)

    summary = next(e for e in page.elements if "stelsel-error-summary" in (e.get("class") or ""))
    assert summary.get("role") == "alert"
    links = [a for a in page.find_all("a") if _inside(a, summary)]
    assert [(a.get("href"), a.text) for a in links] == [
        ("#naam", "Vul de naam van de organisatie in."),
        ("#rol", "Kies een rol."),
    ]
    for link in links:
        target = page.by_id((link.get("href") or "").removeprefix("#"))
        assert target.tag == "input"


def test_without_errors_there_is_no_error_summary(env: Environment) -> None:
    page = render(env, FORM, errors={})

    assert not [e for e in page.elements if "stelsel-error-summary" in (e.get("class") or "")]


def test_a_post_form_always_carries_the_csrf_token(env: Environment) -> None:
    page = render(env, FORM, errors={})

    form = page.find_all("form")[0]
    assert form.get("method") == "post"
    token = page.find_all("input", name="_csrf_token")[0]
    assert token.parent is form


def test_a_post_form_imported_without_context_fails_loudly(env: Environment) -> None:
    source = '{% import "_macros/forms.html" as forms %}{% call forms.form("/x") %}{% endcall %}'

    with pytest.raises(UndefinedError):
        env.from_string(source).render(csrf_input=CSRF_INPUT)


def test_select_and_choices_keep_the_submitted_value(env: Environment) -> None:
    source = (
        '{% import "_macros/forms.html" as forms with context %}'
        "{{ forms.select('regio', 'Regio', [('n', 'Noord'), ('z', 'Zuid')], value='z') }}"
        "{{ forms.radios('rol', 'Rol', [('a', 'A'), ('b', 'B')], value='b') }}"
        "{{ forms.checkboxes('dom', 'Domein', [('j', 'Jeugd'), ('v', 'Veiligheid')], values=['j']) }}"
    )
    page = render(env, source)

    selected = [o.get("value") for o in page.find_all("option") if "selected" in o.attrs]
    assert selected == ["z"]
    checked = [(i.get("name"), i.get("value")) for i in page.find_all("input") if "checked" in i.attrs]
    assert checked == [("rol", "b"), ("dom", "j")]


# Tables ----------------------------------------------------------------------------------------

TABLE = (
    '{% import "_macros/tables.html" as tables %}'
    "{% call(r) tables.data_table('Deelnemers', columns, rows, sort=sort, order=order, query=query) %}"
    "{{ tables.cell(r.naam, header=true) }}{{ tables.cell(r.kvk) }}{% endcall %}"
    "{{ tables.pagination(page, url_for_page) }}"
)
COLUMNS = [
    {"key": "naam", "label": "Naam", "sortable": True},
    {"key": "kvk", "label": "KvK-nummer", "sortable": True},
]


def _table(env: Environment, rows: list[dict[str, Any]], **kwargs: Any) -> Document:
    context: dict[str, Any] = {
        "columns": COLUMNS,
        "rows": rows,
        "sort": "naam",
        "order": "asc",
        "query": {"status": "actief", "pagina": "3"},
        "page": {"number": 2, "size": 10, "total": 45, "pages": 5},
        "url_for_page": lambda n: f"/deelnemers?pagina={n}",
    }
    context.update(kwargs)
    return render(env, TABLE, **context)


def test_sortable_headers_are_links_that_work_without_javascript(env: Environment) -> None:
    page = _table(env, [{"naam": "Zorg B.V.", "kvk": "12345678"}])

    assert page.find_all("caption")[0].text.strip() == "Deelnemers"
    headers = page.find_all("th", scope="col")
    assert headers[0].get("aria-sort") == "ascending"
    assert headers[1].get("aria-sort") is None
    links = [a.get("href") for a in page.find_all("a") if _inside(a, headers[0]) or _inside(a, headers[1])]
    assert links == ["?status=actief&sort=naam&order=desc", "?status=actief&sort=kvk&order=asc"]


def test_descending_sort_is_announced_and_toggles_back(env: Environment) -> None:
    page = _table(env, [], order="desc")

    header = page.find_all("th", scope="col")[0]
    assert header.get("aria-sort") == "descending"
    link = next(a for a in page.find_all("a") if _inside(a, header))
    assert link.get("href") == "?status=actief&sort=naam&order=asc"


def test_an_empty_table_says_so_across_all_columns(env: Environment) -> None:
    page = _table(env, [])

    cell = page.find_all("td")[0]
    assert cell.get("colspan") == "2"
    assert "geen resultaten" in cell.text.lower()


def test_pagination_links_pages_and_marks_the_current_one(env: Environment) -> None:
    page = _table(env, [{"naam": "A", "kvk": None}])

    nav = page.find_all("nav", aria_label="Paginering")[0]
    links = {a.text.strip(): a for a in page.find_all("a") if _inside(a, nav)}
    assert links["Vorige pagina"].get("href") == "/deelnemers?pagina=1"
    assert links["Volgende pagina"].get("href") == "/deelnemers?pagina=3"
    current = [a for a in links.values() if a.get("aria-current") == "page"]
    assert [a.get("href") for a in current] == ["/deelnemers?pagina=2"]
    assert "Resultaat 11–20 van 45" in page.root.text


def test_the_first_page_has_no_previous_link(env: Environment) -> None:
    page = _table(env, [], page={"number": 1, "size": 10, "total": 45, "pages": 5})

    nav = page.find_all("nav", aria_label="Paginering")[0]
    texts = [a.text.strip() for a in page.find_all("a") if _inside(a, nav)]
    assert "Vorige pagina" not in texts
    assert "Volgende pagina" in texts


# Status badges, confirmation, definition lists ---------------------------------------------------


BADGE = '{% import "_macros/status.html" as s %}{{ s.badge(status) }}'


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("concept", "Concept"),
        ("consultatie", "Consultatie"),
        ("definitief", "Definitief"),
        ("vervallen", "Vervallen"),
        ("aangemeld", "Aangemeld"),
        ("actief", "Actief"),
        ("geschorst", "Geschorst"),
        ("beëindigd", "Beëindigd"),
        ("geldig", "Geldig"),
        ("verlopen", "Verlopen"),
        ("ingetrokken", "Ingetrokken"),
    ],
)
def test_every_known_status_has_a_dutch_label_and_a_colour_family(
    env: Environment, status: str, label: str
) -> None:
    page = render(env, BADGE, status=status)

    badge = page.find_all("span")[0]
    assert badge.text == label
    classes = (badge.get("class") or "").split()
    assert "utrecht-status-badge" in classes
    variant = next(c for c in classes if c.startswith("stelsel-status--"))
    assert (variant == "stelsel-status--neutral") == (status == "concept")


def test_a_status_enum_is_shown_by_its_value(env: Environment) -> None:
    page = render(env, BADGE, status=SimpleNamespace(value="ACTIEF"))

    assert page.find_all("span")[0].text == "Actief"


def test_the_confirmation_step_posts_with_csrf_and_offers_a_way_back(env: Environment) -> None:
    source = (
        '{% import "_macros/confirm.html" as confirm with context %}'
        "{{ confirm.confirm('Deelnemer schorsen', '/beheer/deelnemers/1/schorsen', '/beheer/deelnemers/1',"
        " consequences=['Alle rolvervullingen worden opgeschort.']) }}"
    )
    page = render(env, source)

    form = page.find_all("form")[0]
    assert (form.get("method"), form.get("action")) == ("post", "/beheer/deelnemers/1/schorsen")
    assert page.find_all("input", name="_csrf_token")[0].parent is form
    assert page.find_all("input", name="bevestigd")[0].get("value") == "ja"
    assert page.find_all("a", href="/beheer/deelnemers/1")[0].text.strip() == "Annuleren"
    assert "Alle rolvervullingen worden opgeschort." in page.root.text


def test_definition_lists_show_a_placeholder_for_missing_values(env: Environment) -> None:
    page = render(
        env,
        '{% import "_macros/dl.html" as dl %}{{ dl.rows([("KvK-nummer", none), ("Naam", "Zorg B.V.")]) }}',
    )

    values = [dd.text.strip() for dd in page.find_all("dd")]
    assert values == ["Niet ingevuld", "Zorg B.V."]


# Error pages and standalone pages --------------------------------------------------------------


@pytest.mark.parametrize("status", ERROR_PAGES)
def test_error_pages_render_with_nothing_but_the_request(status: int) -> None:
    strict = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined)

    html = strict.get_template(f"errors/{status}.html").render(request=request_for("/ergens"))
    page = Document(html)

    assert page.find_all("html")[0].get("lang") == "nl"
    assert len(page.find_all("h1")) == 1
    assert str(status) in page.root.text
    assert page.find_all("a", href="/")


def test_the_500_page_never_shows_internal_details(env: Environment) -> None:
    problem = SimpleNamespace(
        title="Interne fout", detail="psycopg.OperationalError: connection refused", status=500
    )

    html, _ = render_file(env, "errors/500.html", problem=problem)

    assert "OperationalError" not in html


def test_the_404_page_shows_the_problem_detail_escaped(env: Environment) -> None:
    problem = SimpleNamespace(title="Niet gevonden", detail=f"Deelnemer {XSS} bestaat niet.", status=404)

    html, _ = render_file(env, "errors/404.html", problem=problem)

    assert "Deelnemer &lt;script&gt;" in html


@pytest.mark.parametrize("name", ["pages/toegankelijkheid.html", "pages/styleguide.html"])
def test_standalone_pages_render_with_unique_ids(env: Environment, name: str) -> None:
    _, page = render_file(env, name, request=request_for("/"))

    ids = [e.get("id") for e in page.elements if e.get("id")]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert len(page.find_all("h1")) == 1


def test_the_accessibility_statement_says_how_the_portal_is_tested(env: Environment) -> None:
    _, page = render_file(env, "pages/toegankelijkheid.html")

    text = page.root.text
    assert "WCAG 2.1" in text
    assert "axe-core" in text
    assert "toetsenbord" in text
    assert re.search(r"\d{1,2} \w+ 20\d\d", text)
    assert page.find_all("a", href="mailto:beheer@stelselregister.nl")


# Content-Security-Policy: every template -------------------------------------------------------

TEMPLATE_FILES = sorted(p for p in TEMPLATES.rglob("*") if p.is_file())
# Documents rendered to PDF by WeasyPrint are never served to a browser, so the page CSP does not
# apply to them (and WeasyPrint reads their styles from the document itself).
PAGE_TEMPLATES = [p for p in TEMPLATE_FILES if "pdf" not in p.name]


@pytest.mark.parametrize("path", PAGE_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_has_inline_scripts_or_styles(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    without_comments = re.sub(r"\{#.*?#\}", "", source, flags=re.DOTALL)
    # Attributes live inside tags; Jinja statements ({% set onderdelen = … %}) are not markup.
    without_jinja = re.sub(r"\{%.*?%\}", "", without_comments, flags=re.DOTALL)

    for match in re.finditer(
        r"<script\b([^>]*)>(.*?)</script\s*>", without_comments, flags=re.DOTALL | re.IGNORECASE
    ):
        assert not match.group(2).strip(), f"inline script in {path.name}"
        assert "src=" in match.group(1), f"script without src in {path.name}"
    assert not re.search(r"<style\b", without_comments, flags=re.IGNORECASE), f"<style> in {path.name}"
    assert not re.search(r"<[^>]*\sstyle\s*=", without_jinja, flags=re.IGNORECASE), (
        f"style= attribute in {path.name}"
    )
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", without_jinja, flags=re.IGNORECASE), (
        f"inline event handler in {path.name}"
    )


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_only_the_framework_csrf_markup_bypasses_escaping(path: Path) -> None:
    source = path.read_text(encoding="utf-8")

    for match in re.finditer(r"\{\{(.*?)\}\}", source, flags=re.DOTALL):
        expression = match.group(1)
        if re.search(r"\|\s*safe\b", expression):
            assert re.match(r"\s*csrf_input\s*\|\s*safe\b", expression), (
                f"|safe on {expression.strip()!r} in {path.name}"
            )
    assert "Markup(" not in source


def _inside(element: Element, ancestor: Element) -> bool:
    node = element.parent
    while node is not None:
        if node is ancestor:
            return True
        node = node.parent
    return False
