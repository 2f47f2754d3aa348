"""Errors of the ledenadministratie beyond the shared ones in :mod:`registry.errors`."""

from __future__ import annotations

from registry.errors import ValidationFailed


class ConflictingInput(ValidationFailed):
    """Well-formed input that clashes with the register: an identificatie that belongs to another
    deelnemer, a period that overlaps an existing one. A 409 that, like a validation error, names
    every field concerned in ``invalidParams``."""

    status = 409
    title = "Conflict"
    type_slug = "conflict"
