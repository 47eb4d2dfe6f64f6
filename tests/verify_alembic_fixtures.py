"""Checks the Alembic fixtures with the real Alembic (a dev tool; cargo test does not run it).

For every fixtures/alembic-* folder (or the fixtures named on the command line), on a
copy of the fixture and a fresh database:
- `alembic upgrade heads` (Flask-Migrate layout: `flask --app app db upgrade heads`) must succeed;
- then `alembic check` (`flask db check`): a fixture whose expect.toml lists no findings must
  print "No new upgrade operations detected."; a fixture with `alembic_check_detects` must
  report exactly those differences (each entry is a substring of one "Detected ..." line that
  autogenerate logs; sequences it merely notices are not counted).

Setup (a venv of your own; PostgreSQL fixtures need a server, SQLite ones do not):

    python3 -m venv /tmp/alembic-venv
    /tmp/alembic-venv/bin/pip install alembic sqlalchemy flask-sqlalchemy flask-migrate sqlmodel psycopg2-binary
    # a throwaway PostgreSQL on a unix socket only (initdb refuses root: run it as postgres):
    initdb -D /tmp/mgpg/data -U postgres -A trust
    pg_ctl -D /tmp/mgpg/data -l /tmp/mgpg/log -o "-k /tmp/mgpg -p 55432 -c listen_addresses=''" start

Run:

    PGHOST=/tmp/mgpg PGPORT=55432 PGUSER=postgres python3 tests/verify_alembic_fixtures.py /tmp/alembic-venv [fixture...]

Without PGHOST the PostgreSQL fixtures are skipped, and the output says so. Exit 1 when a
fixture does not behave as its expect.toml says. Stdlib only; the fixtures are copied to a
temporary folder, so no database file or __pycache__ lands in the repository.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
CLEAN = "No new upgrade operations detected."
# Autogenerate's log lines for each difference; "Detected sequence named ..." is PostgreSQL's
# SERIAL bookkeeping, not a difference.
DETECTED = re.compile(r"\] (?:Detected|.*detected) (?!sequence named)")


def usage():
    print(__doc__.strip().split("\n\n")[0])
    print("usage: verify_alembic_fixtures.py <venv> [fixture...]")
    sys.exit(2)


def runner(fixture: Path):
    """How the project runs Alembic: (cwd relative to the fixture, command prefix)."""
    if (fixture / "alembic.ini").exists():
        return ["alembic"]
    if (fixture / "migrations" / "alembic.ini").exists() and (fixture / "app").is_dir():
        # Flask-Migrate: env.py takes the engine from the Flask app.
        return ["flask", "--app", "app", "db"]
    return None


def psql(db, sql):
    return subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
        capture_output=True, text=True,
    )


def pg_url(db):
    host = os.environ["PGHOST"]
    port = os.environ.get("PGPORT", "5432")
    user = os.environ.get("PGUSER", "postgres")
    if host.startswith("/"):
        return f"postgresql+psycopg2://{user}@/{db}?host={host}&port={port}"
    return f"postgresql+psycopg2://{user}@{host}:{port}/{db}"


def run(venv: Path, prefix, args, cwd, url):
    env = dict(os.environ, DATABASE_URL=url, PYTHONDONTWRITEBYTECODE="1")
    env.pop("FLASK_APP", None)
    cmd = [str(venv / "bin" / prefix[0]), *prefix[1:], *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)


def verify(venv: Path, fixture: Path):
    """Returns (status line, problems)."""
    expect = tomllib.loads((fixture / "expect.toml").read_text())
    prefix = runner(fixture)
    if prefix is None:
        return "not an Alembic project", [f"{fixture.name}: no alembic.ini (or Flask-Migrate layout)"]
    dialect = expect.get("dialect", "sqlite")
    problems = []
    with tempfile.TemporaryDirectory(prefix="mg-alembic-") as tmp:
        work = Path(tmp) / fixture.name
        shutil.copytree(fixture, work)
        if dialect == "postgresql":
            if not os.environ.get("PGHOST"):
                return "SKIPPED (PostgreSQL: set PGHOST)", []
            db = "fxa_" + fixture.name.replace("-", "_")
            psql("postgres", f"DROP DATABASE IF EXISTS {db}")
            made = psql("postgres", f"CREATE DATABASE {db}")
            if made.returncode != 0:
                return "error", [f"{fixture.name}: cannot create database: {made.stderr.strip()}"]
            url = pg_url(db)
        elif dialect == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'check.db'}"
        else:
            return f"SKIPPED (dialect {dialect})", []
        try:
            up = run(venv, prefix, ["upgrade", "heads"], work, url)
            if up.returncode != 0:
                tail = (up.stderr or up.stdout).strip().splitlines()[-3:]
                return "upgrade failed", [f"{fixture.name}: upgrade heads failed: {' | '.join(tail)}"]
            check = run(venv, prefix, ["check"], work, url)
        finally:
            if dialect == "postgresql":
                psql("postgres", f"DROP DATABASE IF EXISTS {db}")
    out = check.stdout + check.stderr
    detected = [l.split("] ", 1)[1] for l in out.splitlines() if DETECTED.search(l)]
    wanted = expect.get("alembic_check_detects")
    if wanted is None and not expect.get("findings"):
        if check.returncode != 0 or CLEAN not in out:
            problems.append(f"{fixture.name}: alembic check is not clean: {detected or out.strip()[-300:]}")
        return "clean" if not problems else "DIFFERS", problems
    if wanted is None:
        # Findings that are not schema drift (history, safety): report what Alembic says.
        return f"check exit {check.returncode}: {detected or out.strip().splitlines()[-1:]}", []
    if check.returncode == 0:
        problems.append(f"{fixture.name}: alembic check passed, expected {wanted}")
    unmatched = list(detected)
    for w in wanted:
        hit = next((d for d in unmatched if w in d), None)
        if hit is None:
            problems.append(f"{fixture.name}: alembic check did not detect {w!r}")
        else:
            unmatched.remove(hit)
    for d in unmatched:
        problems.append(f"{fixture.name}: alembic check also detected {d!r}")
    return f"{len(detected)} difference(s)", problems


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        usage()
    venv = Path(sys.argv[1])
    if not (venv / "bin" / "alembic").exists():
        print(f"{venv}/bin/alembic not found: pass the venv that has alembic installed")
        sys.exit(2)
    names = sys.argv[2:]
    fixtures = [ROOT / n for n in names] if names else sorted(
        p for p in ROOT.iterdir() if p.is_dir() and p.name.startswith("alembic-")
    )
    problems = []
    for fixture in fixtures:
        status, found = verify(venv, fixture)
        print(f"{fixture.name}: {status}")
        problems += found
    for p in problems:
        print("  " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
