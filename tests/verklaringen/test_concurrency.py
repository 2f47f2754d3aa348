"""Twenty besluiten and twenty afgiftes at the same moment, each in its own session: unique
numbers and status list indexes, and no half-issued verklaring when one afgifte fails."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.services import verify_chain
from registry.database import create_engine, create_session_factory
from registry.ledenadministratie.models import Rolvervulling
from tests.verklaringen.conftest import Process
from tests.verklaringen.factories import FakePdfRenderer
from verklaringen import schemas
from verklaringen.models import Document, Verklaring
from verklaringen.pdf import Bijlage
from verklaringen.services import afgifte, besluiten
from verklaringen.services.queries import find_verklaring

COUNT = 20


class FailingRenderer(FakePdfRenderer):
    """Fails for one verklaring, as a renderer that runs out of memory would."""

    def __init__(self, failing: str) -> None:
        super().__init__()
        self.failing = failing

    def render(self, html: str, *, bijlagen: Sequence[Bijlage] = ()) -> bytes:
        if self.failing in html:
            raise MemoryError("renderer gave up")
        return super().render(html, bijlagen=bijlagen)


async def test_concurrent_besluiten_and_afgiftes(process: Process, db: AsyncSession) -> None:
    referenties = []
    for index in range(COUNT):
        referentie = await process.intake_afgerond(f"9200{index:04d}")
        await besluiten.stel_voor(
            db,
            referentie,
            schemas.VoorstelInvoer(voorstel="toekennen"),
            principal=process.people.casemanager,
            clock=process.clock,
        )
        referenties.append(referentie)
    engine = create_engine(process.settings)
    sessions = create_session_factory(engine)
    try:

        async def decide(referentie: str) -> str:
            async with sessions() as session:
                besluit = await besluiten.besluit(
                    session,
                    referentie,
                    schemas.BesluitInvoer(uitkomst="toekennen"),
                    principal=process.people.beheerder,
                    clock=process.clock,
                )
            assert besluit.verklaring is not None
            return besluit.verklaring

        nummers = await asyncio.gather(*(decide(r) for r in referenties))
        assert len(set(nummers)) == COUNT
        for nummer in nummers:
            verklaring = await find_verklaring(db, nummer)
            await afgifte.onderteken_als_deelnemer(
                db,
                nummer,
                akkoord=True,
                document_hash=verklaring.inhoud_hash,
                principal=await process.contact_of(nummer),
                clock=process.clock,
            )
        failing = nummers[7]
        renderer = FailingRenderer(failing)

        async def issue(nummer: str) -> str | BaseException:
            async with sessions() as session:
                try:
                    issued = await process.geef_af(nummer, session=session, renderer=renderer)
                except MemoryError as exc:
                    return exc
            return issued.nummer

        outcomes = await asyncio.gather(*(issue(n) for n in nummers))
    finally:
        await engine.dispose()

    assert [type(o) for o in outcomes].count(MemoryError) == 1
    rows = list((await db.scalars(select(Verklaring).execution_options(populate_existing=True))).all())
    issued = [v for v in rows if v.fase == "afgegeven"]
    assert len(issued) == COUNT - 1
    assert len({v.statuslijst_index for v in issued}) == COUNT - 1
    assert all(v.attestatie and v.document_id and v.rolvervulling_id for v in issued)
    half = next(v for v in rows if v.nummer == failing)
    assert (half.fase, half.statuslijst_index, half.attestatie, half.document_id) == (
        "ondertekend_deelnemer",
        None,
        None,
        None,
    )
    assert [o.partij for o in half.ondertekeningen] == ["deelnemer"]
    granted = await db.scalar(
        select(func.count()).select_from(Rolvervulling).where(Rolvervulling.basis_soort == "verklaring")
    )
    documents = await db.scalar(
        select(func.count()).select_from(Document).where(Document.soort == "verklaring")
    )
    assert (granted, documents) == (COUNT - 1, COUNT - 1)
    assert (await verify_chain(db)).ok
