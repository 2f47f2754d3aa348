"""Imports every domain's models so that ``metadata`` knows all tables (Alembic and tests need it)."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from registry.database import metadata

MODEL_MODULES: tuple[str, ...] = (
    "registry.audit.models",
    "registry.accounts.models",
    "roles.models",
    "registry.ledenadministratie.models",
    "verklaringen.models",
)


def load_all_models() -> MetaData:
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return metadata
