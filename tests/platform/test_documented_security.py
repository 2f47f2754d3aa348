"""The published OpenAPI document says how to authenticate, and what it says is what the API does:

- ``components.securitySchemes`` holds the one credential the API accepts, the bearer token of an
  API client; the portal's session cookie is refused under ``/api/v1``, so it is not documented;
- every operation the route guard protects requires that token, naming a scope that gets past the
  guard (and no other scope does);
- every public operation allows anonymous callers; where the document also lists the token as
  optional, the token makes a difference (the client's own rate limit, and more of a deelnemer
  with ``lookup:read``), and where it lists anonymous only, there is no limit a token could change.

The requirements come from the routes' ``opt`` markers (:func:`registry.openapi.security_requirements`),
so these tests read the markers and check the document and the answers against them.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.permissions import Permission, Scope
from registry.api import API_PREFIX
from registry.audit.services import Actor
from registry.clock import Clock
from registry.ledenadministratie import services
from registry.ledenadministratie.identifiers import IdentificatieSoort, generate_valid
from registry.ledenadministratie.ratelimit import RATE_LIMITED
from registry.ledenadministratie.schemas import ContactpersoonInvoer, DeelnemerCreate, IdentificatieInvoer
from registry.openapi import SECURITY_SCHEME, route_opts, security_requirements
from registry.settings import Settings
from tests.platform.documented import documented_operations, published_document

TokenFactory = Callable[..., Awaitable[str]]
ANONYMOUS: dict[str, list[str]] = {}
OPTIONAL_TOKEN = [ANONYMOUS, {SECURITY_SCHEME: []}]


@dataclasses.dataclass(frozen=True)
class Operation:
    method: str
    path: str
    """The path to request: a value of the right type for each path parameter."""
    opt: Mapping[str, Any]
    """The route's ``opt``, as the guard reads it."""
    security: list[dict[str, list[str]]]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def public(self) -> bool:
        return bool(self.opt.get("public"))


async def _operations(client: AsyncTestClient[Litestar]) -> list[Operation]:
    opts = route_opts(client.app)
    listed = []
    for documented in await documented_operations(client):
        label = f"{documented.method.upper()} {documented.template}"
        assert "security" in documented.spec, f"{label} declares no security"
        listed.append(
            Operation(
                method=documented.method,
                path=documented.path,
                opt=opts[(documented.template, documented.method)],
                security=documented.spec["security"],
            )
        )
    return listed


async def _send(client: AsyncTestClient[Litestar], operation: Operation, token: str | None = None) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await client.request(operation.method.upper(), operation.path, headers=headers)


async def test_the_document_declares_the_bearer_scheme_and_no_session_cookie(
    client: AsyncTestClient[Litestar], login_as: Callable[..., Awaitable[Any]]
) -> None:
    document = await published_document(client)
    schemes = document["components"]["securitySchemes"]
    assert list(schemes) == [SECURITY_SCHEME]
    assert schemes[SECURITY_SCHEME]["type"] == "http"
    assert schemes[SECURITY_SCHEME]["scheme"] == "bearer"
    assert "Authorization: Bearer" in schemes[SECURITY_SCHEME]["description"]
    for scope in Scope:
        assert f"`{scope.value}`" in schemes[SECURITY_SCHEME]["description"]
    for operation in await _operations(client):
        for requirement in operation.security:
            assert set(requirement) <= set(schemes), operation.label

    # The session cookie of a stelselbeheerder opens the portal, but the API does not take it.
    await login_as("stelselbeheerder")
    assert (await client.get("/beheer")).status_code == 200
    protected = [operation for operation in await _operations(client) if not operation.public]
    assert protected, "no protected operation is published"
    for operation in protected:
        assert (await _send(client, operation)).status_code == 401, operation.label


async def test_every_operation_the_guard_protects_requires_the_token_with_a_scope_that_passes_it(
    client: AsyncTestClient[Litestar], api_token: TokenFactory
) -> None:
    protected = [operation for operation in await _operations(client) if not operation.public]
    assert {"GET /api/v1/aanmeldingen"} <= {operation.label for operation in protected}
    tokens = {scope.value: await api_token(scope.value, name=f"Client {scope.value}") for scope in Scope}
    wrong: dict[str, str] = {}
    for operation in protected:
        if operation.security != security_requirements(operation.opt):
            wrong[operation.label] = f"security {operation.security}"
            continue
        if ANONYMOUS in operation.security or any(set(r) != {SECURITY_SCHEME} for r in operation.security):
            wrong[operation.label] = f"does not require the token: {operation.security}"
            continue
        if (status := (await _send(client, operation)).status_code) != 401:
            wrong[f"{operation.label} (anoniem)"] = f"answered {status}, not 401"
        named = {scope for requirement in operation.security for scope in requirement[SECURITY_SCHEME]}
        if not named:
            wrong[operation.label] = "names no scope: no API client can call it"
        for scope, token in tokens.items():
            status = (await _send(client, operation, token)).status_code
            if scope in named and status in {401, 403}:
                wrong[f"{operation.label} ({scope})"] = f"the named scope is refused with {status}"
            elif scope not in named and status != 403:
                wrong[f"{operation.label} ({scope})"] = f"a scope it does not name answered {status}, not 403"
    assert wrong == {}


async def test_every_public_operation_allows_anonymous_callers(client: AsyncTestClient[Litestar]) -> None:
    public = [operation for operation in await _operations(client) if operation.public]
    assert {"GET /api/v1/deelnemers", "GET /api/v1/rollen", "POST /api/v1/verificaties"} <= {
        operation.label for operation in public
    }
    for operation in public:
        assert operation.security[0] == ANONYMOUS, operation.label
        expected = OPTIONAL_TOKEN if operation.opt.get(RATE_LIMITED) else [ANONYMOUS]
        assert operation.security == expected, operation.label
        assert (await _send(client, operation)).status_code not in {401, 403}, operation.label


async def test_where_the_token_is_optional_it_buys_the_clients_own_rate_limit_and_nowhere_else(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    api_token: TokenFactory,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    public = [operation for operation in await _operations(client) if operation.public]
    optional = [operation for operation in public if operation.security == OPTIONAL_TOKEN]
    anonymous_only = [operation for operation in public if operation.security == [ANONYMOUS]]
    assert optional
    assert anonymous_only
    token = await api_token(Scope.VERIFY.value)
    monkeypatch.setattr(
        app.state,
        "settings",
        dataclasses.replace(settings, anonymous_rate_per_minute=1, client_rate_per_minute=1_000),
    )
    await _send(client, optional[0])  # the one anonymous request of this minute
    wrong: dict[str, str] = {}
    for operation in optional:
        if (status := (await _send(client, operation)).status_code) != 429:
            wrong[f"{operation.label} (anoniem)"] = f"answered {status}, not 429"
        if (status := (await _send(client, operation, token)).status_code) == 429:
            wrong[f"{operation.label} (token)"] = "the token did not lift the anonymous limit"
    for operation in anonymous_only:
        if (status := (await _send(client, operation)).status_code) == 429:
            wrong[f"{operation.label} (anoniem)"] = (
                "rate limited, yet the token is not documented as optional"
            )
    assert wrong == {}


async def test_a_lookup_client_sees_more_of_a_deelnemer_where_the_token_is_documented_as_optional(
    client: AsyncTestClient[Litestar], api_token: TokenFactory, db: AsyncSession, clock: Clock
) -> None:
    deelnemer = await services.create_deelnemer(
        db,
        DeelnemerCreate(
            naam="Gemeente Voorbeeld",
            soort="gemeente",
            identificaties=[
                IdentificatieInvoer(
                    soort="kvk", waarde=generate_valid(IdentificatieSoort.KVK, random.Random(7)).waarde
                )
            ],
            regio="Jeugdregio Voorbeeld",
            contactpersonen=[
                ContactpersoonInvoer(
                    naam="Anna de Vries", functie="Privacy officer", email="anna@voorbeeld.nl"
                )
            ],
        ),
        actor=Actor.system("test"),
        clock=clock,
    )
    path = f"{API_PREFIX}/deelnemers/{deelnemer.id}"
    token = await api_token(Scope.LOOKUP_READ.value)

    anonymous = await client.get(path)
    full = await client.get(path, headers={"authorization": f"Bearer {token}"})

    assert anonymous.status_code == full.status_code == 200
    assert "contactpersonen" not in anonymous.json()
    assert full.json()["contactpersonen"][0]["naam"] == "Anna de Vries"
    document = await published_document(client)
    assert document["paths"]["/deelnemers/{id}"]["get"]["security"] == OPTIONAL_TOKEN


def test_the_requirement_follows_the_route_markers() -> None:
    assert security_requirements({"public": True}) == [ANONYMOUS]
    assert security_requirements({"public": True, RATE_LIMITED: True}) == OPTIONAL_TOKEN
    assert security_requirements({"permission": Permission.AANMELDINGEN_LEZEN}) == [
        {SECURITY_SCHEME: [Scope.AANMELDINGEN.value]}
    ]
    assert security_requirements({"permission": Permission.DEELNEMERS_LEZEN, RATE_LIMITED: True}) == [
        {SECURITY_SCHEME: [Scope.LOOKUP_READ.value]}
    ]
    # No scope grants these: the token is still required, and no API client gets past the guard.
    assert security_requirements({"permission": Permission.AUDIT_LEZEN}) == [{SECURITY_SCHEME: []}]
    assert security_requirements({"authenticated": True}) == [{SECURITY_SCHEME: []}]
    # A route without a decision is refused for everybody: never documented as anonymous.
    assert security_requirements({}) == [{SECURITY_SCHEME: []}]


async def test_the_documentation_page_says_who_may_call_each_operation(
    client: AsyncTestClient[Litestar],
) -> None:
    page = (await client.get(f"{API_PREFIX}/docs")).text
    operations = await _operations(client)
    assert page.count("<p>Toegang: ") == len(operations)
    assert "Toegang: alleen met het token van een API-client met scope aanmeldingen." in page
    assert "Toegang: openbaar." in page
    assert "Toegang: openbaar; met het token van een API-client" in page
