"""Running the Alembic history in ``migrations/`` from code (the CLI, the run command and tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from registry.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str = "-1") -> None:
    command.downgrade(alembic_config(settings), revision)


def current_revision(settings: Settings) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    import asyncio

    from alembic.runtime.migration import MigrationContext

    from registry.database import create_engine

    async def read() -> str | None:
        engine = create_engine(settings)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: MigrationContext.configure(sync).get_current_revision()
                )
        finally:
            await engine.dispose()

    return asyncio.run(read())


def head_revision(settings: Settings) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(settings)).get_current_head()


def compare_type(
    context: object,
    inspected_column: object,
    metadata_column: object,
    inspected_type: object,
    metadata_type: object,
) -> bool | None:
    """Alembic type comparison that knows advanced-alchemy's GUID is stored natively per dialect
    (UUID on PostgreSQL, 16-byte binary on SQLite, which SQLite reflects as NUMERIC)."""
    from advanced_alchemy.types import GUID

    if isinstance(metadata_type, GUID):
        return False
    return None
