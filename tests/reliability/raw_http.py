"""Sending exactly the bytes a hostile client sends: a raw request target (percent-encoding, invalid
UTF-8, ``..``) and body go to the ASGI app as a server would hand them over, with no client library
normalising anything on the way."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from litestar import Litestar

HOST = "testserver.local"


@dataclass(frozen=True, slots=True)
class RawResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(slots=True)
class _Collected:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)


async def send_raw(
    app: Litestar,
    method: str,
    target: bytes,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    chunked: bool = False,
    cookies: Mapping[str, str] | None = None,
) -> RawResponse:
    """One request straight into the app (whose lifespan must be running). ``chunked`` sends the
    body in pieces without a Content-Length, as a streaming client does."""
    raw_path, _, query = target.partition(b"?")
    header_list: list[tuple[bytes, bytes]] = [(b"host", HOST.encode())]
    if not chunked:
        header_list.append((b"content-length", str(len(body)).encode()))
    header_list += [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    if cookies:
        header_list.append((b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()))
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        # as uvicorn does: the path is the percent-decoded target, raw_path the bytes as sent
        "path": unquote(raw_path.decode("latin-1")),
        "raw_path": raw_path,
        "query_string": query,
        "root_path": "",
        "headers": header_list,
        "client": ("127.0.0.1", 50000),
        "server": (HOST, 80),
        "state": {},
    }
    pieces = [body[i : i + 65536] for i in range(0, len(body), 65536)] if chunked else [body]
    pieces = pieces or [b""]
    disconnected = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if pieces:
            piece = pieces.pop(0)
            return {"type": "http.request", "body": piece, "more_body": bool(pieces)}
        await disconnected.wait()
        return {"type": "http.disconnect"}

    collected = _Collected()

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            collected.status = message["status"]
            collected.headers = {
                k.decode("latin-1"): v.decode("latin-1") for k, v in message.get("headers", [])
            }
        elif message["type"] == "http.response.body":
            collected.body += message.get("body", b"")

    try:
        await asyncio.wait_for(app(scope, receive, send), 30)  # type: ignore[arg-type]
    finally:
        disconnected.set()
    return RawResponse(collected.status, collected.headers, bytes(collected.body))
