"""A duty supported in part (``deels``) ends up in the verklaring as ``taken_deels``, "with afspraken
recorded in the intake": an intake with a ``deels`` answer is only completed once those afspraken are
recorded, and the problem is shown at that duty's afspraken field."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.errors import ValidationFailed
from tests.accounts.factories import post_form
from tests.conftest import LoginAs
from tests.verklaringen.conftest import Process, all_ja
from verklaringen import schemas
from verklaringen.services import intakes, queries


async def _intake_met_deels(process: Process, afspraken: str) -> tuple[schemas.Intake, str]:
    referentie = await process.toegewezen()
    cm = process.people.casemanager
    intake = await intakes.start_intake(process.db, referentie, principal=cm, clock=process.clock)
    answers = all_ja(intake)
    vrijwillig = next(a.duty_code for a in intake.antwoorden if not a.verplicht)
    deels = next(a for a in answers.antwoorden if a.duty_code == vrijwillig)
    deels.ondersteund = "deels"
    deels.afspraken = afspraken
    await intakes.bewaar_intake(process.db, intake.id, answers, principal=cm, clock=process.clock)
    return intake, deels.duty_code


@pytest.mark.parametrize("afspraken", ["", "   "])
async def test_an_intake_with_a_deels_answer_and_no_afspraken_is_not_completed(
    process: Process, afspraken: str
) -> None:
    intake, code = await _intake_met_deels(process, afspraken)

    with pytest.raises(ValidationFailed) as caught:
        await intakes.rond_intake_af(
            process.db,
            intake.id,
            principal=process.people.casemanager,
            clock=process.clock,
            renderer=process.renderer,
        )

    assert [(p.name, p.reason) for p in caught.value.invalid_params] == [
        (
            f"antwoorden.{code}.afspraken",
            f"Taak {code} wordt deels ondersteund: leg vast welke afspraken daarover zijn gemaakt.",
        )
    ]
    assert (await queries.get_intake(process.db, intake.id)).status == "concept"


async def test_an_intake_with_a_deels_answer_and_its_afspraken_is_completed(process: Process) -> None:
    intake, code = await _intake_met_deels(process, "Alleen voor deelnemers in de eigen regio.")

    afgerond = await intakes.rond_intake_af(
        process.db,
        intake.id,
        principal=process.people.casemanager,
        clock=process.clock,
        renderer=process.renderer,
    )

    assert afgerond.status == "afgerond"
    antwoord = next(a for a in afgerond.antwoorden if a.duty_code == code)
    assert (antwoord.ondersteund, antwoord.afspraken) == (
        "deels",
        "Alleen voor deelnemers in de eigen regio.",
    )


async def test_the_intake_page_shows_the_missing_afspraken_at_that_duty(
    process: Process, client: AsyncTestClient[Litestar], login_as: LoginAs
) -> None:
    referentie = await process.toegewezen()
    intake = await intakes.start_intake(
        process.db, referentie, principal=process.people.casemanager, clock=process.clock
    )
    deels = next(a for a in intake.antwoorden if not a.verplicht)
    await login_as("stelselbeheerder")
    answers = {f"ondersteund-{a.duty_code}": "ja" for a in intake.antwoorden}
    answers[f"ondersteund-{deels.duty_code}"] = "deels"

    refused = await post_form(client, f"/beheer/intakes/{intake.id}", {**answers, "actie": "afronden"})

    assert refused.status_code == 400
    veld = f"afspraken-{deels.duty_code}"
    assert f'href="#{veld}">Taak {deels.duty_code} wordt deels ondersteund' in refused.text
    textarea = re.search(rf'<textarea[^>]*id="{veld}"[^>]*>', refused.text)
    assert textarea is not None
    assert 'aria-invalid="true"' in textarea.group(0)
    assert (await queries.get_intake(process.db, intake.id)).status == "concept"

    completed = await post_form(
        client,
        f"/beheer/intakes/{intake.id}",
        {**answers, veld: "Alleen voor deelnemers in de eigen regio.", "actie": "afronden"},
    )

    assert completed.status_code == 303, completed.text
