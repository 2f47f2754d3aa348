"""Demo data of the ledenadministratie (filled in below)."""

from __future__ import annotations

from registry.demo import DemoContext


async def demo_loader(context: DemoContext) -> list[str]:
    return []
