"""Schema fuzzing: schemathesis sends generated requests to every operation of the published OpenAPI
document (``/api/v1/openapi.json``, fetched through the ASGI app) and checks each answer: never a
5xx, only documented status codes, the documented content type, and a body that matches the
documented schema.

The operations are read from the document at run time, so new endpoints are fuzzed as soon as they
are published. The normal suite runs a small, deterministic budget per operation; ``make fuzz``
runs the long, randomised variant (``FUZZ_EXAMPLES``, ``FUZZ_SEED``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from litestar import Litestar, get
from litestar.params import FromPath
from litestar.testing import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from registry.accounts.permissions import Permission, Scope
from registry.accounts.services import create_api_client
from registry.app import create_app
from registry.audit.services import Actor
from registry.clock import SystemClock
from registry.database import create_engine, create_session_factory
from registry.openapi import PUBLIC_UNAUTHORIZED
from registry.settings import Settings
from tests.conftest import TEST_SECRET
from tests.reliability.databases import demo_clone, run_coroutine

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
LONG_RUN = "FUZZ_EXAMPLES" in os.environ
OPENAPI_PATH = "/api/v1/openapi.json"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _config() -> SchemathesisConfig:
    seed = {"seed": int(os.environ["FUZZ_SEED"])} if "FUZZ_SEED" in os.environ else {}
    return SchemathesisConfig.from_dict(
        {
            **seed,
            "generation": {
                "max-examples": EXAMPLES,
                # the long run also sends what the document forbids: that must be a 4xx, not a 5xx
                "mode": "all" if LONG_RUN else "positive",
                # the normal suite sees the same cases every run; `make fuzz` explores
                "deterministic": not LONG_RUN,
                "database": ".hypothesis/examples" if LONG_RUN else "none",
            },
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": LONG_RUN},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
            "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
        }
    )


async def _api_client_with_every_scope(settings: Settings) -> str:
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            client = await create_api_client(
                session,
                name="Fuzzer",
                scopes=[scope.value for scope in Scope],
                actor=Actor.system("test"),
                clock=SystemClock(),
            )
            return client.bearer_token
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def fuzzed_portal(
    db_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Litestar, str]]:
    """A portal with every domain's demo data on a database of its own for the whole module, and the
    bearer token of an API client with every scope."""
    with demo_clone(db_backend, tmp_path_factory.mktemp("fuzz")) as (url, data_dir):
        settings = Settings(
            data_dir=data_dir,
            database_url=url,
            secret_key=TEST_SECRET,
            # the fuzzer is one fast caller: rate limiting is tested elsewhere
            anonymous_rate_per_minute=1_000_000,
            client_rate_per_minute=1_000_000,
        )
        token = run_coroutine(_api_client_with_every_scope(settings))
        yield create_app(settings), token
        # The ASGI transport keeps an app's lifespan running; end it before the database goes.
        shutdown_lifespans()


def _published_document(extra_handlers: Sequence[Any] = ()) -> dict[str, Any]:
    """The published document, fetched through an app of its own (serving it needs no database)."""
    with tempfile.TemporaryDirectory(prefix="stelsel-openapi-") as directory:
        settings = Settings(
            data_dir=Path(directory),
            database_url=f"sqlite+aiosqlite:///{directory}/leeg.sqlite3",
            secret_key=TEST_SECRET,
        )
        with TestClient(create_app(settings, extra_handlers=extra_handlers)) as client:
            response = client.get(OPENAPI_PATH)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


# Loaded when the module is collected, so every operation is a test of its own.
published_api = schemathesis.openapi.from_dict(_published_document(), config=_config())
# The document's servers URL carries /api/v1; through the ASGI app the paths start there too.
published_api.config.update(base_url="http://testserver/api/v1")


# Contract violations found in domain endpoints and reported to their owners; each entry fails the
# run once it is fixed (strict), so the entry is removed together with the fix.
KNOWN_VIOLATIONS: dict[str, str] = {}


@published_api.parametrize()
def test_every_published_operation_keeps_its_contract(
    case: Any, fuzzed_portal: tuple[Litestar, str], request: pytest.FixtureRequest
) -> None:
    if reason := KNOWN_VIOLATIONS.get(case.operation.label):
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    app, token = fuzzed_portal
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def test_the_fuzzer_sees_the_operations() -> None:
    """Guards the harness itself: the published document is read and holds the API's operations."""
    labels = [result.ok().label for result in published_api.get_all_operations()]
    assert labels, "the published OpenAPI document has no operations"
    assert all(label.split(" ", 1)[1].startswith("/") for label in labels)


@get("/api/v1/test-dingen/{code:str}", opt={"public": True}, summary="Een ding")
async def public_thing(code: FromPath[str]) -> dict[str, str]:
    return {"code": code}


@get("/api/v1/test-geheimen", opt={"permission": Permission.AUDIT_LEZEN}, summary="Geheimen")
async def protected_things() -> list[str]:
    return []


def test_the_document_names_the_errors_an_operation_can_give() -> None:
    """404 where the path names a resource, 403 where the route is not public, 401 (a wrong token
    is refused on public routes too), 429 and 503 always: the statuses the fuzzer accepts are the
    ones the document promises. tests/platform/test_documented_errors.py provokes each of them."""
    paths = _published_document([public_thing, protected_things])["paths"]

    public = paths["/test-dingen/{code}"]["get"]["responses"]
    protected = paths["/test-geheimen"]["get"]["responses"]

    assert {"200", "400", "401", "404", "429", "503"} <= set(public)
    assert "403" not in public
    assert public["401"]["description"] == PUBLIC_UNAUTHORIZED
    assert {"200", "401", "403", "429", "503"} <= set(protected)
    assert "404" not in protected
    for response in (public["401"], public["404"], protected["401"], protected["403"]):
        assert response["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
