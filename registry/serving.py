"""Serving the portal with uvicorn: one process, or a supervisor with several worker processes.

uvicorn runs on uvloop with the httptools parser: against its pure-Python defaults (asyncio's loop,
h11) a trivial request takes half the CPU, a lookup about a third less."""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

APP = "registry.asgi:app"


class _NoDelayConfig(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        """The shared listening socket of the workers, with ``TCP_NODELAY`` for its connections.

        uvicorn creates this socket without naming TCP as its protocol, and asyncio only sets
        ``TCP_NODELAY`` on connections of sockets that do: every response then waited for the
        client's delayed ACK (about 40 ms each). Accepted connections inherit the option on Linux.
        """
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def serve(*, host: str, port: int, workers: int, reload: bool, log_level: str) -> None:
    """Serve until stopped; ``workers`` > 1 runs a supervisor that restarts workers that die."""
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "workers": workers,
        "reload": reload,
        "proxy_headers": True,
        "log_level": log_level,
        "access_log": False,
        "loop": "uvloop",
        "http": "httptools",
        # A spawned worker imports the whole app before it answers the supervisor's ping; on a busy
        # machine that takes longer than uvicorn's default 5 s, and the worker would be killed.
        "timeout_worker_healthcheck": 60,
    }
    if workers == 1 or reload:
        uvicorn.run(APP, **options)
        return
    config = _NoDelayConfig(APP, **options)
    Multiprocess(config, sockets=[config.bind_socket()]).run()
