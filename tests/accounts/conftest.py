"""Fixtures for the account tests: logged-in clients per account role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.accounts.authentication import SESSION_COOKIE
from registry.accounts.models import User
from registry.accounts.services import start_session
from registry.clock import Clock
from tests.accounts.factories import insert_user

SignIn = Callable[..., Awaitable[User]]


@pytest.fixture
def sign_in(client: AsyncTestClient[Litestar], db: AsyncSession, clock: Clock) -> SignIn:
    """Like ``login_as``, but quick: the user gets the shared test password hash."""

    async def sign_in_as(role: str = "stelselbeheerder", **options: object) -> User:
        user = await insert_user(db, clock, role, **options)  # type: ignore[arg-type]
        token = await start_session(db, user, clock=clock, lifetime=timedelta(hours=1))
        client.cookies.set(SESSION_COOKIE, token)
        return user

    return sign_in_as
