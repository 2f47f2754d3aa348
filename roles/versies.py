"""Ordering catalogue releases by their semantic version (semver 2.0.0 precedence).

``1.2.0 < 1.3.0-rc.1 < 1.3.0 < 1.10.0``: numbers compare as numbers, a pre-release comes before
its release, and build metadata (``+...``) does not count.
"""

from __future__ import annotations

import re

from roles.catalogue_file import SEMVER_PATTERN

_SEMVER = re.compile(SEMVER_PATTERN)

# A pre-release identifier sorts numerically when it is a number, otherwise as text, and numbers
# sort before text; a version without pre-release sorts after all of its pre-releases.
_Identifier = tuple[int, int, str]
VersieKey = tuple[int, int, int, int, tuple[_Identifier, ...]]


def is_versie(value: str) -> bool:
    """Whether ``value`` is a semantic version such as ``1.2.0`` or ``1.3.0-rc.1``."""
    return _SEMVER.fullmatch(value) is not None


def versie_key(versie: str) -> VersieKey:
    """A sort key giving semver precedence; raises ``ValueError`` for a value that is no semver."""
    if not is_versie(versie):
        raise ValueError(f"{versie!r} is not a semantic version")
    core, _, prerelease = versie.split("+", 1)[0].partition("-")
    major, minor, patch = (int(part) for part in core.split("."))
    if not prerelease:
        return (major, minor, patch, 1, ())
    identifiers = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in prerelease.split(".")
    )
    return (major, minor, patch, 0, identifiers)


def is_higher(versie: str, than: str) -> bool:
    return versie_key(versie) > versie_key(than)
