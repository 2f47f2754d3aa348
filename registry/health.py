"""Liveness and readiness: ``/health/live`` answers while the process runs, ``/health/ready``
only while the database answers too (a load balancer stops sending traffic otherwise)."""

from __future__ import annotations

import asyncio

import msgspec
from litestar import Controller, get
from litestar.datastructures import State
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from registry.errors import ServiceUnavailable


class HealthStatus(msgspec.Struct, omit_defaults=True):
    status: str
    database: str | None = None


class HealthController(Controller):
    path = "/health"
    tags = ["Status"]
    include_in_schema = False

    @get("/live", opt={"public": True}, cache_control=None)
    async def live(self) -> HealthStatus:
        return HealthStatus(status="ok")

    @get("/ready", opt={"public": True})
    async def ready(self, state: State) -> HealthStatus:
        engine: AsyncEngine = state.db_engine
        timeout: float = state.settings.database_timeout_seconds
        try:
            async with asyncio.timeout(timeout), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:
            raise ServiceUnavailable(f"De database antwoordt niet: {type(exc).__name__}") from None
        return HealthStatus(status="ok", database="ok")


route_handlers = [HealthController]
