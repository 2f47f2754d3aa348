"""Hostile input gets a clear error, never a 500 and never more than was asked for.

Two kinds of checks:

- ``HOSTILE_REQUESTS``: a table of exact requests (raw bytes on the wire) and the error each must
  get. The rows here cover what the platform itself guarantees, through small probe routes that
  behave like a domain endpoint. **Append rows for your own fields** (XSS payloads, CSV formula
  injection, ...): a row names the request, the status, whether the answer is problem+json or a
  readable page, a text the detail or page must contain, and the ``invalidParams`` name it must list.
- Sweeps over every route the app has, so new endpoints are covered without new rows: path
  traversal in every path parameter, unknown ids in every published operation, pagination overflow
  in every published list, CSRF on every form post.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import msgspec
import pytest
import pytest_asyncio
from litestar import Litestar, Request, Response, get, post
from litestar.middleware.csrf import generate_csrf_token
from litestar.params import FromPath, FromQuery, JSONBody, URLEncodedBody
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from registry.accounts.authentication import SESSION_COOKIE
from registry.accounts.permissions import Scope
from registry.api import API_PREFIX, paginated
from registry.app import CSRF_COOKIE, CSRF_FIELD, create_app
from registry.clock import Clock
from registry.dependencies import DbSession, Paging
from registry.settings import Settings
from tests.conftest import DEFAULT_PASSWORD as PASSWORD
from tests.conftest import TEST_SECRET
from tests.reliability.databases import migrated_database
from tests.reliability.raw_http import RawResponse, send_raw

PROBLEM_JSON = "application/problem+json"
PASSWD_MARKER = b"root:x:0:0"
TRAVERSAL = "..%2f..%2f..%2f..%2f..%2fetc%2fpasswd"


# --- probe routes: behave like domain endpoints, so the platform's guarantees can be tested ------


class Invoer(msgspec.Struct):
    naam: str
    aantal: int


@post("/api/v1/test-invoer", opt={"public": True}, status_code=200, include_in_schema=False)
async def probe_echo(data: JSONBody[Invoer], db_session: DbSession) -> Invoer:
    await db_session.execute(text("SELECT :naam, :aantal"), {"naam": data.naam, "aantal": data.aantal})
    return data


@get("/api/v1/test-lijst", opt={"public": True}, include_in_schema=False)
async def probe_list(
    request: Request[Any, Any, Any],
    paging: Paging,
    db_session: DbSession,
    zoek: FromQuery[str | None] = None,
    peildatum: FromQuery[date | None] = None,
) -> Response[Any]:
    """Filters in the database and counts up to the end of the peildatum, as lookups do."""
    if zoek is not None:
        await db_session.execute(text("SELECT :zoek"), {"zoek": zoek})
    if peildatum is not None:
        _ = peildatum + timedelta(days=1)
    return paginated(request, [zoek or ""], 1, paging)


@get("/api/v1/test-lijst/{nummer:int}", opt={"public": True}, include_in_schema=False)
async def probe_item(nummer: FromPath[int], db_session: DbSession) -> dict[str, int]:
    await db_session.execute(text("SELECT count(*) FROM audit_event WHERE seq = :n"), {"n": nummer})
    return {"nummer": nummer}


@get("/api/v1/test-verplicht", opt={"public": True}, include_in_schema=False)
async def probe_required(naam: FromQuery[str]) -> dict[str, str]:
    return {"naam": naam}


@post("/test-formulier", opt={"public": True}, status_code=200, include_in_schema=False)
async def probe_form(data: URLEncodedBody[dict[str, str]]) -> dict[str, str]:
    return data


@post("/test-formulier/status", opt={"public": True}, status_code=200, include_in_schema=False)
async def probe_status_form(data: URLEncodedBody[dict[str, str]]) -> dict[str, str]:
    """A form whose path merely contains a word of a CSRF-exempt prefix."""
    return data


PROBES = [probe_echo, probe_list, probe_item, probe_required, probe_form, probe_status_form]


# --- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HostileRequest:
    """One hostile request and the clear error it must get."""

    name: str
    method: str
    target: bytes  # path and query exactly as on the wire
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    chunked: bool = False
    page: bool = False  # a readable HTML page instead of problem+json
    mentions: str | None = None  # text the problem's detail (or the page) contains
    names_param: str | None = None  # a name in the problem's invalidParams
    csrf: bool = False  # send a valid CSRF cookie and field (forms only)


JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
HTML = {"accept": "text/html"}
TOO_BIG = 1_048_576 + 10  # Settings.max_request_bytes + 10

HOSTILE_REQUESTS = [
    # oversized bodies
    HostileRequest("oversized JSON body", "POST", b"/api/v1/test-invoer", 413, body=b"x" * TOO_BIG,
                   headers=JSON, mentions="groter dan toegestaan"),
    HostileRequest("oversized JSON body without a length", "POST", b"/api/v1/test-invoer", 413,
                   body=b"x" * TOO_BIG, headers=JSON, chunked=True, mentions="groter dan toegestaan"),
    HostileRequest("oversized form post", "POST", b"/test-formulier", 413, body=b"a=" + b"x" * TOO_BIG,
                   headers={**FORM, **HTML}, page=True, csrf=True, mentions="Foutcode 413"),
    # invalid UTF-8 and NUL
    HostileRequest("invalid UTF-8 in a JSON body", "POST", b"/api/v1/test-invoer", 400,
                   body=b'{"naam": "\xff\xfe", "aantal": 1}', headers=JSON, names_param="body"),
    HostileRequest("malformed JSON body", "POST", b"/api/v1/test-invoer", 400, body=b'{"naam": ',
                   headers=JSON, names_param="body"),
    HostileRequest("percent-encoded invalid UTF-8 in a query", "GET", b"/api/v1/test-lijst?zoek=%FF%FE", 400,
                   names_param="query", mentions="UTF-8"),
    HostileRequest("raw invalid UTF-8 in a query", "GET", b"/api/v1/test-lijst?zoek=\xff\xfe", 400,
                   names_param="query"),
    HostileRequest("invalid UTF-8 in a query of a page", "GET", b"/?zoek=%C0%AF", 400, headers=HTML,
                   page=True),
    HostileRequest("NUL in a query", "GET", b"/api/v1/test-lijst?zoek=a%00b", 400, names_param="query",
                   mentions="NUL"),
    HostileRequest("NUL in a path", "GET", b"/static/css%00/stelsel.css", 400, headers=HTML, page=True),
    # integer and date overflow
    HostileRequest("page beyond any integer", "GET", b"/api/v1/test-lijst?page=99999999999999999999", 400,
                   names_param="page"),
    HostileRequest("negative pageSize", "GET", b"/api/v1/test-lijst?pageSize=-1", 400,
                   names_param="pageSize"),
    HostileRequest("pageSize zero", "GET", b"/api/v1/test-lijst?pageSize=0", 400, names_param="pageSize"),
    HostileRequest("pageSize not a number", "GET", b"/api/v1/test-lijst?pageSize=twintig", 400,
                   names_param="pageSize"),
    HostileRequest("a year with five digits", "GET", b"/api/v1/test-lijst?peildatum=99999-12-31", 400,
                   names_param="peildatum"),
    HostileRequest("the last day a date can have", "GET", b"/api/v1/test-lijst?peildatum=9999-12-31", 400,
                   mentions="buiten het toegestane bereik"),
    HostileRequest("an id beyond 64 bits", "GET", b"/api/v1/test-lijst/99999999999999999999", 400,
                   mentions="buiten het toegestane bereik"),
    HostileRequest("an integer beyond 64 bits in a JSON body", "POST", b"/api/v1/test-invoer", 400,
                   body=b'{"naam": "a", "aantal": 99999999999999999999}', headers=JSON),
    HostileRequest("a required parameter left out", "GET", b"/api/v1/test-verplicht", 400,
                   names_param="naam"),
    # path traversal
    HostileRequest("encoded slashes out of /static", "GET", b"/static/..%2f..%2f..%2fetc/passwd", 404,
                   headers=HTML, page=True),
    HostileRequest("encoded dots out of /static", "GET", b"/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd", 404,
                   headers=HTML, page=True),
    HostileRequest("backslashes out of /static", "GET", b"/static/..%5c..%5c..%5cetc%5cpasswd", 404,
                   headers=HTML, page=True),
    HostileRequest("plain dots out of /static", "GET", b"/static/css/../../../../etc/passwd", 404,
                   headers=HTML, page=True),
    HostileRequest("traversal asked as JSON", "GET", b"/static/..%2f..%2fetc/passwd", 404,
                   headers={"accept": "application/json"}),
    # unknown things
    HostileRequest("unknown API path", "GET", b"/api/v1/bestaat-niet", 404, mentions="bestaat niet"),
    HostileRequest("unknown page", "GET", b"/bestaat-niet", 404, headers=HTML, page=True),
    # CSRF on form posts (the valid-token case shows the probe form itself works)
    HostileRequest("form post with a valid token", "POST", b"/test-formulier", 200, body=b"a=1",
                   headers=FORM, csrf=True),
    HostileRequest("form post without a token", "POST", b"/test-formulier", 403, body=b"a=1",
                   headers={**FORM, **HTML}, page=True, mentions="geweigerd"),
    HostileRequest("form post to a path that ends in /status", "POST", b"/test-formulier/status", 403,
                   body=b"a=1", headers={**FORM, **HTML}, page=True, mentions="geweigerd"),
]  # fmt: skip


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Litestar:
    """The app with the probe routes (the ``client`` fixture runs its lifespan)."""
    return create_app(settings, clock=clock, extra_handlers=PROBES)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def probed_app(db_backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Litestar]:
    """One app with the probe routes for all rows (the rows change nothing), its lifespan running."""
    directory = tmp_path_factory.mktemp("hostile")
    with ExitStack() as stack:
        url = await asyncio.to_thread(stack.enter_context, migrated_database(db_backend, directory))
        settings = Settings(data_dir=directory, database_url=url, secret_key=TEST_SECRET)
        app = create_app(settings, extra_handlers=PROBES)
        try:
            async with AsyncTestClient(app=app):
                yield app
        finally:
            await asyncio.to_thread(stack.close)


def _problem(response: RawResponse) -> dict[str, Any]:
    assert response.content_type.startswith(PROBLEM_JSON), (
        response.status,
        response.content_type,
        response.text,
    )
    problem: dict[str, Any] = msgspec.json.decode(response.body)
    assert problem["status"] == response.status
    assert problem["title"]
    assert problem["detail"]
    return problem


def check_answer(row: HostileRequest, response: RawResponse) -> None:
    """The status, the kind of answer, and what it must say."""
    assert response.status == row.status, (row.name, response.status, response.text[:500])
    assert PASSWD_MARKER not in response.body
    if row.status < 400:
        return
    if row.page:
        assert response.content_type.startswith("text/html"), (row.name, response.content_type)
        assert "<html" in response.text
        if row.mentions:
            assert row.mentions in response.text, (row.name, response.text[:1000])
        return
    problem = _problem(response)
    if row.mentions:
        assert row.mentions in problem["detail"], (row.name, problem)
    if row.names_param:
        names = [param["name"] for param in problem.get("invalidParams", [])]
        assert row.names_param in names, (row.name, problem)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("row", HOSTILE_REQUESTS, ids=[row.name for row in HOSTILE_REQUESTS])
async def test_hostile_request_gets_a_clear_error(probed_app: Litestar, row: HostileRequest) -> None:
    headers, cookies, body = dict(row.headers), {}, row.body
    if row.csrf:
        token = generate_csrf_token(TEST_SECRET)
        cookies[CSRF_COOKIE] = token
        body = f"{CSRF_FIELD}={token}&".encode() + body
    response = await send_raw(
        probed_app, row.method, row.target, headers=headers, body=body, chunked=row.chunked, cookies=cookies
    )
    check_answer(row, response)


# --- sweeps over every route ----------------------------------------------------------------------


def _routes(app: Litestar, method: str) -> list[str]:
    """Paths of the app's routes that answer ``method``, as declared (``/x/{id:uuid}``), probes excluded."""
    probes = {handler.fn for handler in PROBES}  # type: ignore[attr-defined]
    return sorted(
        {
            route.path
            for route in app.routes
            if isinstance(route, HTTPRoute)
            for handler in route.route_handlers
            if method in handler.http_methods and handler.fn not in probes
        }
    )


_SAMPLES = {"uuid": "00000000-0000-4000-8000-00000000dead", "int": "1"}


def _fill(path: str, value: str | None = None) -> str:
    """The path with every parameter replaced: by ``value``, or by a sample of the declared type."""
    return re.sub(r"\{[^}:]+(?::([a-z]+))?\}", lambda m: value or _SAMPLES.get(m[1] or "", "x"), path)


async def test_no_path_parameter_reaches_outside_its_resource(
    client: AsyncTestClient[Litestar],
    login_as: Callable[..., Awaitable[Any]],
    api_token: Callable[..., Awaitable[str]],
) -> None:
    """Every route with a path parameter (downloads, documents, static files), as the most privileged
    user and API client, with a traversal in the parameter: a 4xx, never a file from elsewhere."""
    await login_as("stelselbeheerder")
    session = {SESSION_COOKIE: client.cookies[SESSION_COOKIE]}
    token = await api_token(*(scope.value for scope in Scope))
    wrong: dict[str, tuple[int, str]] = {}
    for path_format in _routes(client.app, "GET"):
        if "{" not in path_format:
            continue
        target = _fill(path_format, TRAVERSAL).encode()
        headers = {"authorization": f"Bearer {token}"} if path_format.startswith(API_PREFIX) else HTML
        response = await send_raw(client.app, "GET", target, headers=headers, cookies=session)
        if not 400 <= response.status < 500 or PASSWD_MARKER in response.body:
            wrong[path_format] = (response.status, response.text[:200])
    assert wrong == {}


def _published_operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(API_PREFIX + path, item["get"]) for path, item in document["paths"].items() if "get" in item]


def _unknown_value(schema: Mapping[str, Any]) -> str:
    """A value of the parameter's type that no record has."""
    if schema.get("type") == "integer":
        return "987654321"
    if schema.get("format") == "uuid":
        return "00000000-0000-4000-8000-00000000dead"
    return "onbekend-" + secrets.token_hex(4)


async def test_unknown_ids_are_404_in_every_published_operation(
    client: AsyncTestClient[Litestar], api_token: Callable[..., Awaitable[str]]
) -> None:
    token = await api_token(*(scope.value for scope in Scope))
    document = (await client.get("/api/v1/openapi.json")).json()
    wrong: dict[str, tuple[int, str]] = {}
    for path, operation in _published_operations(document):
        path_parameters = [p for p in operation.get("parameters", []) if p["in"] == "path"]
        if not path_parameters:
            continue
        target = path
        for parameter in path_parameters:
            target = target.replace(
                "{" + parameter["name"] + "}", _unknown_value(parameter.get("schema", {}))
            )
        response = await client.get(target, headers={"authorization": f"Bearer {token}"})
        # 400 when the made-up value does not even fit the parameter's format
        if response.status_code not in {400, 404} or not response.headers["content-type"].startswith(
            PROBLEM_JSON
        ):
            wrong[target] = (response.status_code, response.text[:200])
    assert wrong == {}


async def test_pagination_overflow_is_refused_by_every_published_list(
    client: AsyncTestClient[Litestar], api_token: Callable[..., Awaitable[str]]
) -> None:
    token = await api_token(*(scope.value for scope in Scope))
    document = (await client.get("/api/v1/openapi.json")).json()
    lists = [
        path
        for path, operation in _published_operations(document)
        if {"page", "pageSize"} <= {p["name"] for p in operation.get("parameters", [])} and "{" not in path
    ]
    assert lists, "no paginated list is published"
    wrong: dict[str, tuple[int, list[str]]] = {}
    for path in lists:
        for query, name in (("page=99999999999999999999", "page"), ("pageSize=-1", "pageSize"),
                            ("pageSize=101", "pageSize"), ("page=0", "page")):  # fmt: skip
            response = await client.get(f"{path}?{query}", headers={"authorization": f"Bearer {token}"})
            names = (
                [p["name"] for p in response.json().get("invalidParams", [])]
                if response.status_code == 400
                else []
            )
            if response.status_code != 400 or name not in names:
                wrong[f"{path}?{query}"] = (response.status_code, names)
    assert wrong == {}


async def test_every_form_post_refuses_a_missing_forged_or_replayed_csrf_token(
    client: AsyncTestClient[Litestar],
) -> None:
    """Every page route that takes a POST: no token, a made-up token, or a valid token that belongs
    to another browser's cookie — each a 403 with a readable page."""
    forms = [
        path for path in _routes(client.app, "POST") if not path.startswith((API_PREFIX, "/.well-known"))
    ]
    assert forms, "the app has no form posts"
    mine, theirs = generate_csrf_token(TEST_SECRET), generate_csrf_token(TEST_SECRET)
    attempts = {
        "missing": ({CSRF_COOKIE: mine}, b""),
        "forged": ({CSRF_COOKIE: "a" * 64 + "b" * 64}, f"{CSRF_FIELD}={'a' * 64 + 'b' * 64}".encode()),
        "replayed": ({CSRF_COOKIE: mine}, f"{CSRF_FIELD}={theirs}".encode()),
    }
    wrong: dict[str, tuple[int, str]] = {}
    for path_format in forms:
        target = _fill(path_format).encode()
        for attempt, (cookies, body) in attempts.items():
            response = await send_raw(
                client.app, "POST", target, headers={**FORM, **HTML}, body=body, cookies=cookies
            )
            readable = response.content_type.startswith("text/html") and "geweigerd" in response.text
            if response.status != 403 or not readable:
                wrong[f"{attempt} {path_format}"] = (response.status, response.content_type)
    assert wrong == {}


async def test_a_session_cookie_chosen_before_login_is_never_honoured(
    client: AsyncTestClient[Litestar], make_user: Callable[..., Awaitable[Any]]
) -> None:
    """Session fixation: a cookie value planted before login (by another site, a shared computer or
    a crafted link) does not become the session; login hands out a fresh one."""
    await make_user("stelselbeheerder", email="vast@example.nl", password=PASSWORD)
    planted = "geplant-" + secrets.token_urlsafe(24)
    client.cookies.set(SESSION_COOKIE, planted)

    before = await client.get("/profiel", headers=HTML, follow_redirects=False)
    assert before.status_code in {302, 303, 401}, before.status_code

    form = await client.get("/inloggen", headers=HTML)
    token = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', form.text)
    assert token, "the login page has no CSRF field"
    login = await client.post(
        "/inloggen",
        data={"email": "vast@example.nl", "password": PASSWORD, CSRF_FIELD: token[1]},
        headers=HTML,
        follow_redirects=False,
    )
    assert login.status_code == 303, login.text[:300]
    issued = login.cookies.get(SESSION_COOKIE)
    assert issued
    assert issued != planted

    for cookie, honoured in ((planted, False), (issued, True)):
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, cookie)
        profile = await client.get("/profiel", headers=HTML, follow_redirects=False)
        assert (profile.status_code == 200) is honoured, (cookie == planted, profile.status_code)
