"""Checks the fixtures themselves, independently of migraguard.

Run: python3 tests/verify_fixtures.py
- every Python file compiles, except in fixtures whose expect.toml lists it in
  `broken_files`;
- for SQLite fixtures, the `sqlite_migrations` run in order on a fresh
  database, and the resulting tables and columns are printed with -v;
- for PostgreSQL fixtures, when a server is reachable (PGHOST/PGPORT/PGUSER,
  e.g. PGHOST=/tmp/mgpg PGPORT=55432 PGUSER=postgres), the up parts of the
  migrations run in version order in a fresh database; files listed in
  `real_run_fails` must fail (the incident they reproduce), the others pass.
- for MySQL fixtures, when a MySQL or MariaDB server is reachable on the unix
  socket MYSQL_SOCKET (user MYSQL_USER, default root), the same, with the
  `mariadb`/`mysql` client; then the tables, columns and nullability the
  server reports in information_schema.columns must equal what
  `migraguard schema --from migrations --format json` computes (the binary
  is target/debug/migraguard, or MIGRAGUARD). Without MYSQL_SOCKET the MySQL
  fixtures are skipped, and the output says so.
"""

import py_compile
import tempfile
import sqlite3
import os
import re
import subprocess
import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
verbose = "-v" in sys.argv
failures = []

for fixture in sorted(p for p in ROOT.iterdir() if p.is_dir()):
    expect_path = fixture / "expect.toml"
    if not expect_path.exists():
        failures.append(f"{fixture.name}: no expect.toml")
        continue
    expect = tomllib.loads(expect_path.read_text())
    broken = set(expect.get("broken_files", []))
    for py in sorted(fixture.rglob("*.py")):
        rel = py.relative_to(fixture).as_posix()
        try:
            py_compile.compile(str(py), doraise=True, cfile=str(Path(tempfile.gettempdir()) / "mg_fixture.pyc"))
            if rel in broken:
                failures.append(f"{fixture.name}: {rel} should not compile")
        except py_compile.PyCompileError as e:
            if rel not in broken:
                failures.append(f"{fixture.name}: {rel}: {e.msg.strip()}")
    if expect.get("dialect") == "sqlite":
        db = sqlite3.connect(":memory:")
        for rel in expect.get("sqlite_migrations", []):
            try:
                db.executescript((fixture / rel).read_text(errors="replace"))
            except Exception as e:  # noqa: BLE001 - report and go on
                failures.append(f"{fixture.name}: {rel}: {e}")
        for rel in expect.get("real_run_fails", []):
            try:
                db.executescript((fixture / rel).read_text(errors="replace"))
                failures.append(f"{fixture.name}: {rel} should fail on SQLite")
            except Exception:  # noqa: BLE001 - failing is the point
                pass
        if verbose:
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"
            ):
                cols = [
                    f"{c[1]} {c[2]}{' NN' if c[3] else ''}{' PK' if c[5] else ''}"
                    + (f" DEFAULT {c[4]}" if c[4] is not None else "")
                    for c in db.execute(f"PRAGMA table_info('{name}')")
                ]
                print(f"{fixture.name}: {name}({', '.join(cols)})")


from verify_fixtures_lib import pg_migrations, up_part  # noqa: E402


def psql(db, *args, stdin=None):
    return subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, *args],
        input=stdin, capture_output=True, text=True,
    )


if os.environ.get("PGHOST"):
    for fixture in sorted(p for p in ROOT.iterdir() if p.is_dir()):
        expect_path = fixture / "expect.toml"
        if not expect_path.exists():
            continue
        expect = tomllib.loads(expect_path.read_text())
        if expect.get("dialect") != "postgresql":
            continue
        db = "fx_" + fixture.name.replace("-", "_")
        psql("postgres", "-c", f"DROP DATABASE IF EXISTS {db}")
        psql("postgres", "-c", f"CREATE DATABASE {db}")
        psql(db, "-c", "CREATE ROLE app; CREATE ROLE opsconductor;")
        must_fail = set(expect.get("real_run_fails", []))
        for rel in pg_migrations(fixture, expect):
            try:
                sql = up_part((fixture / rel).read_text(errors="replace"))
            except UnicodeDecodeError:
                sql = None
            ok = sql is not None and psql(db, stdin=sql).returncode == 0
            if ok and rel in must_fail:
                failures.append(f"{fixture.name}: {rel} should fail on PostgreSQL")
            if not ok and rel not in must_fail:
                err = psql(db, stdin=sql).stderr.strip() if sql is not None else "binary"
                failures.append(f"{fixture.name}: {rel}: {err}")
        if verbose:
            out = psql(db, "-At", "-c", """
                SELECT table_name || '(' || string_agg(column_name || ' ' || data_type
                    || coalesce('(' || character_maximum_length || ')', '')
                    || CASE WHEN is_nullable = 'NO' THEN ' NN' ELSE '' END
                    || coalesce(' DEFAULT ' || column_default, ''), ', ' ORDER BY ordinal_position) || ')'
                FROM information_schema.columns WHERE table_schema = 'public'
                GROUP BY table_name ORDER BY table_name""").stdout
            for line in out.splitlines():
                print(f"{fixture.name}: {line}")
        psql("postgres", "-c", f"DROP DATABASE IF EXISTS {db}")

from verify_fixtures_lib import mysql_client, mysql_columns, migraguard_columns  # noqa: E402

mysql_fixtures = []
for fixture in sorted(p for p in ROOT.iterdir() if p.is_dir()):
    expect_path = fixture / "expect.toml"
    if expect_path.exists() and tomllib.loads(expect_path.read_text()).get("dialect") == "mysql":
        mysql_fixtures.append(fixture)

if mysql_fixtures and not os.environ.get("MYSQL_SOCKET"):
    print(f"SKIPPED {len(mysql_fixtures)} MySQL fixture(s): set MYSQL_SOCKET to run them on a real server")
for fixture in mysql_fixtures if os.environ.get("MYSQL_SOCKET") else []:
    expect = tomllib.loads((fixture / "expect.toml").read_text())
    db = "fx_" + fixture.name.replace("-", "_")
    mysql_client(None, f"DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db}")
    must_fail = set(expect.get("real_run_fails", []))
    for rel in pg_migrations(fixture, expect):
        res = mysql_client(db, up_part((fixture / rel).read_text()))
        ok = res.returncode == 0
        if ok and rel in must_fail:
            failures.append(f"{fixture.name}: {rel} should fail on MySQL")
        if not ok and rel not in must_fail:
            failures.append(f"{fixture.name}: {rel}: {res.stderr.strip()}")
    real = mysql_columns(db)
    ours = migraguard_columns(fixture)
    for t in sorted(set(real) | set(ours)):
        if t not in ours:
            failures.append(f"{fixture.name}: table {t} exists on MySQL, not in migraguard's replay")
        elif t not in real:
            failures.append(f"{fixture.name}: table {t} is in migraguard's replay, not on MySQL")
        elif real[t] != ours[t]:
            failures.append(f"{fixture.name}: {t}: MySQL {real[t]} != migraguard {ours[t]}")
    if verbose:
        for t, cols in sorted(real.items()):
            print(f"{fixture.name}: {t}({', '.join(c + (' NN' if nn else '') for c, nn in cols)})")
    mysql_client(None, f"DROP DATABASE IF EXISTS {db}")

for f in failures:
    print("FAIL", f)
print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
