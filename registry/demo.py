"""Demo data: every domain may contribute a loader; all are idempotent (safe to run again)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from registry.clock import Clock
from registry.plugin import domain_modules
from registry.settings import Settings


@dataclass(frozen=True, slots=True)
class DemoContext:
    session: AsyncSession
    settings: Settings
    clock: Clock


DemoLoader = Callable[[DemoContext], Awaitable[list[str]]]


async def load_demo(context: DemoContext) -> list[str]:
    """Run each domain's ``demo_loader``; returns what each one reported.

    Loaders run in registration order, except that a module may set ``demo_order`` (default 0) to
    run later, when its demo data refers to another domain's (e.g. a contact user to a deelnemer).
    """
    report: list[str] = []
    for module in sorted(domain_modules(), key=lambda module: int(getattr(module, "demo_order", 0))):
        loader: DemoLoader | None = getattr(module, "demo_loader", None)
        if loader is not None:
            report.extend(await loader(context))
    return report
