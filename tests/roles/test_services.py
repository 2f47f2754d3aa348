"""The catalogue services as a stelselbeheerder and other registers use them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.models import AuditEvent
from registry.audit.services import Actor, verify_chain
from registry.clock import Clock
from registry.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from roles import catalogue_file as cf
from roles import editing, models, services
from roles.schemas import DutyInvoer, GrondslagInvoer, RelatieInvoer, RolInvoer, SamenwerkfunctieInvoer
from tests.roles.conftest import CATALOGUE_FILE


async def _events(db: AsyncSession, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if action:
        query = query.where(AuditEvent.action == action)
    return list((await db.scalars(query)).all())


async def _count(db: AsyncSession, model: type[models.Rol] | type[models.Duty]) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


# --- loading and exporting ------------------------------------------------------------------------


async def test_loading_the_catalogue_file_makes_release_1_2_0_definitief(
    db: AsyncSession, catalogus_1_2_0: services.Laadresultaat
) -> None:
    assert catalogus_1_2_0.uitkomst == services.Laaduitkomst.INGELEZEN
    current = await services.current_release(db)
    assert current is not None
    assert (current.versie, current.status) == ("1.2.0", "definitief")
    assert current.titel == "Catalogus afsprakenstelsel Jeugd, Zorg en Veiligheid"
    [event] = await _events(db, "release.ingelezen")
    assert event.changes["versie"] == {"before": None, "after": "1.2.0"}
    assert event.changes["inhoud"]["after"]["samenwerkfuncties"] == 15


async def test_loading_the_same_file_twice_changes_nothing(
    db: AsyncSession, clock: Clock, catalogus_1_2_0: services.Laadresultaat
) -> None:
    seq_before = len(await _events(db))
    rollen_before = await _count(db, models.Rol)
    again = await services.load_catalogue_file(db, CATALOGUE_FILE, actor=Actor.cli("test"), clock=clock)
    assert again.uitkomst == services.Laaduitkomst.ONGEWIJZIGD
    assert len(await _events(db)) == seq_before
    assert await _count(db, models.Rol) == rollen_before


async def test_export_gives_back_the_file_exactly(
    db: AsyncSession, catalogus_1_2_0: services.Laadresultaat
) -> None:
    assert await services.export_catalogue(db) == CATALOGUE_FILE.read_text(encoding="utf-8")
    assert await services.export_catalogue(db, "1.2.0") == CATALOGUE_FILE.read_text(encoding="utf-8")


async def test_a_definitief_release_with_other_content_is_not_overwritten(
    db: AsyncSession, clock: Clock, catalogus_1_2_0: services.Laadresultaat
) -> None:
    original = cf.read_catalogue(CATALOGUE_FILE)
    changed = cf.CatalogueFile(
        release=original.release,
        samenwerkingsproces=original.samenwerkingsproces,
        samenwerkfuncties=original.samenwerkfuncties,
        samenwerkpatronen=original.samenwerkpatronen,
        grondslagen=original.grondslagen[:-1],
        rollen=original.rollen,
    )
    with pytest.raises(Conflict, match=r"1\.2\.0 is definitief"):
        await services.load_catalogue(db, changed, actor=Actor.cli("test"), clock=clock)
    assert await services.export_catalogue(db) == CATALOGUE_FILE.read_text(encoding="utf-8")


async def test_a_bad_file_is_refused_naming_the_problem(
    db: AsyncSession, clock: Clock, tmp_path: Path
) -> None:
    bad = tmp_path / "1.2.0.toml"
    bad.write_text(
        CATALOGUE_FILE.read_text(encoding="utf-8").replace(
            'roltype = "technisch"', 'roltype = "technish"', 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as refused:
        await services.load_catalogue_file(db, bad, actor=Actor.cli("test"), clock=clock)
    assert "roltype" in refused.value.detail
    assert "technish" in refused.value.detail
    assert await services.current_release(db) is None


# --- what other registers read --------------------------------------------------------------------


async def test_other_domains_read_a_role_with_its_duties(
    db: AsyncSession, catalogus_1_2_0: services.Laadresultaat
) -> None:
    dienstverlener = await services.get_rol(db, "dienstverlener")
    assert dienstverlener.release.versie == "1.2.0"
    assert dienstverlener.naam == "Dienstverlener"
    assert dienstverlener.verklaring_vereist
    assert dienstverlener.duties_afgeleid
    assert dienstverlener.verplichte_duties
    assert [d.positie for d in dienstverlener.duties] == list(range(1, len(dienstverlener.duties) + 1))
    assert await services.rol_exists(db, "gtk-beheerder")
    assert not await services.rol_exists(db, "bestaat-niet")
    assert not await services.rol_exists(db, "gtk-beheerder", "9.9.9")
    with pytest.raises(NotFound, match="bestaat-niet"):
        await services.get_rol(db, "bestaat-niet")


async def test_roles_are_listed_per_roltype_and_an_unknown_roltype_is_refused(
    db: AsyncSession, catalogus_1_2_0: services.Laadresultaat
) -> None:
    release, besturing = await services.list_rollen(db, roltype="besturing")
    assert release.versie == "1.2.0"
    assert [rol.naam for rol in besturing][:3] == ["Stelselhouder", "Stelselfinancier", "Stelselautorisator"]
    assert {rol.roltype for rol in besturing} == {"besturing"}
    with pytest.raises(ValidationFailed) as refused:
        await services.list_rollen(db, roltype="bestuurlijk")
    assert refused.value.invalid_params[0].name == "roltype"


# --- a new release --------------------------------------------------------------------------------


async def test_a_new_release_is_a_concept_copy_of_the_definitive_one(
    db: AsyncSession, clock: Clock, beheerder: Actor, catalogus_1_2_0: services.Laadresultaat
) -> None:
    created = await services.create_release(db, "1.3.0", actor=beheerder, clock=clock)
    assert (created.versie, created.status, created.gebaseerd_op) == ("1.3.0", "concept", "1.2.0")
    verschil = await services.compare_releases(db, "1.3.0", "1.2.0", include_concept=True)
    assert [(v.veld, v.oud, v.nieuw) for v in verschil.release] == [("ingangsdatum", "2026-01-01", None)]
    assert verschil.rollen.leeg
    assert verschil.samenwerkfuncties.leeg
    assert verschil.grondslagen.leeg
    # the concept is invisible to the public
    with pytest.raises(NotFound):
        await services.get_rol(db, "dienstverlener", "1.3.0")
    assert (
        await services.get_rol(db, "dienstverlener", "1.3.0", include_concept=True)
    ).release.status == "concept"
    [event] = await _events(db, "release.aangemaakt")
    assert event.actor_name == "Beheerder Catalogus"
    assert event.changes["gebaseerd_op"]["after"] == "1.2.0"


@pytest.mark.parametrize(
    ("versie", "reason"), [("1.2.0", "bestaat al"), ("1.1.9", "hoger"), ("1.3", "geen geldige")]
)
async def test_a_new_release_needs_a_higher_valid_versie(
    db: AsyncSession,
    clock: Clock,
    beheerder: Actor,
    catalogus_1_2_0: services.Laadresultaat,
    versie: str,
    reason: str,
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await services.create_release(db, versie, actor=beheerder, clock=clock)
    assert refused.value.invalid_params[0].name == "versie"
    assert reason in refused.value.invalid_params[0].reason
    assert [r.versie for r in await services.list_releases(db, include_concept=True)] == ["1.2.0"]


# --- editing a concept ----------------------------------------------------------------------------


@pytest.fixture
async def concept_1_3_0(
    db: AsyncSession, clock: Clock, beheerder: Actor, catalogus_1_2_0: services.Laadresultaat
) -> str:
    await services.create_release(db, "1.3.0", actor=beheerder, clock=clock)
    return "1.3.0"


async def test_a_beheerder_edits_a_duty_and_the_diff_shows_it(
    db: AsyncSession, clock: Clock, beheerder: Actor, concept_1_3_0: str
) -> None:
    rol = await services.get_rol(db, "dienstverlener", concept_1_3_0, include_concept=True)
    first = rol.duties[0]
    await editing.update_duty(
        db,
        concept_1_3_0,
        first.code,
        DutyInvoer(soort=first.soort, tekst=first.tekst + " Dit wordt jaarlijks herzien.", verplicht=True),
        actor=beheerder,
        clock=clock,
    )
    verschil = await services.compare_releases(db, concept_1_3_0, "1.2.0", include_concept=True)
    [gewijzigd] = verschil.rollen.gewijzigd
    assert gewijzigd.code == "dienstverlener"
    [duty] = gewijzigd.duties.gewijzigd
    assert duty.code == first.code
    assert [v.veld for v in duty.velden] == ["tekst"]
    assert duty.velden[0].oud == first.tekst
    assert str(duty.velden[0].nieuw).endswith("Dit wordt jaarlijks herzien.")
    [event] = await _events(db, "duty.gewijzigd")
    assert set(event.changes) == {"tekst"}
    # 1.2.0 is untouched
    assert (await services.get_rol(db, "dienstverlener", "1.2.0")).duties[0].tekst == first.tekst


async def test_duties_are_added_reordered_and_removed(
    db: AsyncSession, clock: Clock, beheerder: Actor, concept_1_3_0: str
) -> None:
    rol = await editing.add_duty(
        db,
        concept_1_3_0,
        DutyInvoer(
            rol="melder", soort="taak", tekst="Meldt zorgen via het meldpunt van de regio.", verplicht=True
        ),
        actor=beheerder,
        clock=clock,
    )
    assert [d.code for d in rol.duties] == ["melder-t01"]
    rol = await editing.add_duty(
        db,
        concept_1_3_0,
        DutyInvoer(
            rol="melder", soort="bevoegdheid", tekst="Mag de uitkomst van de melding inzien.", verplicht=False
        ),
        actor=beheerder,
        clock=clock,
    )
    assert [d.code for d in rol.duties] == ["melder-t01", "melder-b01"]
    rol = await editing.move_duty(db, concept_1_3_0, "melder-b01", "omhoog", actor=beheerder, clock=clock)
    assert [d.code for d in rol.duties] == ["melder-b01", "melder-t01"]
    rol = await editing.move_duty(db, concept_1_3_0, "melder-b01", "omhoog", actor=beheerder, clock=clock)
    assert [d.code for d in rol.duties] == ["melder-b01", "melder-t01"]  # already first
    rol = await editing.remove_duty(db, concept_1_3_0, "melder-b01", actor=beheerder, clock=clock)
    assert [d.code for d in rol.duties] == ["melder-t01"]
    actions = [e.action for e in await _events(db) if e.action.startswith("duty.")]
    assert actions == ["duty.toegevoegd", "duty.toegevoegd", "duty.verplaatst", "duty.verwijderd"]


async def test_every_invalid_field_of_a_role_is_listed_and_nothing_is_saved(
    db: AsyncSession, clock: Clock, beheerder: Actor, concept_1_3_0: str
) -> None:
    rollen_before = await _count(db, models.Rol)
    with pytest.raises(ValidationFailed) as refused:
        await editing.add_rol(
            db,
            concept_1_3_0,
            RolInvoer(code="melder", naam="  ", roltype="bestuurlijk", toelichting="", bron="test"),
            actor=beheerder,
            clock=clock,
        )
    problems = {p.name: p.reason for p in refused.value.invalid_params}
    assert set(problems) == {"code", "naam", "roltype", "toelichting"}
    assert "al in gebruik" in problems["code"]
    assert "bestuurlijk" in problems["roltype"]
    assert await _count(db, models.Rol) == rollen_before


async def test_a_duty_can_only_go_on_a_role_of_its_own_release(
    db: AsyncSession, clock: Clock, beheerder: Actor, concept_1_3_0: str
) -> None:
    await editing.add_rol(
        db,
        concept_1_3_0,
        RolInvoer(
            code="wijkcoach",
            naam="Wijkcoach",
            roltype="organisatorisch",
            toelichting="Medewerker van het wijkteam die de regie voert dicht bij het gezin.",
            bron="Uitwerking release 1.3.0",
        ),
        actor=beheerder,
        clock=clock,
    )
    await services.start_consultatie(db, concept_1_3_0, actor=beheerder, clock=clock)
    await services.create_release(db, "1.4.0", actor=beheerder, clock=clock)  # copies 1.2.0: no wijkcoach
    with pytest.raises(ValidationFailed) as refused:
        await editing.add_duty(
            db,
            "1.4.0",
            DutyInvoer(rol="wijkcoach", soort="soort-x", tekst="", verplicht=True),
            actor=beheerder,
            clock=clock,
        )
    problems = {p.name: p.reason for p in refused.value.invalid_params}
    assert set(problems) == {"rol", "soort", "tekst"}
    assert "hoort niet bij release 1.4.0" in problems["rol"]


async def test_the_database_refuses_a_duty_on_a_role_of_another_release(
    db: AsyncSession, concept_1_3_0: str
) -> None:
    release_1_3 = await db.scalar(select(models.Release).where(models.Release.versie == "1.3.0"))
    release_1_2 = await db.scalar(select(models.Release).where(models.Release.versie == "1.2.0"))
    assert release_1_3 is not None
    assert release_1_2 is not None
    rol_1_2 = await db.scalar(
        select(models.Rol).where(models.Rol.release_id == release_1_2.id, models.Rol.code == "melder")
    )
    assert rol_1_2 is not None
    db.add(
        models.Duty(
            release_id=release_1_3.id,
            rol_id=rol_1_2.id,
            positie=1,
            code="x-t01",
            soort="taak",
            tekst="x",
            verplicht=True,
        )
    )
    with pytest.raises(IntegrityError):
        await db.flush()
    await db.rollback()


async def test_relations_functions_and_grondslagen_are_edited_in_a_concept(
    db: AsyncSession, clock: Clock, beheerder: Actor, concept_1_3_0: str
) -> None:
    rol = await editing.add_relatie(
        db,
        concept_1_3_0,
        "melder",
        RelatieInvoer(soort="handelt-namens", rol="deelnemende-organisatie"),
        actor=beheerder,
        clock=clock,
    )
    assert [(r.soort, r.rol) for r in rol.relaties] == [("handelt-namens", "deelnemende-organisatie")]
    with pytest.raises(ValidationFailed, match="bestaat al"):
        await editing.add_relatie(
            db,
            concept_1_3_0,
            "melder",
            RelatieInvoer(soort="handelt-namens", rol="deelnemende-organisatie"),
            actor=beheerder,
            clock=clock,
        )
    with pytest.raises(Conflict, match="andere rollen verwijzen ernaar"):
        await editing.remove_rol(db, concept_1_3_0, "deelnemende-organisatie", actor=beheerder, clock=clock)

    functie = await editing.add_samenwerkfunctie(
        db,
        concept_1_3_0,
        SamenwerkfunctieInvoer(
            code="delen-zorgen-met-school",
            naam="Delen zorgen met school",
            omschrijving="Met de functie Delen zorgen met school meldt een school zorgen over een leerling.",
            documentstatus="concept",
        ),
        actor=beheerder,
        clock=clock,
    )
    assert functie.nummer == 16
    await editing.remove_samenwerkfunctie(
        db, concept_1_3_0, "werken-aan-preventie", actor=beheerder, clock=clock
    )
    _, functies = await services.list_samenwerkfuncties(db, concept_1_3_0, include_concept=True)
    assert [f.nummer for f in functies] == list(range(1, 16))
    assert functies[-1].code == "delen-zorgen-met-school"

    with pytest.raises(ValidationFailed) as refused:
        await editing.add_grondslag(
            db,
            concept_1_3_0,
            GrondslagInvoer(code="evrm", wet="", toelichting="x", documentstatus="definitief"),
            actor=beheerder,
            clock=clock,
        )
    assert {p.name for p in refused.value.invalid_params} == {"code", "wet"}
    await editing.update_grondslag(
        db,
        concept_1_3_0,
        "wdo",
        GrondslagInvoer(
            wet="Wet digitale overheid (WDO)",
            toelichting="Kaderwet voor de digitale overheid.",
            documentstatus="definitief",
        ),
        actor=beheerder,
        clock=clock,
    )

    verschil = await services.compare_releases(db, concept_1_3_0, "1.2.0", include_concept=True)
    assert [f.code for f in verschil.samenwerkfuncties.toegevoegd] == ["delen-zorgen-met-school"]
    assert [f.code for f in verschil.samenwerkfuncties.verwijderd] == ["werken-aan-preventie"]
    assert [g.code for g in verschil.grondslagen.gewijzigd] == ["wdo"]
    assert [r.code for r in verschil.rollen.gewijzigd] == ["melder"]
    assert (await verify_chain(db)).ok


async def test_a_role_that_needs_a_verklaring_keeps_a_mandatory_duty(
    db: AsyncSession, clock: Clock, beheerder: Actor, concept_1_3_0: str
) -> None:
    rol = await services.get_rol(db, "gtk-beheerder", concept_1_3_0, include_concept=True)
    verplicht = rol.verplichte_duties
    for duty in verplicht[:-1]:
        await editing.remove_duty(db, concept_1_3_0, duty.code, actor=beheerder, clock=clock)
    last = verplicht[-1]
    with pytest.raises(ValidationFailed) as refused:
        await editing.update_duty(
            db,
            concept_1_3_0,
            last.code,
            DutyInvoer(soort=last.soort, tekst=last.tekst, verplicht=False),
            actor=beheerder,
            clock=clock,
        )
    assert refused.value.invalid_params[0].name == "verplicht"
    assert "verklaring" in refused.value.invalid_params[0].reason


# --- life cycle -----------------------------------------------------------------------------------


async def test_publishing_makes_the_new_release_definitive_and_the_old_one_expires(
    db: AsyncSession, clock: Clock, beheerder: Actor, concept_1_3_0: str
) -> None:
    with pytest.raises(InvalidTransition, match="eerst in consultatie"):
        await services.publish_release(db, concept_1_3_0, actor=beheerder, clock=clock)
    await services.start_consultatie(db, concept_1_3_0, actor=beheerder, clock=clock)
    with pytest.raises(InvalidTransition, match="niet meer worden gewijzigd"):
        await editing.remove_duty(db, concept_1_3_0, "gtk-beheerder-t01", actor=beheerder, clock=clock)
    published = await services.publish_release(db, concept_1_3_0, actor=beheerder, clock=clock)
    assert published.status == "definitief"
    assert published.gepubliceerd_op == clock.now()
    current = await services.current_release(db)
    assert current is not None
    assert current.versie == "1.3.0"
    old = {r.versie: r for r in await services.list_releases(db)}["1.2.0"]
    assert old.status == "vervallen"
    assert old.vervallen_op == clock.now()
    # 1.2.0 stays retrievable, and reloading its file changes nothing
    assert (await services.get_rol(db, "dienstverlener", "1.2.0")).release.status == "vervallen"
    again = await services.load_catalogue_file(db, CATALOGUE_FILE, actor=Actor.cli("test"), clock=clock)
    assert again.uitkomst == services.Laaduitkomst.ONGEWIJZIGD
    actions = [e.action for e in await _events(db) if e.action.startswith("release.")]
    assert actions[-3:] == ["release.in-consultatie", "release.vervallen", "release.gepubliceerd"]


async def test_a_lower_version_than_the_definitive_one_is_not_published(
    db: AsyncSession, clock: Clock, beheerder: Actor, concept_1_3_0: str
) -> None:
    await services.create_release(db, "1.4.0", actor=beheerder, clock=clock)
    for versie in ("1.3.0", "1.4.0"):
        await services.start_consultatie(db, versie, actor=beheerder, clock=clock)
    await services.publish_release(db, "1.4.0", actor=beheerder, clock=clock)
    with pytest.raises(InvalidTransition, match="lagere of gelijke versie"):
        await services.publish_release(db, "1.3.0", actor=beheerder, clock=clock)
    current = await services.current_release(db)
    assert current is not None
    assert current.versie == "1.4.0"
    statuses = {r.versie: r.status for r in await services.list_releases(db)}
    assert statuses == {"1.4.0": "definitief", "1.3.0": "consultatie", "1.2.0": "vervallen"}
