"""Helpers shared by verify_fixtures.py and orm_crosscheck.py."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

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


def mysql_client(db, sql):
    """Runs SQL through the mariadb/mysql client on MYSQL_SOCKET (it understands DELIMITER)."""
    exe = shutil.which("mariadb") or shutil.which("mysql") or "mysql"
    args = [exe, "--protocol=socket", "-S", os.environ["MYSQL_SOCKET"], "-u", os.environ.get("MYSQL_USER", "root"), "-N", "-B"]
    if db:
        args.append(db)
    return subprocess.run(args, input=sql, capture_output=True, text=True)


def mysql_columns(db):
    """{table: [(column, not_null), ...]} in column order, from information_schema."""
    res = mysql_client(None, f"""SELECT table_name, column_name, is_nullable = 'NO'
        FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE table_schema = '{db}' AND table_type = 'BASE TABLE' ORDER BY table_name, ordinal_position""")
    out = {}
    for line in res.stdout.splitlines():
        t, c, nn = line.split("\t")
        out.setdefault(t.lower(), []).append((c.lower(), nn == "1"))
    return out


def migraguard_columns(fixture, source="migrations"):
    """The same shape, from `migraguard schema --from <source> --format json`."""
    exe = os.environ.get("MIGRAGUARD") or str(Path(__file__).resolve().parent.parent / "target" / "debug" / "migraguard")
    res = subprocess.run([exe, "schema", str(fixture), "--from", source, "--format", "json"], capture_output=True, text=True)
    tables = json.loads(res.stdout or "{}").get("tables", {})
    out = {}
    for t in tables.values():
        name = (t["schema"] + "." if t.get("schema") else "") + t["name"]
        pk = {k.lower() for k in t.get("primary_key", [])}
        out[name.lower()] = [(c["name"].lower(), not c["nullable"] or c["name"].lower() in pk) for c in t["columns"]]
    return out
