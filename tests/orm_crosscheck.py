"""Cross-checks the fixtures against the real ORMs (optional, needs a venv).

For each fixture, imports its Python models with the real SQLAlchemy /
SQLModel / Flask-SQLAlchemy, runs `metadata.create_all` into one database and
the fixture's migrations into another, and prints every difference in tables,
columns, types, nullability and defaults. Clean fixtures must print nothing;
drifted ones must print exactly what their expect.toml lists.

    python3 -m venv /tmp/mgvenv
    /tmp/mgvenv/bin/pip install sqlalchemy sqlmodel flask-sqlalchemy psycopg2-binary
    PGHOST=/tmp/mgpg PGPORT=55432 PGUSER=postgres /tmp/mgvenv/bin/python tests/orm_crosscheck.py [fixture...]

MySQL fixtures need a throwaway MySQL or MariaDB on a unix socket only, and
pymysql in the venv (MySQL fixtures are skipped, with a note, without it):

    /tmp/mgvenv/bin/pip install pymysql
    mariadb-install-db --user=root --datadir=/tmp/mgmy/data
    mariadbd --user=root --datadir=/tmp/mgmy/data --skip-networking --socket=/tmp/mysql.sock &
    MYSQL_SOCKET=/tmp/mysql.sock /tmp/mgvenv/bin/python tests/orm_crosscheck.py mysql-clean
"""

import importlib
import json
import os
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

# Importing the fixtures must not leave __pycache__ folders in them.
sys.dont_write_bytecode = True

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent / "fixtures"
sys.path.insert(0, str(HERE))


def child(fixture: Path, dialect: str, target: str):
    """Runs in a fresh interpreter: import the models, create_all into target."""
    import sqlalchemy as sa
    from sqlalchemy import MetaData

    sys.path.insert(0, str(fixture))
    os.environ.setdefault("DATABASE_URL", "sqlite://")
    metadatas = {}
    skip = set()
    for py in sorted(fixture.rglob("*.py")):
        rel = py.relative_to(fixture).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not parts:
            continue
        try:
            mod = importlib.import_module(".".join(parts))
        except Exception as e:  # noqa: BLE001
            print(f"import {'.'.join(parts)}: {type(e).__name__}: {e}", file=sys.stderr)
            continue
        for obj in list(vars(mod).values()):
            md = obj if isinstance(obj, MetaData) else getattr(obj, "metadata", None)
            if isinstance(md, MetaData):
                metadatas[id(md)] = md
    if dialect == "sqlite":
        engine = sa.create_engine(f"sqlite:///{target}")
    elif dialect == "mysql":
        sock = os.environ["MYSQL_SOCKET"]
        user = os.environ.get("MYSQL_USER", "root")
        engine = sa.create_engine(f"mysql+pymysql://{user}@localhost/{target}?unix_socket={sock}&charset=utf8mb4")
    else:
        engine = sa.create_engine(f"postgresql+psycopg2:///{target}?host={os.environ['PGHOST']}&port={os.environ['PGPORT']}&user={os.environ['PGUSER']}")
    with engine.begin() as conn:
        if dialect == "postgresql":
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS citext"))
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pgcrypto"))
        for md in metadatas.values():
            for schema in {t.schema for t in md.tables.values() if t.schema}:
                conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
            md.create_all(conn)


def sqlite_schema(path):
    db = sqlite3.connect(path)
    out = {}
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"):
        out[name] = {
            c[1]: {"type": c[2].upper(), "notnull": bool(c[3]) or bool(c[5]), "default": c[4], "pk": bool(c[5])}
            for c in db.execute(f"PRAGMA table_info('{name}')")
        }
        extras = set()
        for idx in db.execute(f"PRAGMA index_list('{name}')").fetchall():
            cols = [r[2] for r in db.execute(f"PRAGMA index_info('{idx[1]}')")]
            if idx[3] != "pk":
                extras.add(f"{'unique ' if idx[2] else ''}index ({', '.join(cols)})")
        for fk in db.execute(f"PRAGMA foreign_key_list('{name}')"):
            extras.add(f"fk ({fk[3]}) -> {fk[2]}({fk[4]}) on delete {fk[6]}")
        out[name]["<constraints>"] = {"set": sorted(extras)}
    return out


def pg_schema(db):
    q = """
    SELECT json_agg(json_build_object('t', CASE WHEN table_schema = 'public' THEN table_name
                                             ELSE table_schema || '.' || table_name END,
        'c', column_name, 'type', CASE WHEN data_type = 'USER-DEFINED' THEN udt_name ELSE data_type END
            || coalesce('(' || character_maximum_length || ')', '')
            || coalesce('(' || numeric_precision || ',' || numeric_scale || ')', ''),
        'notnull', is_nullable = 'NO', 'default', column_default))
    FROM information_schema.columns c
    JOIN information_schema.tables USING (table_schema, table_name)
    WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'
    """
    res = subprocess.run(["psql", "-X", "-At", "-d", db, "-c", q], capture_output=True, text=True)
    out = {}
    for r in json.loads(res.stdout.strip() or "null") or []:
        if r["type"].startswith("integer") or r["type"].startswith("bigint"):
            r["type"] = r["type"].split("(")[0]
        out.setdefault(r["t"], {})[r["c"]] = {"type": r["type"], "notnull": r["notnull"], "default": r["default"]}
    q2 = """
    SELECT json_agg(json_build_object('t', CASE WHEN n.nspname = 'public' THEN c.relname
                                             ELSE n.nspname || '.' || c.relname END,
        'd', regexp_replace(pg_get_indexdef(i.indexrelid), 'INDEX \\S+ ON', 'INDEX ON')))
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND NOT i.indisprimary
    UNION ALL
    SELECT json_agg(json_build_object('t', CASE WHEN n.nspname = 'public' THEN c.relname
                                             ELSE n.nspname || '.' || c.relname END,
        'd', pg_get_constraintdef(k.oid)))
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE k.contype IN ('f', 'c') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    """
    res = subprocess.run(["psql", "-X", "-At", "-d", db, "-c", q2], capture_output=True, text=True)
    for line in res.stdout.splitlines():
        for r in json.loads(line or "null") or []:
            out.setdefault(r["t"], {}).setdefault("<constraints>", {"set": []})["set"].append(r["d"])
    for t in out.values():
        if "<constraints>" in t:
            t["<constraints>"]["set"].sort()
    return out


def mysql_schema(db):
    from verify_fixtures_lib import mysql_client

    out = {}
    res = mysql_client(None, f"""SELECT c.table_name, c.column_name, c.column_type, c.is_nullable = 'NO',
            coalesce(c.column_default, '<none>')
        FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE c.table_schema = '{db}' AND t.table_type = 'BASE TABLE'""")
    for line in res.stdout.splitlines():
        t, c, ty, nn, d = line.split("\t")
        out.setdefault(t.lower(), {})[c.lower()] = {
            "type": ty, "notnull": nn == "1", "default": None if d in ("<none>", "NULL") else d,
        }
    res = mysql_client(None, f"""SELECT table_name, concat(if(non_unique = 0, 'unique ', ''), 'index (',
            group_concat(column_name ORDER BY seq_in_index), ')')
        FROM information_schema.statistics WHERE table_schema = '{db}' AND index_name <> 'PRIMARY'
        GROUP BY table_name, index_name
        UNION ALL
        SELECT k.table_name, concat('fk (', group_concat(k.column_name ORDER BY k.ordinal_position), ') -> ',
            k.referenced_table_name, '(', group_concat(k.referenced_column_name ORDER BY k.ordinal_position),
            ') on delete ', r.delete_rule)
        FROM information_schema.key_column_usage k JOIN information_schema.referential_constraints r
            ON r.constraint_schema = k.table_schema AND r.constraint_name = k.constraint_name
        WHERE k.table_schema = '{db}' AND k.referenced_table_name IS NOT NULL
        GROUP BY k.table_name, k.constraint_name, k.referenced_table_name, r.delete_rule""")
    for line in res.stdout.splitlines():
        t, d = line.split("\t")
        out.setdefault(t.lower(), {}).setdefault("<constraints>", {"set": []})["set"].append(d)
    for t in out.values():
        if "<constraints>" in t:
            t["<constraints>"]["set"].sort()
    return out


def compare(a, b):
    """a: from models, b: from migrations."""
    diffs = []
    for t in sorted(set(a) | set(b)):
        if t not in b:
            diffs.append(f"table {t}: only in models")
            continue
        if t not in a:
            diffs.append(f"table {t}: only in migrations")
            continue
        for c in sorted(set(a[t]) | set(b[t])):
            if c not in b[t]:
                diffs.append(f"{t}.{c}: only in models")
            elif c not in a[t]:
                diffs.append(f"{t}.{c}: only in migrations")
            else:
                for k in a[t][c]:
                    if a[t][c][k] != b[t][c].get(k):
                        diffs.append(f"{t}.{c}: {k} models={a[t][c][k]!r} migrations={b[t][c].get(k)!r}")
    return diffs


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), sys.argv[3], sys.argv[4])
        return
    from verify_fixtures_lib import pg_migrations, up_part  # noqa: E402

    names = sys.argv[1:] or sorted(p.name for p in ROOT.iterdir() if p.is_dir())
    for name in names:
        fixture = ROOT / name
        expect_path = fixture / "expect.toml"
        if name.startswith("broken-") or not expect_path.exists():
            continue
        expect = tomllib.loads(expect_path.read_text())
        dialect = expect.get("dialect")
        if dialect == "sqlite":
            model_db = f"/tmp/mg_models_{name}.db"
            mig_db = f"/tmp/mg_migs_{name}.db"
            for p in (model_db, mig_db):
                if os.path.exists(p):
                    os.remove(p)
            subprocess.run([sys.executable, __file__, "--child", str(fixture), dialect, model_db])
            db = sqlite3.connect(mig_db)
            for rel in expect.get("sqlite_migrations", []):
                db.executescript((fixture / rel).read_text())
            db.commit()
            diffs = compare(sqlite_schema(model_db), sqlite_schema(mig_db))
        elif dialect == "postgresql" and os.environ.get("PGHOST"):
            base = "x_" + name.replace("-", "_")
            mdb, gdb = base + "_m", base + "_g"
            for d in (mdb, gdb):
                subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {d}"], capture_output=True)
                subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", f"CREATE DATABASE {d}"], capture_output=True)
            subprocess.run([sys.executable, __file__, "--child", str(fixture), dialect, mdb])
            subprocess.run(["psql", "-X", "-q", "-d", gdb, "-c", "CREATE EXTENSION IF NOT EXISTS pgcrypto"], capture_output=True)
            for rel in pg_migrations(fixture, expect):
                if rel in expect.get("real_run_fails", []):
                    continue
                subprocess.run(["psql", "-X", "-q", "-d", gdb], input=up_part((fixture / rel).read_text()), capture_output=True, text=True)
            diffs = compare(pg_schema(mdb), pg_schema(gdb))
        elif dialect == "mysql" and os.environ.get("MYSQL_SOCKET"):
            from verify_fixtures_lib import mysql_client

            base = "x_" + name.replace("-", "_")
            mdb, gdb = base + "_m", base + "_g"
            for d in (mdb, gdb):
                mysql_client(None, f"DROP DATABASE IF EXISTS {d}; CREATE DATABASE {d}")
            subprocess.run([sys.executable, __file__, "--child", str(fixture), dialect, mdb])
            for rel in pg_migrations(fixture, expect):
                if rel in expect.get("real_run_fails", []):
                    continue
                res = mysql_client(gdb, up_part((fixture / rel).read_text()))
                if res.returncode:
                    print(f"{name}: {rel}: {res.stderr.strip()}", file=sys.stderr)
            diffs = compare(mysql_schema(mdb), mysql_schema(gdb))
        elif dialect == "mysql":
            print(f"== {name}: skipped, set MYSQL_SOCKET to compare on a real MySQL/MariaDB")
            continue
        else:
            continue
        print(f"== {name} (expects {expect.get('findings')})")
        for d in diffs:
            print("   ", d)


if __name__ == "__main__":
    main()
