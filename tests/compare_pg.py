#!/usr/bin/env python3
"""Replay vs a real PostgreSQL: compares the schema migraguard computes from a
fixture's migrations (`migraguard schema --from migrations --format json`)
with the one the database holds after the same migrations ran there.

A dev tool, not run in CI (it needs a PostgreSQL server and psql). Usage:

    # migrations already applied, e.g. with diesel (see tests/gen_diesel_large.py)
    python3 tests/compare_pg.py postgres://mg:mg@localhost/agora_large \
        [fixtures/diesel-large-postgres] [path/to/migraguard]

Compared, for the public schema's base tables: the table set; per table the
columns in order with their type, NOT NULL, whether they have a default, and
whether the database supplies the value (identity, serial, computed); the
primary key; foreign keys (columns, referenced table, ON DELETE); indexes and
unique constraints on plain columns (columns, uniqueness); the number of CHECK
constraints; and every enum with its labels in order. Prints each difference
and exits 1 when there is any, 0 when replay matches. Stdlib only;
the database is read through psql.
"""

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def psql(url, sql):
    out = subprocess.run(["psql", url, "-X", "-A", "-t", "-F", "\x1f", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\x1f") for line in out.splitlines() if line]


def pg_type(data_type, udt, length, precision, scale):
    """The database's type in the IR's JSON shape."""
    ints = {"int2": 2, "int4": 4, "int8": 8}
    if udt in ints:
        return {"kind": "integer", "of": {"bytes": ints[udt]}}
    if udt in ("text", "citext"):
        return {"kind": "text"}
    if udt == "varchar":
        return {"kind": "string", "of": {"len": int(length) if length else None, "fixed": False}}
    if udt == "bpchar":
        return {"kind": "string", "of": {"len": int(length) if length else 1, "fixed": True}}
    if udt == "bool":
        return {"kind": "boolean"}
    if udt in ("timestamptz", "timestamp"):
        return {"kind": "timestamp", "of": {"tz": udt == "timestamptz"}}
    if udt == "date":
        return {"kind": "date"}
    if udt in ("json", "jsonb"):
        return {"kind": "json", "of": {"binary": udt == "jsonb"}}
    if udt == "numeric":
        return {"kind": "decimal", "of": {"precision": int(precision) if precision else None,
                                          "scale": int(scale) if scale else None}}
    if udt in ("float4", "float8"):
        return {"kind": "float", "of": {"double": udt == "float8"}}
    if udt == "uuid":
        return {"kind": "uuid"}
    if udt == "bytea":
        return {"kind": "binary", "of": {"len": None}}
    if udt.startswith("_"):
        return {"kind": "array", "of": pg_type("", udt[1:], None, None, None)}
    if data_type == "USER-DEFINED":
        return {"kind": "user-defined", "of": udt}
    return {"kind": "other", "of": udt}


def same_type(pg, ir):
    if pg["kind"] == "user-defined":
        if ir["kind"] == "enum":
            return ir["of"]["name"] == pg["of"]
        return ir["kind"] == "other" and ir["of"] == pg["of"]
    return pg == ir


def database(url):
    tables = {}
    for (t,) in psql(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                          "AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_\\_diesel%'"):
        tables[t] = {"columns": [], "pk": [], "fks": set(), "indexes": set()}
    for t, c, dt, udt, ln, pr, sc, nullable, default, ident, gen in psql(url, """
            SELECT table_name, column_name, data_type, udt_name, character_maximum_length,
                   numeric_precision, numeric_scale, is_nullable, column_default, is_identity, is_generated
            FROM information_schema.columns WHERE table_schema = 'public'
            ORDER BY table_name, ordinal_position"""):
        if t not in tables:
            continue
        tables[t]["columns"].append({
            "name": c, "type": pg_type(dt, udt, ln, pr if udt == "numeric" else None, sc if udt == "numeric" else None),
            "nullable": nullable == "YES", "default": bool(default),
            "nextval": default.startswith("nextval("), "identity": ident == "YES",
            "generated": gen == "ALWAYS",
        })
    for t, cols in psql(url, """
            SELECT c.relname, string_agg(a.attname, ',' ORDER BY k.ord)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
            WHERE i.indisprimary AND n.nspname = 'public' GROUP BY c.relname"""):
        if t in tables:
            tables[t]["pk"] = cols.split(",")
    for t, cols, ref, action in psql(url, """
            SELECT c.relname, string_agg(a.attname, ',' ORDER BY k.ord), rc.relname, con.confdeltype
            FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_class rc ON rc.oid = con.confrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
            WHERE con.contype = 'f' AND n.nspname = 'public' GROUP BY con.oid, c.relname, rc.relname, con.confdeltype"""):
        if t in tables:
            actions = {"c": "cascade", "n": "set_null", "d": "set_default", "r": "restrict", "a": None}
            tables[t]["fks"].add((cols, ref, actions.get(action)))
    for t, cols, unique in psql(url, """
            SELECT c.relname, string_agg(a.attname, ',' ORDER BY k.ord), i.indisunique
            FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
            WHERE NOT i.indisprimary AND n.nspname = 'public' AND i.indexprs IS NULL
            GROUP BY i.indexrelid, c.relname, i.indisunique"""):
        if t in tables:
            tables[t]["indexes"].add((cols, unique == "t"))
    for t, n in psql(url, """
            SELECT c.relname, count(*) FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE con.contype = 'c' AND n.nspname = 'public' GROUP BY c.relname"""):
        if t in tables:
            tables[t]["checks"] = int(n)
    enums = {}
    for name, label in psql(url, """
            SELECT t.typname, e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
            ORDER BY t.typname, e.enumsortorder"""):
        enums.setdefault(name, []).append(label)
    return tables, enums


def replayed(fixture, binary):
    out = subprocess.run([binary, "schema", str(fixture), "--from", "migrations", "--format", "json"],
                         check=True, capture_output=True, text=True)
    if out.stderr.strip():
        print("migraguard stderr:\n" + out.stderr)
    return json.loads(out.stdout)


def main():
    url = sys.argv[1]
    fixture = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "fixtures" / "diesel-large-postgres"
    binary = sys.argv[3] if len(sys.argv) > 3 else str(ROOT / "target" / "debug" / "migraguard")
    db_tables, db_enums = database(url)
    ir = replayed(fixture, binary)
    ir_tables = {n: t for n, t in ir["tables"].items() if t.get("schema") in (None, "public")}
    diffs = []
    for t in sorted(set(db_tables) ^ set(ir_tables)):
        diffs.append(f"table {t}: {'only in the database' if t in db_tables else 'only in replay'}")
    for name in sorted(set(db_tables) & set(ir_tables)):
        db, mg = db_tables[name], ir_tables[name]
        db_cols = [c["name"] for c in db["columns"]]
        mg_cols = [c["name"] for c in mg["columns"]]
        if db_cols != mg_cols:
            diffs.append(f"{name}: columns\n  db: {db_cols}\n  mg: {mg_cols}")
        mg_by = {c["name"]: c for c in mg["columns"]}
        for c in db["columns"]:
            m = mg_by.get(c["name"])
            if m is None:
                continue
            where = f"{name}.{c['name']}"
            if not same_type(c["type"], m["ty"]):
                diffs.append(f"{where}: type db {c['type']} mg {m['ty']}")
            if c["nullable"] != m["nullable"]:
                diffs.append(f"{where}: nullable db {c['nullable']} mg {m['nullable']}")
            # the IR's autoincrement means "the database supplies the value": identity,
            # serial and computed (GENERATED ... STORED) columns; a serial keeps no default
            # in the IR, a nextval() default written by hand stays a default
            supplied = c["identity"] or c["generated"]
            if c["nextval"]:
                ok = m["autoincrement"] or m["default"] is not None
            else:
                ok = supplied == m["autoincrement"] and c["default"] == (m["default"] is not None)
            if not ok:
                diffs.append(f"{where}: default/identity db {c} mg autoincrement={m['autoincrement']} "
                             f"default={m['default']}")
        if db["pk"] != mg["primary_key"]:
            diffs.append(f"{name}: primary key db {db['pk']} mg {mg['primary_key']}")
        mg_fks = {(",".join(f["columns"]), f["ref_table"], f["on_delete"]) for f in mg["foreign_keys"]}
        if db["fks"] != mg_fks:
            diffs.append(f"{name}: foreign keys\n  db only: {sorted(db['fks'] - mg_fks, key=str)}"
                         f"\n  mg only: {sorted(mg_fks - db['fks'], key=str)}")
        mg_ix = {(",".join(i["columns"]), i["unique"]) for i in mg["indexes"]}
        mg_ix |= {(",".join(c["name"] for c in mg["columns"] if c["unique"] and c["name"] == col), True)
                  for col in (c["name"] for c in mg["columns"] if c["unique"])}
        if db["indexes"] != mg_ix:
            diffs.append(f"{name}: indexes\n  db only: {sorted(db['indexes'] - mg_ix)}"
                         f"\n  mg only: {sorted(mg_ix - db['indexes'])}")
        if db.get("checks", 0) != len(mg["checks"]):
            diffs.append(f"{name}: {db.get('checks', 0)} CHECK constraints in the database, "
                         f"{len(mg['checks'])} replayed: {[c['sql'] for c in mg['checks']]}")
    mg_enums = {n: e["values"] for n, e in ir["enums"].items()}
    if mg_enums != db_enums:
        diffs.append(f"enums\n  db: {db_enums}\n  mg: {mg_enums}")
    for d in diffs:
        print(d)
    print(f"{len(db_tables)} tables in the database, {len(ir_tables)} replayed, {len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
