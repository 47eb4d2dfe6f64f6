"""hand-written: data migration, raw SQL, helpers, batch mode

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

visibility = postgresql.ENUM("public", "private", name="visibility", create_type=False)
AUDITED = ("posts", "tags")


def _add_audit_columns(table, nullable=True):
    op.add_column(
        table,
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=nullable),
    )


def upgrade():
    visibility.create(op.get_bind(), checkfirst=True)
    op.add_column("posts", sa.Column("visibility", visibility, server_default="public", nullable=False))
    for table in AUDITED:
        _add_audit_columns(table)
    _add_audit_columns("users", nullable=False)

    # data: backfill, then tighten
    conn = op.get_bind()
    posts = sa.table("posts", sa.column("id", sa.Integer), sa.column("slug", sa.String))
    for row in conn.execute(sa.select(posts.c.id)).fetchall():
        conn.execute(posts.update().where(posts.c.id == row.id).values(slug=sa.func.lower(posts.c.slug)))
    op.execute("UPDATE users SET name = email WHERE name = ''")

    op.execute(
        """
        ALTER TABLE users
            ADD COLUMN last_login timestamptz;
        CREATE INDEX ix_users_last_login ON users (last_login);
        """
    )
    op.execute(sa.text("ALTER TYPE post_status ADD VALUE IF NOT EXISTS 'archived'"))

    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.alter_column("label", new_column_name="name", existing_type=sa.String(30))
        batch_op.add_column(sa.Column("color", sa.String(7), nullable=True))

    op.drop_constraint("users_email_key", "users", type_="unique")
    op.create_index("ix_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
    op.create_index(op.f("ix_users_email"), "users", ["email"], unique=True)

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def downgrade():
    pass
