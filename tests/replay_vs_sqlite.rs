//! Replay against the real engine: each migration sequence is run in SQLite
//! (bundled) and replayed by migraguard; tables, columns, NOT NULL and
//! primary keys must agree.

use migraguard::dialect::Dialect;
use migraguard::migrations::sql::replay;
use migraguard::migrations::{History, MigratedSchema, MigrationUnit};
use migraguard::source::SourceFile;
use rusqlite::Connection;

/// A table as compared: columns in order, then `CREATE INDEX` indexes
/// (name, unique, columns) sorted by name.
#[derive(Debug, PartialEq)]
struct Shape {
    cols: Vec<Col>,
    indexes: Vec<(String, bool, Vec<String>)>,
}

#[derive(Debug, PartialEq)]
struct Col {
    name: String,
    not_null: bool,
    pk: u32,
}

fn history(files: &[&str]) -> Vec<History> {
    let units = files
        .iter()
        .enumerate()
        .map(|(i, text)| MigrationUnit {
            version: format!("{:04}", i + 1),
            name: format!("m{i}"),
            file: SourceFile::new(format!("migrations/{:04}.sql", i + 1), *text),
            up: 0..text.len(),
            frontend: migraguard::migrations::Frontend::Sql,
        })
        .collect();
    vec![History {
        units,
        findings: Vec::new(),
        support: Vec::new(),
    }]
}

fn sqlite_schema(files: &[&str]) -> Tables {
    let conn = Connection::open_in_memory().expect("in-memory sqlite");
    for (i, f) in files.iter().enumerate() {
        conn.execute_batch(f)
            .unwrap_or_else(|e| panic!("migration {} fails in SQLite: {e}", i + 1));
    }
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .expect("prepare");
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<Result<_, _>>()
        .expect("rows");
    names
        .into_iter()
        .map(|t| {
            let mut info = conn
                .prepare(&format!("PRAGMA table_info(\"{t}\")"))
                .expect("table_info");
            let cols = info
                .query_map([], |r| {
                    Ok(Col {
                        name: r.get(1)?,
                        not_null: r.get::<_, i64>(3)? != 0,
                        pk: r.get::<_, i64>(5)? as u32,
                    })
                })
                .expect("columns")
                .collect::<Result<_, _>>()
                .expect("rows");
            let mut list = conn
                .prepare(&format!("PRAGMA index_list(\"{t}\")"))
                .expect("index_list");
            let mut indexes: Vec<(String, bool, Vec<String>)> = list
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)? != 0,
                        r.get::<_, String>(3)?,
                    ))
                })
                .expect("indexes")
                .collect::<Result<Vec<_>, _>>()
                .expect("rows")
                .into_iter()
                .filter(|(_, _, origin)| origin == "c")
                .map(|(name, unique, _)| {
                    let mut info = conn
                        .prepare(&format!("PRAGMA index_info(\"{name}\")"))
                        .expect("index_info");
                    let cols = info
                        .query_map([], |r| r.get::<_, String>(2))
                        .expect("index columns")
                        .collect::<Result<Vec<_>, _>>()
                        .expect("rows");
                    (name, unique, cols)
                })
                .collect();
            indexes.sort();
            let cols = Shape { cols, indexes };
            (t, cols)
        })
        .collect()
}

/// The replayed schema in the shape of `PRAGMA table_info`. SQLite lets a
/// non-INTEGER primary key hold NULL and reports `notnull = 0` for every
/// primary key declared without NOT NULL; migraguard records primary keys as
/// NOT NULL (what the models mean), so a key column counts as NOT NULL on
/// both sides.
fn replayed_schema(m: &MigratedSchema) -> Tables {
    m.schema
        .tables
        .values()
        .map(|t| {
            let cols: Vec<Col> = t
                .columns
                .iter()
                .map(|c| Col {
                    name: c.name.clone(),
                    not_null: !c.nullable,
                    pk: t
                        .primary_key
                        .iter()
                        .position(|p| p.eq_ignore_ascii_case(&c.name))
                        .map(|i| i as u32 + 1)
                        .unwrap_or(0),
                })
                .collect();
            let mut indexes: Vec<(String, bool, Vec<String>)> = t
                .indexes
                .iter()
                .filter_map(|i| Some((i.name.clone()?, i.unique, i.columns.clone())))
                .collect();
            indexes.sort();
            (t.name.clone(), Shape { cols, indexes })
        })
        .collect()
}

type Tables = Vec<(String, Shape)>;

/// Both schemas, normalized and sorted by table name; CTAS tables (no known
/// columns on our side) keep only their name.
fn both(sqlite_files: &[&str], replay_files: &[&str]) -> (Tables, Tables) {
    let m = replay(&history(replay_files), Dialect::Sqlite);
    // replay's own findings; the safety lints (MG3xx) judge the migrations
    let replay_findings: Vec<_> = m
        .findings
        .iter()
        .filter(|f| !f.rule.id.starts_with("MG3"))
        .collect();
    assert!(
        replay_findings.is_empty(),
        "unexpected findings: {:#?}",
        replay_findings
    );
    let mut real = sqlite_schema(sqlite_files);
    for (_, shape) in real.iter_mut() {
        for c in shape.cols.iter_mut() {
            c.not_null |= c.pk > 0;
        }
    }
    let mut ours = replayed_schema(&m);
    real.sort_by_key(|(t, _)| t.to_ascii_lowercase());
    ours.sort_by_key(|(t, _)| t.to_ascii_lowercase());
    for ((t, o), (rt, r)) in ours.iter().zip(real.iter_mut()) {
        if o.cols.is_empty() && t == rt {
            r.cols.clear();
        }
    }
    (ours, real)
}

fn check(files: &[&str]) {
    let (ours, real) = both(files, files);
    assert_eq!(ours, real);
}

#[test]
fn the_comparison_sees_a_wrong_replay() {
    let (ours, real) = both(
        &["CREATE TABLE t (a INT NOT NULL, b TEXT)"],
        &["CREATE TABLE t (a INT, b TEXT)"],
    );
    assert_ne!(ours, real);
    let (ours, real) = both(
        &["CREATE TABLE t (a INT, b TEXT)"],
        &["CREATE TABLE t (b TEXT, a INT)"],
    );
    assert_ne!(ours, real);
}

#[test]
fn create_alter_and_index() {
    check(&[
        "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL UNIQUE,\n  name VARCHAR(50)\n);\nCREATE INDEX ix_users_name ON users (name);",
        "ALTER TABLE users ADD COLUMN created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP;\nALTER TABLE users ADD bio TEXT;",
        "CREATE TABLE IF NOT EXISTS users (id INTEGER);\nCREATE TABLE \"order\" (\"id\" INTEGER NOT NULL, user_id INTEGER REFERENCES users (id), total NUMERIC CHECK (total >= 0), PRIMARY KEY (\"id\"));",
    ]);
}

#[test]
fn rebuild_idiom_seed_001() {
    check(&[
        "CREATE TABLE agents (id INTEGER PRIMARY KEY, name TEXT NOT NULL, metadata TEXT DEFAULT '{}');",
        "PRAGMA foreign_keys=off;\nBEGIN TRANSACTION;\nCREATE TABLE agents_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL, tier TEXT NOT NULL DEFAULT 'free');\nINSERT INTO agents_new (id, name) SELECT id, name FROM agents;\nDROP TABLE agents;\nALTER TABLE agents_new RENAME TO agents;\nCOMMIT;\nPRAGMA foreign_keys=on;",
        "ALTER TABLE agents ADD COLUMN metadata TEXT DEFAULT '{}';",
        "INSERT INTO agents (name, metadata) VALUES ('system', '{}');",
    ]);
}

#[test]
fn rename_and_drop_column() {
    check(&[
        "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, legacy INT, price REAL);",
        "ALTER TABLE items RENAME COLUMN title TO name;\nALTER TABLE items DROP COLUMN legacy;",
        "ALTER TABLE items RENAME TO products;\nALTER TABLE products ADD COLUMN sku TEXT;",
    ]);
}

#[test]
fn rebuild_by_renaming_away_composite_keys_and_temp_tables() {
    check(&[
        "CREATE TABLE memberships (user_id INTEGER NOT NULL, team_id INTEGER NOT NULL, role TEXT, note TEXT, PRIMARY KEY (user_id, team_id));",
        "ALTER TABLE memberships RENAME TO memberships_old;\nCREATE TABLE memberships (team_id INTEGER, user_id INTEGER, role TEXT NOT NULL DEFAULT 'member', PRIMARY KEY (team_id, user_id));\nINSERT INTO memberships (team_id, user_id, role) SELECT team_id, user_id, coalesce(role, 'member') FROM memberships_old;\nDROP TABLE memberships_old;",
        "CREATE TEMP TABLE scratch (x TEXT);\nINSERT INTO scratch (x) VALUES ('a;b');\nCREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT);\nCREATE TRIGGER memberships_audit AFTER INSERT ON memberships BEGIN\n  INSERT INTO audit (what) VALUES ('added; ' || NEW.user_id);\nEND;\nCREATE TABLE snapshot AS SELECT * FROM memberships;",
    ]);
}

#[test]
fn drop_and_recreate() {
    check(&[
        "CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);\nCREATE TABLE b (id INTEGER PRIMARY KEY);",
        "DROP TABLE a;\nDROP TABLE IF EXISTS missing;\nCREATE TABLE a (id TEXT NOT NULL PRIMARY KEY, y BLOB);",
        "DROP INDEX IF EXISTS nothing_here;\nCREATE UNIQUE INDEX IF NOT EXISTS ux_a_y ON a (y);\nDROP INDEX ux_a_y;",
    ]);
}

#[derive(Clone, Debug)]
enum Op {
    Add { ty: usize, not_null: bool },
    Drop(usize),
    Rename(usize),
    RenameTable,
    Rebuild(u32),
    Index(usize),
}

fn op_strategy() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        (0usize..5, any::<bool>()).prop_map(|(ty, not_null)| Op::Add { ty, not_null }),
        any::<usize>().prop_map(Op::Drop),
        any::<usize>().prop_map(Op::Rename),
        Just(Op::RenameTable),
        any::<u32>().prop_map(Op::Rebuild),
        any::<usize>().prop_map(Op::Index),
    ]
}

/// Turns abstract operations into one SQLite migration file each, keeping
/// track of the table so every statement is valid.
fn migrations_for(ops: &[Op]) -> Vec<String> {
    const TYPES: [&str; 5] = ["TEXT", "INTEGER", "REAL", "BLOB", "VARCHAR(20)"];
    let mut table = "t0".to_string();
    let mut cols: Vec<String> = vec!["a".into()];
    let mut indexed: Vec<String> = Vec::new();
    let mut n = 0;
    let mut files = vec![format!(
        "CREATE TABLE {table} (id INTEGER PRIMARY KEY, a TEXT NOT NULL DEFAULT '');"
    )];
    for op in ops {
        n += 1;
        let free: Vec<usize> = (0..cols.len())
            .filter(|&i| !indexed.contains(&cols[i]))
            .collect();
        let sql = match op {
            Op::Add { ty, not_null } => {
                let c = format!("c{n}");
                let nn = if *not_null { " NOT NULL DEFAULT 0" } else { "" };
                cols.push(c.clone());
                format!(
                    "ALTER TABLE {table} ADD COLUMN {c} {}{nn};",
                    TYPES[*ty % TYPES.len()]
                )
            }
            Op::Drop(i) if !free.is_empty() => {
                let c = cols.remove(free[i % free.len()]);
                format!("ALTER TABLE {table} DROP COLUMN {c};")
            }
            Op::Rename(i) if !cols.is_empty() => {
                let i = i % cols.len();
                let new = format!("r{n}");
                let old = std::mem::replace(&mut cols[i], new.clone());
                for ix in indexed.iter_mut() {
                    if *ix == old {
                        *ix = new.clone();
                    }
                }
                format!("ALTER TABLE {table} RENAME COLUMN {old} TO {new};")
            }
            Op::RenameTable => {
                let new = format!("t{n}");
                let sql = format!("ALTER TABLE {table} RENAME TO {new};");
                table = new;
                sql
            }
            Op::Rebuild(mask) => {
                let keep: Vec<String> = cols
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << (i % 32)) != 0)
                    .map(|(_, c)| c.clone())
                    .collect();
                let defs: String = keep.iter().map(|c| format!(", {c} TEXT")).collect();
                let list: String = keep.iter().map(|c| format!(", {c}")).collect();
                let sql = format!(
                    "CREATE TABLE {table}_new (id INTEGER PRIMARY KEY{defs});\nINSERT INTO {table}_new (id{list}) SELECT id{list} FROM {table};\nDROP TABLE {table};\nALTER TABLE {table}_new RENAME TO {table};"
                );
                cols = keep;
                indexed.clear();
                sql
            }
            Op::Index(i) if !cols.is_empty() => {
                let c = cols[i % cols.len()].clone();
                indexed.push(c.clone());
                format!("CREATE INDEX ix_{n} ON {table} ({c});")
            }
            _ => "SELECT 1;".to_string(),
        };
        files.push(sql);
    }
    files
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)))]
    #[test]
    fn random_alter_sequences_match_sqlite(ops in proptest::collection::vec(op_strategy(), 0..25)) {
        let files = migrations_for(&ops);
        let refs: Vec<&str> = files.iter().map(String::as_str).collect();
        check(&refs);
    }
}
