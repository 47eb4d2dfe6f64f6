import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Status(enum.Enum):
    draft = "draft"
    live = "live"
    archived = "archived"


class Visibility(enum.Enum):
    public = "public"
    private = "private"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    __table_args__ = (sa.Index("ix_users_email_lower", sa.text("lower(email)"), unique=True),)

    email: Mapped[str] = mapped_column(sa.String(255), unique=True, index=True)
    name: Mapped[str] = mapped_column(sa.String(120), index=True)
    bio: Mapped[Optional[str]] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    active: Mapped[bool] = mapped_column(server_default=sa.true())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    last_login: Mapped[Optional[datetime]] = mapped_column(sa.DateTime(timezone=True), index=True)


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (sa.UniqueConstraint("author_id", "slug", name="uq_posts_author_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(sa.String(80))
    status: Mapped[Status] = mapped_column(sa.Enum(Status, name="post_status"), server_default="draft")
    score: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    editor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"), index=True)
    visibility: Mapped[Visibility] = mapped_column(
        sa.Enum(Visibility, name="visibility"), server_default="public"
    )
    updated_at: Mapped[Optional[datetime]] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(30), unique=True)
    color: Mapped[Optional[str]] = mapped_column(sa.String(7), unique=True)
    updated_at: Mapped[Optional[datetime]] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
