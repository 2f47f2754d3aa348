"""ASGI entry point for servers (``uvicorn registry.asgi:app``); settings come from the environment."""

from __future__ import annotations

from registry.app import create_app
from registry.settings import load_settings

app = create_app(load_settings())
