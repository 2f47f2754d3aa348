"""The socket several workers share: its connections must not wait for delayed ACKs."""

from __future__ import annotations

import socket

from registry.serving import APP, _NoDelayConfig


def test_the_workers_listening_socket_sets_tcp_nodelay_for_its_connections() -> None:
    config = _NoDelayConfig(APP, host="127.0.0.1", port=0, workers=2)
    listening = config.bind_socket()
    try:
        listening.listen()
        with socket.create_connection(listening.getsockname()) as client:
            accepted, _ = listening.accept()
            with accepted:
                assert client.fileno() >= 0
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        listening.close()
