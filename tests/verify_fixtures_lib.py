"""Helpers shared by verify_fixtures.py and orm_crosscheck.py."""

import re

def up_part(text):
    if "-- migrate:up" in text:
        text = text.split("-- migrate:up", 1)[1]
        return text.split("-- migrate:down", 1)[0]
    if "-- +goose Up" in text:
        text = text.split("-- +goose Up", 1)[1]
        return text.split("-- +goose Down", 1)[0]
    return text


def version_key(rel):
    parts = rel.split("/")
    name = parts[-2] if parts[-1] in ("up.sql", "migration.sql") else parts[-1]
    m = re.match(r"V?([0-9-]+)", name)
    digits = m.group(1).replace("-", "") if m else ""
    return (int(digits) if digits else -1, rel)


def pg_migrations(fixture, expect):
    if "postgres_migrations" in expect:
        return expect["postgres_migrations"]
    files = []
    for p in fixture.rglob("*.sql"):
        rel = p.relative_to(fixture).as_posix()
        if rel.endswith(".down.sql") or rel.endswith("/down.sql"):
            continue
        files.append(rel)
    return sorted(files, key=version_key)
