"""The Alembic history is the only way the schema is made, so it must match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from registry import migrate
from registry.models_index import load_all_models
from registry.settings import Settings


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": migrate.compare_type})
    return list(compare_metadata(context, load_all_models()))


async def test_models_and_migrations_agree(db: AsyncSession) -> None:
    connection = await db.connection()
    differences = await connection.run_sync(_diff)
    assert differences == [], f"run `make migration` — models and migrations differ: {differences}"


def test_the_whole_history_downgrades_and_upgrades_again(settings: Settings) -> None:
    migrate.downgrade(settings, "base")
    assert migrate.current_revision(settings) is None
    migrate.upgrade(settings)
    assert migrate.current_revision(settings) == migrate.head_revision(settings)
