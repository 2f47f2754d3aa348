"""The published OpenAPI document passes the NL API Design Rules 2.2 ruleset (Spectral) with zero errors."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

HERE = Path(__file__).resolve().parent
RULESET = HERE / "nlgov-adr-2.2.spectral.yaml"
SPECTRAL = HERE.parent.parent / "node_modules" / ".bin" / "spectral"


def _spectral() -> str:
    if SPECTRAL.exists():
        return str(SPECTRAL)
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: the Spectral ADR check needs it")
    pytest.fail("node_modules/.bin/spectral is missing: run ./scripts/bootstrap.sh --test (npm ci)")


async def test_openapi_document_passes_the_api_design_rules(
    client: AsyncTestClient[Litestar], tmp_path: Path
) -> None:
    spectral = _spectral()
    document = (await client.get("/api/v1/openapi.json")).json()
    target = tmp_path / "openapi.json"
    target.write_text(json.dumps(document))
    result = subprocess.run(  # noqa: ASYNC221 - a one-off lint run in a test
        [spectral, "lint", "--ruleset", str(RULESET), "--format", "json", "--quiet", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    findings = json.loads(result.stdout or "[]")
    errors = [
        f"{'.'.join(map(str, finding['path']))}: {finding['code']}: {finding['message']}"
        for finding in findings
        if finding["severity"] == 0
    ]
    assert errors == [], "\n".join(errors)
