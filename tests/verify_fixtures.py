"""Checks the fixtures themselves, independently of migraguard.

Run: python3 tests/verify_fixtures.py
- every Python file compiles, except in fixtures whose expect.toml lists it in
  `broken_files`;
- for SQLite fixtures, the `sqlite_migrations` run in order on a fresh
  database, and the resulting tables and columns are printed with -v.
"""

import py_compile
import tempfile
import sqlite3
import sys
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
                db.executescript((fixture / rel).read_text())
            except Exception as e:  # noqa: BLE001 - report and go on
                failures.append(f"{fixture.name}: {rel}: {e}")
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

for f in failures:
    print("FAIL", f)
print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
