"""The operations of the published OpenAPI document, walked once for the tests that hold the
document against the API's answers (errors, security)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.api import API_PREFIX

API_METHODS = frozenset({"get", "put", "post", "delete", "patch"})


@dataclasses.dataclass(frozen=True)
class DocumentedOperation:
    method: str
    template: str
    """The route's path with its ``{name}`` parameters, as the app's routes name it."""
    path: str
    """The path to request: a value of the right type for each path parameter."""
    spec: Mapping[str, Any]
    """The operation object of the document."""


def example_value(schema: Mapping[str, Any]) -> str:
    """A value of the path parameter's type (no record has it; the refusals come before the lookup)."""
    if schema.get("type") == "integer":
        return "987654321"
    if schema.get("format") == "uuid":
        return "00000000-0000-4000-8000-00000000dead"
    return "onbekend"


async def published_document(client: AsyncTestClient[Litestar]) -> dict[str, Any]:
    response = await client.get(f"{API_PREFIX}/openapi.json")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def documented_operations(client: AsyncTestClient[Litestar]) -> list[DocumentedOperation]:
    """Every operation of the published document, with a path to request it by."""
    listed = []
    for path, item in (await published_document(client))["paths"].items():
        for method, operation in item.items():
            if method not in API_METHODS:
                continue
            served = API_PREFIX + path
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    served = served.replace(
                        "{" + parameter["name"] + "}", example_value(parameter.get("schema", {}))
                    )
            listed.append(DocumentedOperation(method, API_PREFIX + path, served, operation))
    assert listed, "the published document has no operations"
    return listed
