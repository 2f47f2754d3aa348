"""Account factories for tests: users with a known password, sessions, and CSRF-carrying form posts.

Hashing a password with argon2 is deliberately slow; tests that need many users use
:func:`insert_user`, which reuses one cheaply made argon2id hash of :data:`PASSWORD`.
"""

from __future__ import annotations

import functools
import re
import uuid
from html.parser import HTMLParser
from typing import Any

from argon2 import PasswordHasher
from httpx import Response
from litestar import Litestar
from litestar.middleware.csrf import generate_csrf_token
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.models import User
from registry.accounts.secretbox import totp_box
from registry.app import CSRF_COOKIE, CSRF_FIELD
from registry.audit.services import Actor, audited_write, changes_between, snapshot
from registry.clock import Clock
from tests.conftest import DEFAULT_PASSWORD, TEST_SECRET

PASSWORD = DEFAULT_PASSWORD
TOTP_BOX = totp_box(TEST_SECRET)  # the box the test app seals TOTP secrets with
ROLES = ("stelselbeheerder", "casemanager", "auditor", "deelnemer-contact")


@functools.cache
def _password_hash() -> str:
    # Cheap argon2id parameters: verifying reads them from the hash, so tests log in quickly.
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


async def insert_user(
    db: AsyncSession,
    clock: Clock,
    role: str = "stelselbeheerder",
    *,
    email: str | None = None,
    display_name: str | None = None,
    deelnemer_id: uuid.UUID | None = None,
    is_active: bool = True,
) -> User:
    """A user whose password is :data:`PASSWORD`, written as an audited write like the service does."""
    if role == "deelnemer-contact" and deelnemer_id is None:
        deelnemer_id = uuid.uuid4()
    async with audited_write(db, Actor.system("test"), clock) as tx:
        user = User(
            email=email or f"{role}-{uuid.uuid4().hex[:8]}@example.nl",
            display_name=display_name or f"Test {role}",
            role=role,
            password_hash=_password_hash(),
            deelnemer_id=deelnemer_id,
            is_active=is_active,
            failed_logins=0,
            password_changed_at=tx.now,
        )
        db.add(user)
        await db.flush()
        tx.record(
            "gebruiker.aangemaakt", "gebruiker", user.id, changes_between({}, snapshot(user, ("email",)))
        )
    return user


def csrf_token() -> str:
    return generate_csrf_token(TEST_SECRET)


async def post_form(
    client: AsyncTestClient[Litestar], path: str, data: dict[str, Any] | None = None, *, csrf: bool = True
) -> Response:
    """POST a form as a browser would, with the CSRF cookie and field (unless ``csrf=False``)."""
    fields = dict(data or {})
    if csrf:
        existing = [cookie.value for cookie in client.cookies.jar if cookie.name == CSRF_COOKIE]
        token = existing[0] if existing and existing[0] else csrf_token()
        if not existing:
            client.cookies.set(CSRF_COOKIE, token)
        fields[CSRF_FIELD] = token
    return await client.post(path, data=fields, follow_redirects=False)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "method": (values.get("method") or "get").lower(),
                    "action": values.get("action"),
                    "fields": {},
                }
            )
        elif tag in {"input", "textarea", "select", "button"} and self.forms and values.get("name"):
            self.forms[-1]["fields"][values["name"]] = values.get("value")


def forms_in(html: str) -> list[dict[str, Any]]:
    """Every form of a page: method, action and the named fields with their values."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def text_of(html: str) -> str:
    """The page's text without tags and with collapsed whitespace, for "the user reads …" asserts."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
