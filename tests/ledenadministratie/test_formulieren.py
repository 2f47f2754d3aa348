"""The deelnemer form as a beheerder sees it again after a mistake: the contactpersonen typed, one empty
block for one more, the same blocks however often it comes back, and the required fields marked."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.ledenadministratie.views.formulieren import DeelnemerForm
from tests.accounts.factories import post_form
from tests.conftest import LoginAs
from tests.ledenadministratie.test_views import VALID_FORM

pytestmark = pytest.mark.usefixtures("catalogus")


def _blocks(html: str) -> int:
    return len(re.findall(r'id="contactNaam-\d+"', html))


def _required(html: str, field_id: str) -> bool:
    label = re.search(rf'<label[^>]*for="{field_id}"[^>]*>(.*?)</label>', html, re.S)
    control = re.search(rf'<[^>]*id="{field_id}"[^>]*>', html)
    assert label is not None
    assert control is not None
    marked = "(verplicht)" in label.group(1)
    assert marked == (" required" in control.group(0))
    return marked


@pytest.mark.parametrize(
    ("naam", "rows"),
    [
        ([], 1),
        (["Anna"], 2),
        (["Anna", "", ""], 2),
        (["Anna", "", "Bert", ""], 4),
    ],
)
def test_the_form_shows_the_filled_contacts_and_one_empty_block(naam: list[str], rows: int) -> None:
    form = DeelnemerForm(contact_naam=naam)

    shown = form.contact_rows()

    assert len(shown) == rows
    assert not any(shown[-1].values())
    # Shown again, as posted back from those blocks, it shows the same blocks.
    again = DeelnemerForm(contact_naam=[row["naam"] for row in shown]).contact_rows()
    assert again == shown


async def test_the_contact_blocks_stay_the_same_on_every_re_render(
    client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    await login_as("stelselbeheerder")
    new = await client.get("/beheer/deelnemers/nieuw")
    data = VALID_FORM | {"naam": ""}

    counts = []
    for _ in range(3):
        response = await post_form(client, "/beheer/deelnemers", data)
        assert response.status_code == 400
        counts.append(_blocks(response.text))
        # The browser posts every block shown, the empty one included.
        data = data | {
            field: [data[field] if isinstance(data[field], str) else data[field][0]] + [""] * (counts[-1] - 1)
            for field in ("contactNaam", "contactFunctie", "contactEmail", "contactTelefoon")
        }

    assert _blocks(new.text) == 1
    assert counts == [2, 2, 2]
    for field_id in ("naam", "contactNaam-0", "contactFunctie-0", "contactEmail-0"):
        assert _required(response.text, field_id), field_id
    for field_id in ("contactTelefoon-0", "contactNaam-1", "contactFunctie-1", "contactEmail-1"):
        assert not _required(response.text, field_id), field_id
