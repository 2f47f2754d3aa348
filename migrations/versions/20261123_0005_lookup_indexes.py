"""lookup indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 05:00:00

On PostgreSQL the index on a status period's status and start also carries its end and its
deelnemer (``INCLUDE``), so that the count of the dienstverleners list (every deelnemer actief at a
moment that holds a dienstverlening role) is answered by an index-only scan instead of reading the
whole ``deelnemer_statusperiode`` table. SQLite has no ``INCLUDE`` and keeps the index as it was.
Only an index changes, so the previous release's code runs unchanged against this schema.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = 'ix_deelnemer_statusperiode_status_van'
TABLE = 'deelnemer_statusperiode'


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(
        INDEX, TABLE, ['status', 'geldig_van'], unique=False, postgresql_include=['geldig_tot', 'deelnemer_id']
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, ['status', 'geldig_van'], unique=False)
