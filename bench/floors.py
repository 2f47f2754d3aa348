"""In-process floors: what the libraries underneath cost, to compare the portal's figures with.

- ES256 sign and verify: raw ``cryptography`` ECDSA P-256 (the floor), python-jose's ``jws.sign`` and
  ``jws.verify``, and the project's own :func:`~registry.signing.sign_jws` and
  :func:`~registry.signing.verify_jws` (which verifies through python-jose), in operations/s;
- the raw indexed query behind a lookup (identificatie → deelnemer row) through the database driver
  directly (sqlite3 / asyncpg), against the API lookup's latency measured one request at a time on
  a keep-alive connection (no queueing: the cost of one answer).
"""

from __future__ import annotations

import asyncio
import http.client
import statistics
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.workspace import Register

SIGN_SECONDS = 1.5


def _rate(operation: Callable[[], object], seconds: float) -> float:
    """Operations per second of ``operation`` over about ``seconds``."""
    count, started = 0, time.perf_counter()
    deadline = started + seconds
    while True:
        for _ in range(20):
            operation()
        count += 20
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - started)


def signing_floors(seconds: float = SIGN_SECONDS) -> dict[str, Any]:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from jose import jws as jose_jws

    from registry.signing import EcSigner, sign_jws, verify_jws

    key = ec.generate_private_key(ec.SECP256R1())
    message = b"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJrdms6MTIzNDU2NzgiLCJyb2wiOiJkaWVuc3R2ZXJsZW5lciJ9"
    signer = EcSigner(key)  # the project's signer over the very same key
    der = key.sign(message, ec.ECDSA(hashes.SHA256()))
    public = key.public_key()
    pem = signer.private_pem().decode("ascii")
    now = datetime.now(UTC)
    claims = {
        "iss": "http://127.0.0.1:8000",
        "sub": "kvk:12345678",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
        "jti": "bench",
    }
    jose_token = jose_jws.sign(claims, pem, algorithm="ES256")
    project_token = sign_jws(claims, signer, "lookup-response+jwt")
    public_pem = public.public_bytes(
        encoding=serialization.Encoding.PEM, format=serialization.PublicFormat.SubjectPublicKeyInfo
    )
    jwks = {"keys": [signer.public_jwk()]}

    def project_verify() -> None:
        result = verify_jws(
            project_token,
            jwks,
            expected_typ="lookup-response+jwt",
            issuer="http://127.0.0.1:8000",
            now=now,
            revoked_kids=(),
        )
        assert result.valid, result.reasons

    rates = {
        "cryptography_sign": _rate(lambda: key.sign(message, ec.ECDSA(hashes.SHA256())), seconds),
        "cryptography_verify": _rate(lambda: public.verify(der, message, ec.ECDSA(hashes.SHA256())), seconds),
        "jose_sign": _rate(lambda: jose_jws.sign(claims, pem, algorithm="ES256"), seconds),
        "jose_verify": _rate(lambda: jose_jws.verify(jose_token, public_pem, algorithms=["ES256"]), seconds),
        "project_sign_jws": _rate(lambda: sign_jws(claims, signer, "lookup-response+jwt"), seconds),
        "project_verify_jws": _rate(project_verify, seconds),
    }
    floor_sign, floor_verify = rates["cryptography_sign"], rates["cryptography_verify"]
    return {
        "ops_per_second": {name: round(rate) for name, rate in rates.items()},
        "ratio_to_cryptography": {
            "jose_sign": round(rates["jose_sign"] / floor_sign, 3),
            "jose_verify": round(rates["jose_verify"] / floor_verify, 3),
            "project_sign_jws": round(rates["project_sign_jws"] / floor_sign, 3),
            "project_verify_jws": round(rates["project_verify_jws"] / floor_verify, 3),
        },
    }


LOOKUP_SQL = (
    "SELECT d.* FROM deelnemer_identificatie AS i JOIN deelnemer AS d ON d.id = i.deelnemer_id "
    "WHERE i.soort = {0} AND i.waarde = {1}"
)


def _split(identificatie: str) -> tuple[str, str]:
    soort, _, waarde = identificatie.partition(":")
    return soort, waarde


def _median_ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 3),
    }


def raw_lookup_latency(register: Register, identificaties: list[str]) -> dict[str, float]:
    """The indexed lookup query through the driver itself, one at a time."""
    samples: list[float] = []
    if register.is_sqlite:
        import sqlite3

        connection = sqlite3.connect(register.sqlite_path)
        sql = LOOKUP_SQL.format("?", "?")
        try:
            for identificatie in identificaties:
                started = time.perf_counter()
                row = connection.execute(sql, _split(identificatie)).fetchone()
                samples.append(time.perf_counter() - started)
                assert row is not None, identificatie
        finally:
            connection.close()
        return _median_ms(samples)

    async def postgres() -> None:
        import asyncpg  # type: ignore[import-untyped]
        from sqlalchemy.engine import make_url

        url = make_url(register.database_url)
        connection = await asyncpg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            database=url.database,
        )
        try:
            statement = await connection.prepare(LOOKUP_SQL.format("$1", "$2"))
            for identificatie in identificaties:
                started = time.perf_counter()
                row = await statement.fetchrow(*_split(identificatie))
                samples.append(time.perf_counter() - started)
                assert row is not None, identificatie
        finally:
            await connection.close()

    asyncio.run(postgres())
    return _median_ms(samples)


def api_lookup_latency(base_url: str, identificaties: list[str]) -> dict[str, float]:
    """``GET /api/v1/deelnemers?identificatie=…`` one request at a time on one keep-alive connection."""
    parts = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    samples: list[float] = []
    try:
        for identificatie in identificaties:
            path = f"/api/v1/deelnemers?identificatie={urllib.parse.quote(identificatie, safe=':')}"
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            samples.append(time.perf_counter() - started)
            if response.status != 200:
                raise RuntimeError(f"lookup answered {response.status}")
    finally:
        connection.close()
    return _median_ms(samples)


def lookup_floor(register: Register, base_url: str, count: int = 1000) -> dict[str, Any]:
    identificaties = register.read_workload()["identificaties"][:count]
    raw = raw_lookup_latency(register, identificaties)
    api = api_lookup_latency(base_url, identificaties)
    return {
        "requests": len(identificaties),
        "raw_query": raw,
        "api": api,
        "api_over_raw": round(api["median_ms"] / raw["median_ms"], 1) if raw["median_ms"] else None,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(signing_floors(), indent=1))
