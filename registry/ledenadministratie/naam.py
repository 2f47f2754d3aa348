"""Names of deelnemers: how they are stored and how they are searched.

A name is stored as typed, but NFC-normalised and with whitespace collapsed, so that ``Súdwest``
typed with a precomposed ``ú`` and the same name pasted with ``u`` plus a combining accent are one
name. For searching, names and queries are *folded*: decomposed, stripped of diacritics,
case-folded, with every run of non-alphanumerics made one space. ``Gemeente Súdwest-Fryslân`` folds to
``gemeente sudwest fryslan`` and is found by ``súdwest``, ``Sudwest``, ``fryslân`` and ``gemeente s``.
"""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def normalise_naam(naam: str) -> str:
    """The stored form: NFC, trimmed, every run of whitespace one space."""
    composed = naam if naam.isascii() else unicodedata.normalize("NFC", naam)  # ASCII is NFC already
    return _WHITESPACE.sub(" ", composed).strip()


def fold(text: str) -> str:
    """The search form: without diacritics, case-folded, words separated by single spaces."""
    if text.isascii():  # nothing to decompose: the common case, and much quicker
        return _NOT_ALPHANUMERIC.sub(" ", text.casefold()).strip()
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(teken for teken in decomposed if not unicodedata.combining(teken))
    return _NOT_ALPHANUMERIC.sub(" ", bare.casefold()).strip()


def zoektermen(naam: str) -> list[str]:
    """Every tail of the folded name that starts at a word: the rows of the search index."""
    return tails(fold(naam))


def tails(folded: str) -> list[str]:
    """Every tail of an already folded name that starts at a word."""
    woorden = folded.split(" ")
    return [" ".join(woorden[index:]) for index in range(len(woorden)) if woorden[index]]
