"""Verklaringen for a generated register (filled in once the verklaringen tables settle)."""

from __future__ import annotations

import random

from sqlalchemy.ext.asyncio import AsyncEngine

from registry.audit.services import Actor


async def generate(
    engine: AsyncEngine, rng: random.Random, deelnemer_ids: list[str], actor: Actor
) -> dict[str, int]:
    return {}
