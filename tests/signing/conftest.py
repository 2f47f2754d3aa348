"""A fixed clock and a freshly generated key ring in a temporary directory for every test."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.clock import FixedClock
from registry.signing import KeyRing
from tests.signing.factories import NOW


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def ring(key_dir: Path, clock: FixedClock) -> KeyRing:
    key_ring = KeyRing(key_dir, clock=clock)
    key_ring.generate()
    return key_ring
