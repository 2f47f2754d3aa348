"""Reading the files embedded in a PDF, to find the attestation inside a verklaring PDF.

A verklaring PDF carries its attestation as an embedded file (PDF/A-3 associated file) named
``verklaring.jwt``. This reader finds embedded files without a PDF library: an embedded file is a
stream object whose dictionary has ``/Type /EmbeddedFile`` (stream objects never live inside object
streams, so they are always at the top level of the file), and the file specification naming it
has ``/F`` or ``/UF`` and ``/EF << /F n 0 R >>`` (it may sit inside an object stream, which is read
too).

Only ``FlateDecode`` (or no filter) is understood; that is what PDF writers use for attachments.
Everything is bounded: at most :data:`MAX_PDF_BYTES` are read, a dictionary is looked for within
:data:`MAX_DICTIONARY_BYTES` and an attachment may inflate to at most :data:`MAX_ATTACHMENT_BYTES`,
so a hostile upload cannot exhaust memory or time.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 64 * 1024
MAX_DICTIONARY_BYTES = 64 * 1024
MAX_OBJECT_STREAM_BYTES = 1024 * 1024
ATTESTATION_NAME = "verklaring.jwt"

_OBJECT = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_REFERENCE = rb"(\d+)\s+(\d+)\s+R"
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


class NotAPdf(ValueError):
    """The bytes are not a PDF this reader can read."""


@dataclass(frozen=True, slots=True)
class EmbeddedFile:
    """One file embedded in a PDF: its name (if a file specification names it) and its bytes."""

    name: str | None
    content: bytes


def _dictionary_end(data: bytes, start: int) -> int:
    """The index just after the ``>>`` that closes the dictionary opened at ``start``."""
    depth, index, length = 0, start, min(len(data), start + MAX_DICTIONARY_BYTES)
    while index < length - 1:
        pair = data[index : index + 2]
        if pair == b"<<":
            depth, index = depth + 1, index + 2
            continue
        if pair == b">>":
            depth, index = depth - 1, index + 2
            if depth == 0:
                return index
            continue
        if data[index : index + 1] == b"(":
            index = _string_end(data, index)
            continue
        index += 1
    raise NotAPdf("unterminated dictionary")


def _string_end(data: bytes, start: int) -> int:
    """The index just after the literal string opened at ``start`` (balanced parentheses, escapes)."""
    depth, index, length = 0, start, min(len(data), start + MAX_DICTIONARY_BYTES)
    while index < length:
        char = data[index : index + 1]
        if char == b"\\":
            index += 2
            continue
        if char == b"(":
            depth += 1
        elif char == b")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    raise NotAPdf("unterminated string")


@dataclass(frozen=True, slots=True)
class _Object:
    dictionary: bytes
    stream: bytes | None


def _objects(data: bytes) -> dict[int, _Object]:
    objects: dict[int, _Object] = {}
    for match in _OBJECT.finditer(data):
        start = match.end()
        while start < len(data) and data[start : start + 1] in b" \t\r\n":
            start += 1
        if data[start : start + 2] != b"<<":
            continue
        try:
            end = _dictionary_end(data, start)
        except NotAPdf:
            continue
        dictionary = data[start:end]
        stream = None
        after = data[end : end + 20].lstrip(b" \t\r\n")
        if after.startswith(b"stream"):
            body = data.index(b"stream", end) + len(b"stream")
            body += 2 if data[body : body + 2] == b"\r\n" else 1
            length = re.search(rb"/Length\s+(\d+)(\s+\d+\s+R)?", dictionary)
            if length is not None and length.group(2) is None:
                stream = data[body : body + int(length.group(1))]
            else:
                closing = data.find(b"endstream", body)
                stream = data[body:closing].rstrip(b"\r\n") if closing >= 0 else None
        objects[int(match.group(1))] = _Object(dictionary=dictionary, stream=stream)
    return objects


def _decode(item: _Object, limit: int = MAX_ATTACHMENT_BYTES) -> bytes | None:
    if item.stream is None:
        return None
    filters = re.search(rb"/Filter\s*(\[[^\]]*\]|/\w+)", item.dictionary)
    names = re.findall(rb"/(\w+)", filters.group(1)) if filters else []
    if not names:
        return item.stream[:limit]
    if names != [b"FlateDecode"]:
        return None
    inflater = zlib.decompressobj()
    try:
        content = inflater.decompress(item.stream, limit)
    except zlib.error:
        return None
    return None if inflater.unconsumed_tail else content


def _pdf_string(raw: bytes) -> str:
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", errors="replace")
    return raw.decode("latin-1")


def _compressed_dictionaries(objects: dict[int, _Object]) -> list[bytes]:
    """The objects kept inside object streams (``/Type /ObjStm``), as raw text each."""
    found: list[bytes] = []
    for item in objects.values():
        if re.search(rb"/Type\s*/ObjStm\b", item.dictionary) is None:
            continue
        first = re.search(rb"/First\s+(\d+)", item.dictionary)
        content = _decode(item, limit=MAX_OBJECT_STREAM_BYTES)
        if first is None or content is None:
            continue
        offset = int(first.group(1))
        try:
            numbers = [int(value) for value in content[:offset].split()]
        except ValueError:
            continue
        starts = sorted(numbers[1::2])
        bounds = zip(starts, [*starts[1:], len(content) - offset], strict=True)
        found.extend(content[offset + start : offset + end] for start, end in bounds)
    return found


def _names(objects: dict[int, _Object]) -> dict[int, str]:
    """Embedded-file object number → the name its file specification gives it."""
    names: dict[int, str] = {}
    dictionaries = [item.dictionary for item in objects.values()] + _compressed_dictionaries(objects)
    for dictionary in dictionaries:
        reference = re.search(rb"/EF\s*<<\s*/(?:F|UF)\s+" + _REFERENCE, dictionary)
        name = re.search(rb"/(?:UF|F)\s*\(((?:\\.|[^\\)])*)\)", dictionary)
        if reference is not None and name is not None:
            unescaped = re.sub(rb"\\(.)", rb"\1", name.group(1))
            names[int(reference.group(1))] = _pdf_string(unescaped)
    return names


def embedded_files(pdf: bytes) -> list[EmbeddedFile]:
    """Every embedded file of ``pdf`` that could be read, in object order."""
    if len(pdf) > MAX_PDF_BYTES:
        raise NotAPdf(f"the PDF is larger than {MAX_PDF_BYTES // (1024 * 1024)} MB")
    if not pdf.lstrip()[:5] == b"%PDF-":
        raise NotAPdf("the file does not start with %PDF-")
    objects = _objects(pdf)
    names = _names(objects)
    files: list[EmbeddedFile] = []
    for number, item in sorted(objects.items()):
        if re.search(rb"/Type\s*/EmbeddedFile\b", item.dictionary) is None:
            continue
        content = _decode(item)
        if content is not None:
            files.append(EmbeddedFile(name=names.get(number), content=content))
    return files


def extract_attestation(pdf: bytes) -> str | None:
    """The compact JWS embedded in a verklaring PDF (named ``verklaring.jwt`` by preference)."""
    candidates: list[tuple[bool, str]] = []
    for item in embedded_files(pdf):
        try:
            text = item.content.decode("ascii").strip()
        except UnicodeDecodeError:
            continue
        if _COMPACT_JWS.fullmatch(text):
            candidates.append((item.name != ATTESTATION_NAME, text))
    return min(candidates)[1] if candidates else None
