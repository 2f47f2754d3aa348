"""The errors the published OpenAPI document promises are the errors the API gives, for every
operation in it: each refusal below is provoked on every operation it applies to, and the status
must be documented with the problem+json schema (and the header the answer carries).

- 401 for a bearer token that is wrong or revoked, on public operations too (RFC 6750
  ``invalid_token``): a public operation documents it as such, and documents no 403;
- 406 for an ``Accept`` header that allows none of the API's media types;
- 413, 415 and 400 for a body that is too large, not JSON, or malformed JSON;
- 429 with ``Retry-After`` on the rate-limited operations;
- 503 when the database is unreachable;
- and a validation error is a 400, so no operation documents a 422.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy.exc import OperationalError

from registry.accounts.permissions import Scope
from registry.ledenadministratie.ratelimit import RATE_LIMITED
from registry.openapi import PUBLIC_UNAUTHORIZED, public_operations
from registry.problems import PROBLEM_MEDIA_TYPE
from registry.settings import Settings
from tests.platform.documented import documented_operations

TokenFactory = Callable[..., Awaitable[str]]
PROBLEM_SCHEMA_REF = {"$ref": "#/components/schemas/Problem"}
WRONG_TOKEN = {"authorization": "Bearer cl_onbekend.geheim"}


@dataclasses.dataclass(frozen=True)
class Operation:
    method: str
    template: str
    """The route's path, with its ``{name}`` parameters, as :func:`public_operations` names it."""
    path: str
    """The path to request: a value of the right type for each path parameter."""
    public: bool
    responses: Mapping[str, Any]
    body_media_type: str | None

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


async def _operations(client: AsyncTestClient[Litestar]) -> list[Operation]:
    public = public_operations(client.app)
    return [
        Operation(
            method=documented.method,
            template=documented.template,
            path=documented.path,
            public=(documented.template, documented.method) in public,
            responses=documented.spec["responses"],
            body_media_type=next(iter(documented.spec.get("requestBody", {}).get("content", {})), None),
        )
        for documented in await documented_operations(client)
    ]


def _undocumented(operation: Operation, response: Any, status: int, header: str | None = None) -> str | None:
    """Why the answer or the document of ``operation`` falls short for ``status``, if it does."""
    if response.status_code != status:
        return f"answered {response.status_code}, not {status}: {response.text[:200]}"
    if not response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE):
        return f"answered {response.headers['content-type']}, not problem+json"
    if header is not None and header.lower() not in response.headers:
        return f"answered without {header}"
    documented = operation.responses.get(str(status))
    if documented is None:
        return f"{status} is not documented"
    if documented["content"].get(PROBLEM_MEDIA_TYPE, {}).get("schema") != PROBLEM_SCHEMA_REF:
        return f"{status} is documented without the problem+json schema"
    if header is not None and header not in documented.get("headers", {}):
        return f"{status} is documented without the header {header}"
    return None


async def _send(
    client: AsyncTestClient[Litestar], operation: Operation, headers: Mapping[str, str], **options: Any
) -> Any:
    return await client.request(operation.method.upper(), operation.path, headers=dict(headers), **options)


async def test_a_wrong_token_gets_the_documented_401_on_every_operation(
    client: AsyncTestClient[Litestar],
) -> None:
    wrong: dict[str, str] = {}
    for operation in await _operations(client):
        response = await _send(client, operation, WRONG_TOKEN)
        if reason := _undocumented(operation, response, 401, "WWW-Authenticate"):
            wrong[operation.label] = reason
        elif 'error="invalid_token"' not in response.headers["www-authenticate"]:
            wrong[operation.label] = f"challenge {response.headers['www-authenticate']}"
    assert wrong == {}


async def test_public_operations_document_their_401_as_a_wrong_token_and_no_403(
    client: AsyncTestClient[Litestar],
) -> None:
    operations = await _operations(client)
    public = [operation for operation in operations if operation.public]
    protected = [operation for operation in operations if not operation.public]
    assert {"GET /api/v1/deelnemers", "GET /api/v1/rolcheck"} <= {operation.label for operation in public}
    assert protected, "no protected operation is published"

    for operation in public:
        assert operation.responses["401"]["description"] == PUBLIC_UNAUTHORIZED, operation.label
        assert "403" not in operation.responses, operation.label
        # anonymous callers are what a public operation is for
        assert (await _send(client, operation, {})).status_code not in {401, 403}, operation.label
    for operation in protected:
        assert operation.responses["401"]["description"] != PUBLIC_UNAUTHORIZED, operation.label
        assert "403" in operation.responses, operation.label


async def test_an_accept_header_the_api_cannot_meet_gets_the_documented_406(
    client: AsyncTestClient[Litestar], api_token: TokenFactory
) -> None:
    token = await api_token(*(scope.value for scope in Scope))
    headers = {"authorization": f"Bearer {token}", "accept": "text/csv"}
    wrong: dict[str, str] = {}
    for operation in await _operations(client):
        if reason := _undocumented(operation, await _send(client, operation, headers), 406):
            wrong[operation.label] = reason
    assert wrong == {}


async def test_a_body_too_large_not_json_or_malformed_gets_the_documented_413_415_and_400(
    client: AsyncTestClient[Litestar], api_token: TokenFactory, settings: Settings
) -> None:
    token = await api_token(*(scope.value for scope in Scope))
    with_body = [operation for operation in await _operations(client) if operation.body_media_type]
    assert {"POST /api/v1/verificaties", "POST /api/v1/aanmeldingen"} <= {op.label for op in with_body}
    too_large = b'{"a": "' + b"x" * settings.max_request_bytes + b'"}'
    wrong: dict[str, str] = {}
    for operation in with_body:
        headers = {"authorization": f"Bearer {token}", "content-type": str(operation.body_media_type)}
        for status, content, content_type in (
            (413, too_large, operation.body_media_type),
            (415, b"naam=x", "text/plain"),
            (400, b'{"a": ', operation.body_media_type),
        ):
            if status != 413 and operation.body_media_type != "application/json":
                continue
            response = await _send(
                client, operation, {**headers, "content-type": str(content_type)}, content=content
            )
            if reason := _undocumented(operation, response, status):
                wrong[f"{operation.label} ({status})"] = reason
            elif status == 400 and not response.json().get("invalidParams"):
                wrong[f"{operation.label} (400)"] = "answered without invalidParams"
    assert wrong == {}


def _rate_limited(app: Litestar) -> set[tuple[str, str]]:
    limited: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if handler.opt.get(RATE_LIMITED):
                    limited.update((route.path_format, method.lower()) for method in handler.http_methods)
    return limited


async def test_the_rate_limited_operations_give_the_documented_429(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    api_token: TokenFactory,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = await api_token(*(scope.value for scope in Scope))
    rate_limited = _rate_limited(app)
    limited = [op for op in await _operations(client) if (op.template, op.method) in rate_limited]
    assert {"GET /api/v1/deelnemers", "GET /api/v1/rolcheck", "POST /api/v1/verificaties"} <= {
        operation.label for operation in limited
    }
    monkeypatch.setattr(
        app.state,
        "settings",
        dataclasses.replace(settings, anonymous_rate_per_minute=1, client_rate_per_minute=1),
    )
    wrong: dict[str, str] = {}
    for headers in ({}, {"authorization": f"Bearer {token}"}):
        # the one request a minute the caller has; every rate-limited operation shares it
        await _send(client, limited[0], headers)
        for operation in limited:
            if not operation.public and not headers:
                continue
            response = await _send(client, operation, headers)
            if reason := _undocumented(operation, response, 429, "Retry-After"):
                wrong[f"{operation.label} ({'token' if headers else 'anoniem'})"] = reason
    assert wrong == {}


async def test_an_unreachable_database_gives_the_documented_503(
    app: Litestar, client: AsyncTestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    operations = await _operations(client)

    @asynccontextmanager
    async def unreachable() -> AsyncIterator[Any]:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
        yield  # pragma: no cover

    # The bearer token is looked up in the database first, on every operation.
    monkeypatch.setattr(app.state, "db_sessionmaker", unreachable)
    wrong: dict[str, str] = {}
    for operation in operations:
        response = await _send(client, operation, WRONG_TOKEN)
        if reason := _undocumented(operation, response, 503, "Retry-After"):
            wrong[operation.label] = reason
    assert wrong == {}


async def test_every_documented_error_is_one_the_api_gives_and_never_a_422(
    client: AsyncTestClient[Litestar],
) -> None:
    for operation in await _operations(client):
        errors = {code for code in operation.responses if code[0] in "45"}
        assert "422" not in errors, operation.label
        assert {"401", "406", "429", "503"} <= errors, operation.label
        for code in errors:
            assert operation.responses[code]["content"][PROBLEM_MEDIA_TYPE]["schema"] == PROBLEM_SCHEMA_REF
