"""verklaring schorsingen

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 06:00:00

Every period in which a verklaring was geschorst, so that the register can tell whether a
verklaring held at any moment, not only now: ``verklaring_schorsing`` (``van`` the moment it was
geschorst, ``tot`` the moment it was hersteld or empty while it lasts, and both reasons).

The table is filled from what the register already knows:

- the audit trail: each ``verklaring.geschorst`` event of a verklaring opens a period at the
  moment of that write with its reason, the next ``verklaring.hersteld`` event closes it, so the
  suspensions of the past are reconstructed exactly as they were recorded;
- the verklaring itself: a verklaring that is geschorst now (``geschorst_op``) has an open period
  from that moment, also when the trail does not name it; an open period in the trail of a
  verklaring that is not geschorst now is left out (the verklaring's row is what the status list
  says).

The previous release's code does not write the table; a verklaring it geschorst or hersteld meanwhile
is still told right, because the current suspension is read from ``geschorst_op`` and herstellen
closes the period it finds or records it from ``geschorst_op``.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import advanced_alchemy.types
import sqlalchemy as sa
from advanced_alchemy.types import JsonB
from advanced_alchemy.types.datetime import DateTimeUTC
from advanced_alchemy.types.guid import GUID
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GESCHORST = 'verklaring.geschorst'
HERSTELD = 'verklaring.hersteld'

_audit = sa.table(
    'audit_event',
    sa.column('seq', sa.BigInteger()),
    sa.column('occurred_at', DateTimeUTC(timezone=True)),
    sa.column('action', sa.String()),
    sa.column('entity_type', sa.String()),
    sa.column('entity_id', sa.String()),
    sa.column('changes', JsonB),
)
_verklaring = sa.table(
    'verklaring',
    sa.column('id', GUID(length=16)),
    sa.column('nummer', sa.String()),
    sa.column('geschorst_op', DateTimeUTC(timezone=True)),
    sa.column('schorsing_reden', sa.Text()),
)


def upgrade() -> None:
    schorsing = op.create_table('verklaring_schorsing',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('verklaring_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('van', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('tot', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('reden', sa.Text(), nullable=False),
    sa.Column('herstel_reden', sa.Text(), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('tot IS NULL OR tot >= van', name=op.f('ck_verklaring_schorsing_periode')),
    sa.ForeignKeyConstraint(['verklaring_id'], ['verklaring.id'], name=op.f('fk_verklaring_schorsing_verklaring_id_verklaring')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verklaring_schorsing'))
    )
    with op.batch_alter_table('verklaring_schorsing', schema=None) as batch_op:
        batch_op.create_index('ix_verklaring_schorsing_verklaring_van', ['verklaring_id', 'van'], unique=False)
        batch_op.create_index('uq_verklaring_schorsing_open', ['verklaring_id'], unique=True, sqlite_where=sa.text('tot IS NULL'), postgresql_where=sa.text('tot IS NULL'))

    rows = _periods(op.get_bind())
    if rows:
        op.bulk_insert(schorsing, rows)


def _reden(changes: Any) -> str | None:
    """The reason recorded with a schorsen or herstellen event (``changes.reden.after``)."""
    if not isinstance(changes, dict):
        return None
    reden = changes.get('reden')
    after = reden.get('after') if isinstance(reden, dict) else None
    return after if isinstance(after, str) and after else None


def _periods(bind: sa.Connection) -> list[dict[str, Any]]:
    """The suspension periods of every verklaring, from the audit trail and the current flags."""
    verklaringen = {
        row.nummer: row
        for row in bind.execute(
            sa.select(_verklaring.c.id, _verklaring.c.nummer, _verklaring.c.geschorst_op, _verklaring.c.schorsing_reden)
        )
    }
    events = bind.execute(
        sa.select(_audit.c.occurred_at, _audit.c.action, _audit.c.entity_id, _audit.c.changes)
        .where(_audit.c.entity_type == 'verklaring', _audit.c.action.in_([GESCHORST, HERSTELD]))
        .order_by(_audit.c.seq)
    )
    periods: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        if event.entity_id not in verklaringen:
            continue
        own = periods.setdefault(event.entity_id, [])
        open_period = own[-1] if own and own[-1]['tot'] is None else None
        if event.action == GESCHORST and open_period is None:
            own.append({'van': event.occurred_at, 'tot': None, 'reden': _reden(event.changes), 'herstel_reden': None})
        elif event.action == HERSTELD and open_period is not None:
            open_period['tot'] = event.occurred_at
            open_period['herstel_reden'] = _reden(event.changes)
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for nummer, verklaring in verklaringen.items():
        own = [p for p in periods.get(nummer, []) if p['tot'] is not None]
        if verklaring.geschorst_op is not None:
            own.append({'van': verklaring.geschorst_op, 'tot': None, 'reden': None, 'herstel_reden': None})
            trail = periods.get(nummer, [])
            if trail and trail[-1]['tot'] is None and trail[-1]['van'] == verklaring.geschorst_op:
                own[-1]['reden'] = trail[-1]['reden']
            own[-1]['reden'] = own[-1]['reden'] or verklaring.schorsing_reden
        for period in own:
            rows.append({
                'id': uuid.uuid4(),
                'verklaring_id': verklaring.id,
                'van': period['van'],
                'tot': period['tot'],
                'reden': period['reden'] or 'Reden niet vastgelegd.',
                'herstel_reden': period['herstel_reden'],
                'created_at': now,
                'updated_at': now,
            })
    return rows


def downgrade() -> None:
    with op.batch_alter_table('verklaring_schorsing', schema=None) as batch_op:
        batch_op.drop_index('uq_verklaring_schorsing_open', sqlite_where=sa.text('tot IS NULL'), postgresql_where=sa.text('tot IS NULL'))
        batch_op.drop_index('ix_verklaring_schorsing_verklaring_van')

    op.drop_table('verklaring_schorsing')
