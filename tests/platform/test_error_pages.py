"""Every error a browser can meet is a styled Dutch page (text/html) that shows what went wrong,
never a bare line of text; API callers get problem+json for the same errors."""

from __future__ import annotations

import pytest
from litestar import Litestar, get
from litestar.params import FromPath
from litestar.testing import AsyncTestClient

from registry.app import create_app
from registry.clock import Clock
from registry.errors import DomainError
from registry.problems import _TITLES, PROBLEM_MEDIA_TYPE
from registry.settings import Settings
from tests.accounts.factories import text_of


def _detail(status: int) -> str:
    return f"Uitleg bij fout {status} voor de gebruiker."


class _Refusal(DomainError):
    def __init__(self, status: int) -> None:
        super().__init__(_detail(status))
        self.status = status
        self.title = _TITLES[status]


@get("/test-fout/{status:int}", opt={"public": True}, include_in_schema=False)
async def refuse(status: FromPath[int]) -> None:
    raise _Refusal(status)


@get("/api/v1/test-fout/{status:int}", opt={"public": True}, include_in_schema=False)
async def refuse_api(status: FromPath[int]) -> None:
    raise _Refusal(status)


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Litestar:
    return create_app(settings, clock=clock, extra_handlers=[refuse, refuse_api])


async def test_every_error_status_is_a_dutch_page_for_a_browser(
    client: AsyncTestClient[Litestar],
) -> None:
    for status in sorted(_TITLES):
        response = await client.get(f"/test-fout/{status}", headers={"accept": "text/html"})

        assert response.status_code == status
        assert response.headers["content-type"].startswith("text/html"), status
        text = text_of(response.text)
        assert f"Foutcode {status}" in text
        assert "Stelselregister" in text  # the site's own layout, not a bare line
        assert 'class="stelsel-error-page"' in response.text
        assert 'href="/"' in response.text
        if status < 500:
            # the 500 and 503 pages say it in their own words and show nothing of the failure
            assert _detail(status) in text, status


async def test_every_error_status_is_problem_json_for_the_api(client: AsyncTestClient[Litestar]) -> None:
    for status in sorted(_TITLES):
        response = await client.get(f"/api/v1/test-fout/{status}")

        assert response.status_code == status
        assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE), status
        assert response.json()["detail"] == _detail(status)


async def test_a_page_for_a_status_without_its_own_template_shows_title_and_detail(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/test-fout/415", headers={"accept": "text/html"})

    text = text_of(response.text)
    assert _TITLES[415] in text
    assert _detail(415) in text


async def test_a_link_back_never_leads_to_another_site(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get(
        "/test-fout/409", headers={"accept": "text/html", "referer": "https://elders.example/pagina"}
    )

    assert "elders.example" not in response.text
    assert "Terug naar de vorige pagina" not in text_of(response.text)
