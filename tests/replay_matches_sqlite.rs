//! For every SQLite fixture, the schema migraguard computes from the
//! migrations (`schema --from migrations --format sql`) must have the same
//! tables and columns (name, NOT NULL, primary key) as a real SQLite database
//! that ran the fixture's migrations (`sqlite_migrations` in expect.toml).
//!
//! Run: `cargo test --test replay_matches_sqlite`

mod common;

use common::*;
use rusqlite::Connection;
use std::collections::BTreeMap;

/// table -> [(column, notnull, pk position)], internal sqlite_ tables left out.
type Shape = BTreeMap<String, Vec<(String, bool, i64)>>;

fn shape(db: &Connection) -> rusqlite::Result<Shape> {
    let mut tables = Vec::new();
    {
        let mut stmt = db.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for r in rows {
            tables.push(r?);
        }
    }
    let mut out = Shape::new();
    for t in tables {
        let mut stmt =
            db.prepare("SELECT name, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid")?;
        let rows = stmt.query_map([&t], |r| {
            let pk: i64 = r.get(2)?;
            // A primary key column is NOT NULL whether or not it says so
            // (SQLite's rowid alias reports notnull = 0).
            let notnull: bool = r.get::<_, i64>(1)? != 0 || pk > 0;
            Ok((r.get::<_, String>(0)?.to_lowercase(), notnull, pk))
        })?;
        let mut cols = Vec::new();
        for r in rows {
            cols.push(r?);
        }
        cols.sort();
        out.insert(t.to_lowercase(), cols);
    }
    Ok(out)
}

fn compare_fixture(dir: &std::path::Path, expect: &Expect) -> Result<(), String> {
    let real = Connection::open_in_memory().map_err(|e| e.to_string())?;
    for rel in &expect.sqlite_migrations {
        // Legacy-encoded migrations (python-latin1-source) run with their few
        // non-UTF-8 bytes replaced, as migraguard reads them.
        let bytes = std::fs::read(dir.join(rel)).map_err(|e| format!("{rel}: {e}"))?;
        let sql = String::from_utf8_lossy(&bytes);
        real.execute_batch(&sql)
            .map_err(|e| format!("the fixture's own {rel} fails on SQLite: {e}"))?;
    }
    let out = run(&[
        "schema",
        &dir.to_string_lossy(),
        "--from",
        "migrations",
        "--format",
        "sql",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.code() != Some(0) {
        return Err(format!(
            "schema exited {:?}: {}",
            out.status.code(),
            truncate(String::from_utf8_lossy(&out.stderr).trim(), 300)
        ));
    }
    let replayed = Connection::open_in_memory().map_err(|e| e.to_string())?;
    replayed.execute_batch(&stdout).map_err(|e| {
        format!(
            "SQLite rejects the printed schema ({e}):\n{}",
            truncate(&stdout, 600)
        )
    })?;
    let want = shape(&real).map_err(|e| e.to_string())?;
    let got = shape(&replayed).map_err(|e| e.to_string())?;
    if want != got {
        let mut diffs = Vec::new();
        for t in want
            .keys()
            .chain(got.keys())
            .collect::<std::collections::BTreeSet<_>>()
        {
            match (want.get(t), got.get(t)) {
                (Some(a), Some(b)) if a != b => {
                    diffs.push(format!("{t}: real {a:?}\n      migraguard {b:?}"))
                }
                (Some(_), None) => diffs.push(format!("{t}: missing from migraguard's schema")),
                (None, Some(_)) => diffs.push(format!("{t}: not in the real database")),
                _ => {}
            }
        }
        return Err(diffs.join("\n    "));
    }
    Ok(())
}

#[test]
fn replayed_schema_matches_a_real_sqlite_database() {
    let mut checked = 0;
    let mut problems = Vec::new();
    for dir in fixture_dirs() {
        let Ok(expect) = read_expect(&dir) else {
            continue;
        };
        if expect.dialect.as_deref() != Some("sqlite") || expect.exit == 2 {
            continue;
        }
        // Alembic projects have no SQL files to run: tests/verify_alembic_fixtures.py
        // runs their revisions with the real Alembic instead.
        if expect.sqlite_migrations.is_empty()
            && (dir.join("alembic.ini").exists() || dir.join("migrations/alembic.ini").exists())
        {
            continue;
        }
        if expect.sqlite_migrations.is_empty() {
            problems.push(format!(
                "{}: dialect sqlite but no sqlite_migrations",
                name_of(&dir)
            ));
            continue;
        }
        checked += 1;
        if let Err(e) = compare_fixture(&dir, &expect) {
            problems.push(format!("{}:\n    {e}", name_of(&dir)));
        }
    }
    assert!(checked >= 10, "only {checked} SQLite fixtures found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn shape_sees_columns_nullability_and_keys() {
    let db = Connection::open_in_memory().expect("db");
    db.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b TEXT);
         CREATE TABLE s (id INTEGER PRIMARY KEY AUTOINCREMENT);",
    )
    .expect("sql");
    let s = shape(&db).expect("shape");
    // AUTOINCREMENT created sqlite_sequence, which is SQLite's, not the schema's.
    assert_eq!(s.keys().collect::<Vec<_>>(), vec!["s", "t"]);
    assert_eq!(
        s.get("t"),
        Some(&vec![
            ("a".to_string(), true, 0),
            ("b".to_string(), false, 0),
            ("id".to_string(), true, 1),
        ])
    );
}
