"""The differences page of the catalogue's only release: a readable page, not an error."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import LoginAs
from tests.roles.html import text_of

pytestmark = pytest.mark.usefixtures("catalogus_1_2_0")


async def test_the_only_release_says_there_is_nothing_to_compare_yet(
    client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    await login_as("stelselbeheerder")

    response = await client.get("/beheer/catalogus/1.2.0/verschillen")

    assert response.status_code == 200
    text = text_of(response.text)
    assert "Er is nog niets om mee te vergelijken" in text
    assert "release 1.2.0 is de enige release" in text
