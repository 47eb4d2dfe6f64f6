//! The SQL migration frontend: split files into statements (surviving `$$`
//! bodies, strings and comments), parse each with sqlparser in the project's
//! dialect, and replay the schema-changing ones through `apply`.
//!
//! Splitting and parsing are pure and run in parallel across files; applying
//! is sequential because every statement sees the schema its predecessors left.
//!
//! Replayed: CREATE TABLE (constraints, `AS SELECT`/`LIKE`/partitions as
//! tables of unknown shape), ALTER TABLE (add/drop/rename column, rename
//! table, PostgreSQL ALTER COLUMN, MySQL MODIFY/CHANGE, constraints, several
//! operations at once), CREATE/DROP INDEX, DROP TABLE, RENAME TABLE, enum
//! types, the DDL inside `DO` blocks, and the column list of INSERTs (MG202).
//! In PostgreSQL, unnamed unique constraints, indexes and foreign keys get
//! the name the server gives them, so a later DROP by that name finds them.
//! Everything else is skipped without being parsed. A schema-changing
//! statement that cannot be read is MG205, and the table it names stops
//! being checked (its shape is no longer known).

pub mod split;
pub mod statements;

use super::apply::Replay;
use super::History;
use crate::dialect::Dialect;
use crate::source::{LineIndex, SourceFile};
use rayon::prelude::*;
use statements::Parsed;
use std::ops::Range;

pub use super::replay::replay;

/// Replays one history of SQL units into `state` (which may already hold a
/// baseline or earlier histories); `replay::replay_history` dispatches here.
pub fn replay_history(state: &mut Replay, history: &History, dialect: Dialect) {
    let parsed: Vec<Vec<Parsed>> = history
        .units
        .par_iter()
        .map(|u| {
            let index = u.file.line_index();
            statements::parse_range(&u.file, &index, u.up.clone(), dialect)
        })
        .collect();
    for (u, p) in history.units.iter().zip(parsed) {
        statements::apply_parsed(state, &u.file, p);
        state.end_unit();
    }
}

/// Parses `range` of `file` as SQL and applies it to `state`: the entry point
/// for SQL embedded in other frontends (Alembic `op.execute("...")`).
/// Locations point into `file`. Call `state.end_unit()` after each migration
/// (temporary tables end there).
pub fn apply_sql(state: &mut Replay, file: &SourceFile, range: Range<usize>, dialect: Dialect) {
    let index = file.line_index();
    apply_sql_indexed(state, file, &index, range, dialect);
}

/// `apply_sql` with a line index the caller already has.
pub fn apply_sql_indexed(
    state: &mut Replay,
    file: &SourceFile,
    index: &LineIndex,
    range: Range<usize>,
    dialect: Dialect,
) {
    let parsed = statements::parse_range(file, index, range, dialect);
    statements::apply_parsed(state, file, parsed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::MigratedSchema;
    use crate::schema::SqlType;

    fn history(files: &[(&str, &str)]) -> Vec<History> {
        vec![History::of_sql(files)]
    }

    fn run(dialect: Dialect, files: &[(&str, &str)]) -> MigratedSchema {
        replay(&history(files), dialect)
    }

    fn rules_of(m: &MigratedSchema) -> Vec<&'static str> {
        m.findings.iter().map(|f| f.rule.id).collect()
    }

    fn columns(m: &MigratedSchema, table: &str) -> Vec<String> {
        m.schema
            .tables
            .get(table)
            .map(|t| t.columns.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default()
    }

    const AGENTS_0001: &str = "CREATE TABLE agents (\n  id INTEGER PRIMARY KEY,\n  name TEXT NOT NULL,\n  metadata TEXT DEFAULT '{}'\n);\n";
    const AGENTS_0020: &str = "-- rebuild to add tier\nCREATE TABLE agents_new (\n  id INTEGER PRIMARY KEY,\n  name TEXT NOT NULL,\n  tier TEXT\n);\nINSERT INTO agents_new (id, name) SELECT id, name FROM agents;\nDROP TABLE agents;\nALTER TABLE agents_new RENAME TO agents;\n";
    const AGENTS_0029: &str = "INSERT INTO agents (name, metadata)\nVALUES ('system', '{}');\n";

    #[test]
    fn foreign_key_actions_are_read_from_each_form() {
        use crate::schema::FkAction::*;
        let sql = "CREATE TABLE p (id int PRIMARY KEY, k int UNIQUE);\nCREATE TABLE c (\n  id int PRIMARY KEY,\n  a int REFERENCES p (id) ON DELETE CASCADE,\n  b int,\n  k int REFERENCES p (k),\n  FOREIGN KEY (b) REFERENCES p (id) ON UPDATE SET NULL ON DELETE set default\n);\nCREATE TABLE d (id int PRIMARY KEY, e int);\nALTER TABLE d ADD CONSTRAINT fk_d_e FOREIGN KEY (e) REFERENCES p (id) ON DELETE RESTRICT ON UPDATE NO ACTION;\n";
        for dialect in [Dialect::Postgresql, Dialect::Mysql, Dialect::Sqlite] {
            let m = run(dialect, &[("m/0001.sql", sql)]);
            assert!(m.findings.is_empty(), "{dialect:?}: {:?}", rules_of(&m));
            let actions = |t: &str, col: &str| {
                m.schema.tables.get(t).and_then(|t| {
                    t.foreign_keys
                        .iter()
                        .find(|f| f.columns == [col])
                        .map(|f| (f.on_delete, f.on_update))
                })
            };
            assert_eq!(
                actions("c", "a"),
                Some((Some(Cascade), None)),
                "{dialect:?}"
            );
            assert_eq!(actions("c", "k"), Some((None, None)), "{dialect:?}");
            assert_eq!(
                actions("c", "b"),
                Some((Some(SetDefault), Some(SetNull))),
                "{dialect:?}"
            );
            assert_eq!(
                actions("d", "e"),
                Some((Some(Restrict), Some(NoAction))),
                "{dialect:?}"
            );
        }
    }

    #[test]
    fn mysql_first_and_after_place_columns_as_the_server_does() {
        let m = run(
            Dialect::Mysql,
            &[(
                "m/0001.sql",
                "CREATE TABLE t (a int, b int, c int);\nALTER TABLE t ADD COLUMN x int AFTER a;\nALTER TABLE t ADD COLUMN y int FIRST;\nALTER TABLE t MODIFY COLUMN c bigint AFTER y;\nALTER TABLE t CHANGE COLUMN b bb int AFTER nowhere;\nALTER TABLE t CHANGE COLUMN a aa int AFTER x;",
            )],
        );
        assert_eq!(columns(&m, "t"), ["y", "c", "x", "aa", "bb"]);
    }

    #[test]
    fn mariadb_json_is_longtext_checked_by_json_valid() {
        let m = run(
            Dialect::Mysql,
            &[(
                "m/0001.sql",
                "CREATE TABLE `t` (\n  `meta` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`meta`)),\n  `other` longtext CHECK (json_valid(`meta`)),\n  `plain` longtext\n) ENGINE=InnoDB;",
            )],
        );
        let types: Vec<SqlType> = m.schema.tables["t"]
            .columns
            .iter()
            .map(|c| c.ty.clone())
            .collect();
        assert_eq!(
            types,
            [
                SqlType::Json { binary: false },
                SqlType::Text,
                SqlType::Text
            ]
        );
    }

    #[test]
    fn mysql_create_table_like_copies_columns_but_not_foreign_keys() {
        let m = run(
            Dialect::Mysql,
            &[(
                "m/0001.sql",
                "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE `a` (`id` int NOT NULL AUTO_INCREMENT, `p_id` int, PRIMARY KEY (`id`), KEY `ix` (`p_id`), FOREIGN KEY (`p_id`) REFERENCES p (id));\nCREATE TABLE `a_archive` LIKE `a`;\nCREATE TABLE b LIKE missing;",
            )],
        );
        assert_eq!(columns(&m, "a_archive"), ["id", "p_id"]);
        let t = &m.schema.tables["a_archive"];
        assert_eq!(t.primary_key, ["id"]);
        assert_eq!(t.indexes.len(), 1);
        assert!(t.foreign_keys.is_empty());
        assert!(columns(&m, "b").is_empty());
        assert!(!rules_of(&m).contains(&"MG201"), "{:?}", rules_of(&m));
    }

    #[test]
    fn mysql_add_column_list_in_parentheses_adds_each_column() {
        let m = run(
            Dialect::Mysql,
            &[(
                "m/0001.sql",
                "CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN (r int, s varchar(5) NOT NULL DEFAULT 'x,y'), ADD (t decimal(10, 2));",
            )],
        );
        assert_eq!(columns(&m, "a"), ["id", "r", "s", "t"]);
        assert!(m.findings.is_empty(), "{:?}", rules_of(&m));
    }

    #[test]
    fn mysql_8_dump_table_options_partitions_and_index_options_are_read() {
        let m = run(
            Dialect::Mysql,
            &[(
                "m/0001.sql",
                "CREATE TABLE `a` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `z` int(5) unsigned zerofill DEFAULT NULL,\n  `body` text,\n  PRIMARY KEY (`id`),\n  KEY `k` (`z`) KEY_BLOCK_SIZE=8,\n  FULLTEXT KEY `ft` (`body`) /*!50100 WITH PARSER `ngram` */ \n) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci /*!80016 DEFAULT ENCRYPTION='N' */\n/*!50100 PARTITION BY HASH (`id`)\nPARTITIONS 4 */;\nCREATE TABLE b (id int) ENGINE=InnoDB PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN MAXVALUE);",
            )],
        );
        assert!(m.findings.is_empty(), "{:?}", rules_of(&m));
        assert_eq!(columns(&m, "a"), ["id", "z", "body"]);
        assert!(m.schema.tables["a"]
            .indexes
            .iter()
            .any(|i| i.name.as_deref() == Some("k")));
        assert_eq!(columns(&m, "b"), ["id"]);
    }

    #[test]
    fn mysql_drop_key_drops_the_index() {
        let m = run(
            Dialect::Mysql,
            &[(
                "m/0001.sql",
                "CREATE TABLE b (id int, a_id int, KEY `ix_a` (a_id), KEY ix_id (id), CONSTRAINT chk CHECK (id > 0));\nALTER TABLE b DROP KEY `ix_a`, ALGORITHM=INPLACE;\nALTER TABLE `b` DROP KEY ix_id;\nALTER TABLE b DROP CHECK chk;",
            )],
        );
        assert!(m.findings.is_empty(), "{:?}", rules_of(&m));
        assert!(m.schema.tables["b"].indexes.is_empty());
        assert!(m.schema.tables["b"].checks.is_empty());
    }

    #[test]
    fn mysql_unnamed_indexes_take_their_first_column_name() {
        let m = run(
            Dialect::Mysql,
            &[(
                "m/0001.sql",
                "CREATE TABLE b (id int, a_id int, x int, index (a_id), KEY (a_id, x), UNIQUE KEY (x));\nALTER TABLE b ADD INDEX (x);\nALTER TABLE b DROP KEY a_id;",
            )],
        );
        let names: Vec<_> = m.schema.tables["b"]
            .indexes
            .iter()
            .map(|i| i.name.clone().unwrap_or_default())
            .collect();
        assert_eq!(names, ["a_id_2", "x", "x_2"]);
    }

    #[test]
    fn mysql_rename_table_retargets_foreign_keys_of_other_tables() {
        let m = run(
            Dialect::Mysql,
            &[(
                "m/0001.sql",
                "CREATE TABLE `products` (`id` int unsigned NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;\nCREATE TABLE `lines` (`id` int NOT NULL, `product_id` int unsigned NOT NULL, CONSTRAINT `fk` FOREIGN KEY (`product_id`) REFERENCES `products` (`id`)) ENGINE=InnoDB;\nRENAME TABLE `products` TO `catalog_products`;",
            )],
        );
        let refs: Vec<String> = m.schema.tables["lines"]
            .foreign_keys
            .iter()
            .map(|f| f.ref_table.clone())
            .collect();
        assert_eq!(refs, ["catalog_products"]);
    }

    #[test]
    fn seed_001_insert_names_a_column_lost_in_a_rebuild() {
        let m = run(
            Dialect::Sqlite,
            &[
                ("m/0001_agents.sql", AGENTS_0001),
                ("m/0020_rebuild.sql", AGENTS_0020),
                ("m/0029_seed.sql", AGENTS_0029),
            ],
        );
        // the rebuild loses the column (MG302), the seed then names it (MG202)
        assert_eq!(rules_of(&m), ["MG302", "MG202"], "{:#?}", m.findings);
        assert_eq!(
            m.findings[0].fingerprint,
            "MG302::m/0020_rebuild.sql::agents.metadata"
        );
        let f = &m.findings[1];
        assert_eq!(f.column.as_deref(), Some("metadata"));
        assert_eq!(f.fingerprint, "MG202:agents.metadata:unknown");
        let loc = f
            .location
            .as_ref()
            .map(|l| (l.path.to_string(), l.start.line, l.start.col));
        assert_eq!(loc, Some(("m/0029_seed.sql".into(), 1, 27)));
        let rel = &f.related[0];
        assert_eq!(&*rel.location.path, "m/0020_rebuild.sql");
        assert_eq!(
            rel.location.start.line, 2,
            "points at CREATE TABLE agents_new"
        );
        assert!(rel.message.contains("`metadata` was lost"));
        assert!(f
            .help
            .as_deref()
            .unwrap_or("")
            .contains("ADD COLUMN metadata TEXT DEFAULT '{}'"));
        assert!(m
            .lost_columns
            .contains_key(&("agents".into(), "metadata".into())));
        assert_eq!(columns(&m, "agents"), ["id", "name", "tier"]);
        assert!(m
            .schema
            .tables
            .get("agents")
            .and_then(|t| t.column("id"))
            .is_some_and(|c| c.autoincrement && !c.nullable));
        assert_eq!(m.migrations, 3);
    }

    #[test]
    fn seed_001_is_clean_once_the_column_is_added_back() {
        let m = run(
            Dialect::Sqlite,
            &[
                ("m/0001_agents.sql", AGENTS_0001),
                ("m/0020_rebuild.sql", AGENTS_0020),
                (
                    "m/0027_metadata.sql",
                    "ALTER TABLE agents ADD COLUMN metadata TEXT DEFAULT '{}';",
                ),
                ("m/0029_seed.sql", AGENTS_0029),
            ],
        );
        // the data 0020 lost stays lost: only the safety lint remains
        assert_eq!(rules_of(&m), ["MG302"], "{:#?}", m.findings);
        assert!(m.lost_columns.is_empty());
        assert_eq!(columns(&m, "agents"), ["id", "name", "tier", "metadata"]);
    }

    #[test]
    fn rebuild_by_renaming_the_old_table_away_records_lost_columns() {
        let m = run(
            Dialect::Sqlite,
            &[
                ("a.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);"),
                (
                    "b.sql",
                    "ALTER TABLE t RENAME TO t_old;\nCREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\nINSERT INTO t (id, a) SELECT id, a FROM t_old;\nDROP TABLE t_old;",
                ),
            ],
        );
        // neither the rename nor the drop: only the column the rebuild lost
        let fps: Vec<&str> = m.findings.iter().map(|f| f.fingerprint.as_str()).collect();
        assert_eq!(fps, ["MG302::b.sql::t.b"], "{:#?}", m.findings);
        assert_eq!(m.schema.tables.keys().collect::<Vec<_>>(), ["t"]);
        let lost = m.lost_columns.get(&("t".into(), "b".into()));
        assert_eq!(lost.map(|l| l.start.line), Some(2));
        assert!(m.dropped_tables.is_empty());
    }

    #[test]
    fn unknown_table_is_reported_once_and_dropped_tables_are_remembered() {
        let m = run(
            Dialect::Postgresql,
            &[
                ("1.sql", "ALTER TABLE ghost ADD COLUMN x int;\nALTER TABLE ghost DROP COLUMN y;\nCREATE INDEX ix ON ghost (x);"),
                ("2.sql", "CREATE TABLE t (id int);\nDROP TABLE t;\nALTER TABLE IF EXISTS t ADD COLUMN z int;\nDROP TABLE IF EXISTS t;\nALTER TABLE t ADD COLUMN z int;"),
                ("3.sql", "ALTER TABLE auth.users ADD COLUMN x int; INSERT INTO schema_migrations (version) VALUES ('1');"),
            ],
        );
        assert_eq!(rules_of(&m), ["MG201", "MG201"], "{:#?}", m.findings);
        assert_eq!(m.findings[0].fingerprint, "MG201:ghost:unknown");
        assert_eq!(
            m.findings[1].location.as_ref().map(|l| l.start.line),
            Some(5)
        );
        assert!(m.findings[1].related[0].message.contains("dropped"));
        assert!(m.dropped_tables.contains_key("t"));
        let m = run(
            Dialect::Sqlite,
            &[("1.sql", "CREATE TABLE a (id INTEGER);\nALTER TABLE a RENAME TO b;\nINSERT INTO a (id) VALUES (1);")],
        );
        assert_eq!(rules_of(&m), ["MG201"]);
        assert_eq!(
            m.findings[0].label.as_deref(),
            Some("`a` was renamed to `b`")
        );
    }

    #[test]
    fn duplicate_table_and_column_are_reported_unless_if_not_exists() {
        let m = run(
            Dialect::Sqlite,
            &[
                ("1.sql", "CREATE TABLE t (id INTEGER, a TEXT);"),
                ("2.sql", "CREATE TABLE IF NOT EXISTS t (id INTEGER);\nCREATE TABLE t (id INTEGER);\nALTER TABLE t ADD COLUMN a TEXT;\nALTER TABLE t ADD COLUMN IF NOT EXISTS a TEXT;"),
            ],
        );
        assert_eq!(rules_of(&m), ["MG203", "MG203"], "{:#?}", m.findings);
        assert_eq!(m.findings[0].fingerprint, "MG203:t:duplicate");
        assert_eq!(m.findings[1].fingerprint, "MG203:t.a:duplicate");
        assert_eq!(columns(&m, "t"), ["id", "a"]);
    }

    #[test]
    fn unknown_columns_in_alter_drop_rename_and_index() {
        let m = run(
            Dialect::Postgresql,
            &[(
                "1.sql",
                "CREATE TABLE t (id int);\nALTER TABLE t DROP COLUMN a;\nALTER TABLE t RENAME COLUMN b TO c;\nALTER TABLE t ALTER COLUMN d SET NOT NULL;\nCREATE INDEX ix ON t (e);\nALTER TABLE t DROP COLUMN IF EXISTS f;",
            )],
        );
        let cols: Vec<_> = m
            .findings
            .iter()
            .map(|f| (f.rule.id, f.column.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            cols,
            [
                ("MG202", "a".into()),
                ("MG202", "b".into()),
                ("MG202", "d".into()),
                ("MG202", "e".into())
            ]
        );
    }

    #[test]
    fn truncated_create_table_is_mg205_and_replay_goes_on() {
        let m = run(
            Dialect::Sqlite,
            &[
                ("1.sql", "CREATE TABLE a (id INTEGER, name TEXT;\nCREATE TABLE b (id INTEGER);\n"),
                ("2.sql", "ALTER TABLE a ADD COLUMN x TEXT;\nALTER TABLE b ADD COLUMN y TEXT;\nCREATE TABLE c (v TEXT DEFAULT 'unterminated);\n"),
                ("3.sql", "CREATE TABLE d (id INTEGER);"),
            ],
        );
        assert_eq!(rules_of(&m), ["MG205", "MG205"], "{:#?}", m.findings);
        assert_eq!(m.findings[0].table.as_deref(), Some("a"));
        assert_eq!(
            m.findings[0].location.as_ref().map(|l| l.start.line),
            Some(1)
        );
        assert!(m.findings[1]
            .label
            .as_deref()
            .unwrap_or("")
            .contains("Unterminated"));
        assert_eq!(columns(&m, "b"), ["id", "y"]);
        assert!(m.schema.tables.contains_key("d"));
        assert_eq!(m.findings[0].fingerprint, "MG205:a:unparsed:1.sql");
    }

    #[test]
    fn postgresql_heavy_migration_replays_without_findings() {
        let sql = r#"
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE TYPE status AS ENUM ('draft', 'live');
CREATE TABLE public.jobs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_uuid uuid NOT NULL DEFAULT uuid_generate_v4(),
    status status NOT NULL DEFAULT 'draft',
    total numeric(10, 2),
    doubled numeric GENERATED ALWAYS AS (total * 2) STORED,
    tags text[],
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE accounts (id serial PRIMARY KEY, email varchar(200) UNIQUE, job_id bigint REFERENCES jobs (id) ON DELETE CASCADE);
CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$
BEGIN
  NEW.created_at := now(); -- ; inside
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER jobs_touch BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION touch();
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'x') THEN CREATE TYPE x AS ENUM ('a'); END IF;
END $$;
CREATE VIEW live_jobs AS SELECT * FROM jobs WHERE status = 'live';
CREATE SEQUENCE seq_x START 1;
GRANT SELECT ON jobs TO reader;
COMMENT ON TABLE jobs IS 'jobs; with semicolon';
ALTER TABLE jobs ALTER COLUMN total TYPE numeric(12, 2) USING total::numeric(12, 2);
ALTER TABLE jobs ALTER COLUMN total SET NOT NULL, ALTER COLUMN total SET DEFAULT 0;
ALTER TABLE ONLY jobs ADD COLUMN IF NOT EXISTS note text;
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS jobs_uuid_live ON jobs (job_uuid) WHERE status = 'live';
CREATE INDEX jobs_lower ON jobs (lower(note));
DROP INDEX CONCURRENTLY IF EXISTS jobs_old;
ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived' AFTER 'live';
ALTER TYPE status RENAME TO job_status;
UPDATE jobs SET note = 'x;y' WHERE id = 1;
SET search_path = public;
BEGIN; COMMIT;
"#;
        let m = run(Dialect::Postgresql, &[("1.sql", sql)]);
        assert!(m.findings.is_empty(), "{:#?}", m.findings);
        let jobs = m.schema.tables.get("jobs").expect("jobs");
        let id = jobs.column("id").expect("id");
        assert!(id.autoincrement && !id.nullable);
        assert_eq!(jobs.primary_key, ["id"]);
        let total = jobs.column("total").expect("total");
        assert_eq!(
            total.ty,
            SqlType::Decimal {
                precision: Some(12),
                scale: Some(2)
            }
        );
        assert!(!total.nullable);
        assert_eq!(total.default.as_ref().map(|d| d.raw.as_str()), Some("0"));
        assert_eq!(
            jobs.column("status").map(|c| c.ty.clone()),
            Some(SqlType::Enum {
                name: Some("job_status".into()),
                values: vec!["draft".into(), "live".into(), "archived".into()]
            })
        );
        assert!(jobs
            .column("doubled")
            .is_some_and(|c| c.autoincrement && c.nullable));
        assert!(jobs.column("note").is_some());
        assert_eq!(jobs.indexes.len(), 1, "the expression index is left out");
        let acc = m.schema.tables.get("accounts").expect("accounts");
        assert!(acc
            .column("id")
            .is_some_and(|c| c.autoincrement && !c.nullable));
        assert!(acc.column("email").is_some_and(|c| c.unique));
        assert_eq!(
            acc.foreign_keys.first().map(|f| f.ref_table.as_str()),
            Some("jobs")
        );
        assert_eq!(
            m.schema.enums.get("job_status").map(|e| e.values.len()),
            Some(3)
        );
    }

    #[test]
    fn mysql_forms() {
        let sql = "CREATE TABLE `users` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `name` varchar(50) DEFAULT NULL,\n  `kind` enum('a','b') NOT NULL,\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `uq_name` (`name`),\n  KEY `ix_kind` (`kind`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\nALTER TABLE users MODIFY COLUMN name varchar(100) NOT NULL;\nALTER TABLE users CHANGE COLUMN kind category varchar(10) NULL;\nRENAME TABLE users TO members;\nALTER TABLE members ADD COLUMN IF NOT EXISTS bio TEXT, DROP INDEX ix_kind;\nDROP INDEX uq_name ON members;\n";
        let m = run(Dialect::Mysql, &[("1.sql", sql)]);
        assert!(m.findings.is_empty(), "{:#?}", m.findings);
        let t = m.schema.tables.get("members").expect("members");
        assert_eq!(columns(&m, "members"), ["id", "name", "category", "bio"]);
        assert!(t
            .column("id")
            .is_some_and(|c| c.autoincrement && !c.nullable));
        assert_eq!(
            t.column("name").map(|c| (c.ty.clone(), c.nullable)),
            Some((
                SqlType::String {
                    len: Some(100),
                    fixed: false
                },
                false
            ))
        );
        assert!(t.column("category").is_some_and(|c| c.nullable));
        assert!(t.indexes.is_empty(), "{:?}", t.indexes);
        assert!(m
            .lost_columns
            .contains_key(&("members".into(), "kind".into())));
    }

    #[test]
    fn sqlite_forms() {
        let sql = "PRAGMA foreign_keys=OFF;\nCREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT NOT NULL DEFAULT 'x', y INT);\nALTER TABLE a RENAME COLUMN x TO z;\nALTER TABLE a DROP COLUMN y;\nALTER TABLE a ADD COLUMN IF NOT EXISTS w TEXT;\nCREATE TABLE snap AS SELECT * FROM a;\nINSERT INTO snap (anything) VALUES (1);\nCREATE TEMP TABLE scratch (v TEXT);\nCREATE TRIGGER tr AFTER INSERT ON a BEGIN INSERT INTO nowhere (q) VALUES (NEW.id); END;\nDROP TABLE IF EXISTS nothing;\n";
        let m = run(Dialect::Sqlite, &[("1.sql", sql)]);
        assert!(m.findings.is_empty(), "{:#?}", m.findings);
        assert_eq!(columns(&m, "a"), ["id", "z", "w"]);
        assert!(m.schema.tables.contains_key("snap"));
        assert_eq!(m.opaque_tables.iter().collect::<Vec<_>>(), ["snap"]);
        assert!(
            !m.schema.tables.contains_key("scratch"),
            "temporary tables end with their migration"
        );
        assert!(m.lost_columns.contains_key(&("a".into(), "y".into())));
        assert!(m.lost_columns.contains_key(&("a".into(), "x".into())));
    }

    #[test]
    fn apply_sql_reads_a_fragment_inside_another_file() {
        let py = "def upgrade():\n    op.execute(\"CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN x text\")\n";
        let file = SourceFile::new("versions/1.py", py);
        let start = py.find("CREATE").unwrap_or(0);
        let end = py.rfind('"').unwrap_or(py.len());
        let mut state = Replay::new(Dialect::Postgresql);
        apply_sql(&mut state, &file, start..end, Dialect::Postgresql);
        apply_sql(&mut state, &file, start..end, Dialect::Postgresql);
        let m = state.finish(1);
        assert_eq!(rules_of(&m), ["MG203", "MG203"]);
        let l = m.findings[1]
            .location
            .as_ref()
            .map(|l| (l.start.line, l.start.col));
        assert_eq!(l, Some((2, 67)), "at the duplicated column `x`");
    }

    #[test]
    fn alter_table_with_an_unsupported_operation_keeps_the_others() {
        let m = run(
            Dialect::Mysql,
            &[(
                "1.sql",
                "CREATE TABLE t (a int);\nALTER TABLE t ENGINE=InnoDB, ADD COLUMN x int NOT NULL, CONVERT TO CHARACTER SET utf8mb4;\nALTER TABLE t ADD COLUMN y int, ADD COLUMN z int BOGUS SYNTAX HERE;",
            )],
        );
        assert_eq!(rules_of(&m), ["MG205"], "{:#?}", m.findings);
        let f = &m.findings[0];
        assert_eq!(
            f.location.as_ref().map(|l| (l.start.line, l.start.col)),
            Some((3, 33))
        );
        assert_eq!(columns(&m, "t"), ["a", "x", "y"]);
        assert!(m
            .schema
            .tables
            .get("t")
            .and_then(|t| t.column("x"))
            .is_some_and(|c| !c.nullable));
    }

    #[test]
    fn ddl_inside_do_blocks_is_applied_quietly() {
        let sql = "CREATE TABLE t (a int);\nDO $body$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'x') THEN\n    ALTER TABLE t ADD COLUMN x text DEFAULT 'a;b';\n  END IF;\n  ALTER TABLE t RENAME COLUMN nope TO nada;\n  CREATE INDEX ix_t_x ON t (x);\nEXCEPTION WHEN duplicate_column THEN NULL;\nEND\n$body$;\nINSERT INTO t (a, x) VALUES (1, 'y');\nDO $$ BEGIN PERFORM 1; END $$;";
        let m = run(Dialect::Postgresql, &[("1.sql", sql)]);
        assert!(m.findings.is_empty(), "{:#?}", m.findings);
        let t = m.schema.tables.get("t").expect("t");
        let x = t.column("x").expect("x added by the DO block");
        assert_eq!(x.location.start.line, 5);
        assert_eq!(x.default.as_ref().map(|d| d.raw.as_str()), Some("'a;b'"));
        assert_eq!(t.indexes.len(), 1);
    }

    #[test]
    fn prisma_migrations_replay() {
        let pg = r#"-- CreateEnum
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'USER',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Post" (
    "id" SERIAL NOT NULL,
    "authorId" INTEGER NOT NULL,
    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
"#;
        let m = run(
            Dialect::Postgresql,
            &[("prisma/migrations/1_init/migration.sql", pg)],
        );
        assert!(m.findings.is_empty(), "{:#?}", m.findings);
        let user = m.schema.tables.get("user").expect("User");
        assert_eq!(user.name, "User");
        assert_eq!(user.primary_key, ["id"]);
        assert!(matches!(
            user.column("role").map(|c| &c.ty),
            Some(SqlType::Enum { name: Some(_), .. })
        ));
        assert!(user
            .indexes
            .iter()
            .any(|i| i.unique && i.columns == ["email"]));
        assert_eq!(
            m.schema.tables.get("post").map(|t| t.foreign_keys.len()),
            Some(1)
        );

        let lite = r#"-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Post" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "title" TEXT NOT NULL
);
INSERT INTO "new_Post" ("id", "title") SELECT "id", "title" FROM "Post";
DROP TABLE "Post";
ALTER TABLE "new_Post" RENAME TO "Post";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
"#;
        let m = run(
            Dialect::Sqlite,
            &[
                ("1/migration.sql", "CREATE TABLE \"Post\" (\"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, \"title\" TEXT NOT NULL, \"body\" TEXT);"),
                ("2/migration.sql", lite),
            ],
        );
        // Prisma's rebuild: only the column it loses is a safety finding
        let fps: Vec<&str> = m.findings.iter().map(|f| f.fingerprint.as_str()).collect();
        assert_eq!(
            fps,
            ["MG302::2/migration.sql::post.body"],
            "{:#?}",
            m.findings
        );
        assert_eq!(columns(&m, "post"), ["id", "title"]);
        assert!(m.lost_columns.contains_key(&("post".into(), "body".into())));
    }

    #[test]
    fn set_schema_moves_the_table() {
        let m = run(
            Dialect::Postgresql,
            &[("1.sql", "CREATE SCHEMA app;\nCREATE TABLE t (id int);\nALTER TABLE t SET SCHEMA app;\nALTER TABLE app.t ADD COLUMN x int;")],
        );
        assert!(m.findings.is_empty(), "{:#?}", m.findings);
        assert_eq!(m.schema.tables.keys().collect::<Vec<_>>(), ["app.t"]);
    }

    #[test]
    fn index_renames_are_followed() {
        let m = run(
            Dialect::Postgresql,
            &[("1.sql", "CREATE TABLE t (a int, b int);\nCREATE INDEX ix_a ON t (a);\nALTER INDEX IF EXISTS public.ix_a RENAME TO ix_a2;\nALTER INDEX ix_a2 SET (fillfactor = 50);\nDROP INDEX ix_a2;\nCREATE INDEX ix_b ON t (b);\nALTER INDEX ix_b RENAME TO ix_b2;")],
        );
        assert!(m.findings.is_empty(), "{:#?}", m.findings);
        let names: Vec<_> = m
            .schema
            .tables
            .get("t")
            .map(|t| t.indexes.iter().filter_map(|i| i.name.clone()).collect())
            .unwrap_or_default();
        assert_eq!(names, ["ix_b2"]);
        let m = run(
            Dialect::Mysql,
            &[("1.sql", "CREATE TABLE t (a int, KEY ix_a (a));\nALTER TABLE t RENAME INDEX ix_a TO ix_new, ENGINE=InnoDB;")],
        );
        assert!(m.findings.is_empty(), "{:#?}", m.findings);
        let names: Vec<_> = m
            .schema
            .tables
            .get("t")
            .map(|t| t.indexes.iter().filter_map(|i| i.name.clone()).collect())
            .unwrap_or_default();
        assert_eq!(names, ["ix_new"]);
    }

    #[test]
    fn identity_columns_come_and_go() {
        let m = run(
            Dialect::Postgresql,
            &[(
                "1.sql",
                "CREATE TABLE a (id int GENERATED BY DEFAULT AS IDENTITY (START WITH 10 INCREMENT BY 1) PRIMARY KEY, n int);\nALTER TABLE a ALTER COLUMN id DROP IDENTITY IF EXISTS, ALTER COLUMN n SET STATISTICS 10;\nALTER TABLE a ALTER COLUMN n ADD GENERATED ALWAYS AS IDENTITY;",
            )],
        );
        assert!(m.findings.is_empty(), "{:#?}", m.findings);
        let a = m.schema.tables.get("a").expect("a");
        assert!(a
            .column("id")
            .is_some_and(|c| !c.autoincrement && !c.nullable));
        assert!(a
            .column("n")
            .is_some_and(|c| c.autoincrement && !c.nullable));
    }

    #[test]
    fn views_virtual_and_partition_tables_are_not_unknown() {
        let m = run(
            Dialect::Postgresql,
            &[(
                "1.sql",
                "CREATE TABLE events (id int, at timestamptz) PARTITION BY RANGE (at);\nCREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\nINSERT INTO events_2024 (id, at) VALUES (1, now());\nCREATE MATERIALIZED VIEW mv AS SELECT 1;\nALTER TABLE mv RENAME TO mv2;\nCREATE VIEW v AS SELECT * FROM events;\nINSERT INTO v (id) VALUES (1);",
            )],
        );
        assert!(m.findings.is_empty(), "{:#?}", m.findings);
        let m = run(
            Dialect::Sqlite,
            &[("1.sql", "CREATE VIRTUAL TABLE docs USING fts5(title, body);\nINSERT INTO docs (title, body) VALUES ('a', 'b');")],
        );
        assert!(m.findings.is_empty(), "{:#?}", m.findings);
        assert!(m.schema.tables.is_empty());
    }

    #[test]
    fn postgres_names_unnamed_unique_constraints_and_indexes_as_the_server_does() {
        // names checked against PostgreSQL 15; a constraint keeps the name it
        // got at creation when its column is renamed later
        let long = "a_rather_long_table_name_for_federated_posts";
        let sql = format!(
            "CREATE TABLE v (id int PRIMARY KEY, thread_id int, user_id int, UNIQUE (thread_id, user_id));\nALTER TABLE v RENAME COLUMN user_id TO person_id;\nCREATE TABLE {long} (an_equally_long_column_name_of_the_thing int, b int, UNIQUE (an_equally_long_column_name_of_the_thing, b));\nCREATE INDEX ON {long} (b);\nCREATE INDEX ON {long} (b);\nALTER TABLE v ADD UNIQUE (person_id);"
        );
        let m = run(Dialect::Postgresql, &[("1.sql", sql.as_str())]);
        let names = |t: &str| -> Vec<String> {
            m.schema.tables[t]
                .indexes
                .iter()
                .map(|i| i.name.clone().unwrap_or_default())
                .collect()
        };
        assert_eq!(names("v"), ["v_thread_id_user_id_key", "v_person_id_key"]);
        assert_eq!(
            names(long),
            [
                "a_rather_long_table_name_for__an_equally_long_column_name_o_key",
                "a_rather_long_table_name_for_federated_posts_b_idx",
                "a_rather_long_table_name_for_federated_posts_b_idx1",
            ]
        );
        let drops = format!("{sql}\nALTER TABLE v DROP CONSTRAINT v_thread_id_user_id_key;\nDROP INDEX {long}_b_idx1;");
        let m = run(Dialect::Postgresql, &[("1.sql", drops.as_str())]);
        assert!(m.findings.is_empty(), "{:?}", rules_of(&m));
        let cols = |t: &str| -> Vec<Vec<String>> {
            m.schema.tables[t]
                .indexes
                .iter()
                .map(|i| i.columns.clone())
                .collect()
        };
        assert_eq!(cols("v"), [["person_id"]]);
        assert_eq!(cols(long).len(), 2);
        // other dialects name indexes their own way
        let m = run(
            Dialect::Sqlite,
            &[("1.sql", "CREATE TABLE v (a int, UNIQUE (a));")],
        );
        assert_eq!(m.schema.tables["v"].indexes[0].name, None);
    }

    #[test]
    fn postgres_default_names_let_foreign_keys_and_inline_uniques_be_dropped() {
        let sql = "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE a (id int PRIMARY KEY, domain text UNIQUE, admin_id int REFERENCES p ON DELETE CASCADE);\nALTER TABLE a DROP CONSTRAINT a_admin_id_fkey;\nALTER TABLE a ADD CONSTRAINT a_admin_id_fkey FOREIGN KEY (admin_id) REFERENCES p (id) ON DELETE SET NULL;\nALTER TABLE a DROP CONSTRAINT a_domain_key;\nALTER TABLE a ADD COLUMN owner_id int REFERENCES p;";
        let m = run(Dialect::Postgresql, &[("1.sql", sql)]);
        assert!(m.findings.is_empty(), "{:?}", rules_of(&m));
        let t = &m.schema.tables["a"];
        let fks: Vec<_> = t
            .foreign_keys
            .iter()
            .map(|f| (f.name.clone().unwrap_or_default(), f.on_delete))
            .collect();
        assert_eq!(
            fks,
            [
                (
                    "a_admin_id_fkey".to_string(),
                    Some(crate::schema::FkAction::SetNull)
                ),
                ("a_owner_id_fkey".to_string(), None)
            ]
        );
        assert!(t.column("domain").is_some_and(|c| !c.unique));
    }

    #[test]
    fn checks_follow_renamed_columns_and_go_with_dropped_ones() {
        let sql = "CREATE TABLE b (id int PRIMARY KEY, priority int, note text, lower text);\nALTER TABLE b ADD CONSTRAINT b_priority_check CHECK (priority >= 0);\nALTER TABLE b ADD CHECK (char_length(note) <= 10 AND note <> 'priority');\nALTER TABLE b ADD CHECK (lower(lower) = lower);\nALTER TABLE b RENAME COLUMN priority TO rank;\nALTER TABLE b RENAME COLUMN lower TO name;\nALTER TABLE b DROP COLUMN note;";
        for dialect in [Dialect::Postgresql, Dialect::Sqlite] {
            let m = run(dialect, &[("1.sql", sql)]);
            let checks: Vec<String> = m.schema.tables["b"]
                .checks
                .iter()
                .map(|c| c.sql.clone())
                .collect();
            assert_eq!(checks, ["rank >= 0", "lower(name) = name"], "{dialect:?}");
        }
    }

    #[test]
    fn renamed_constraints_are_found_by_their_new_name() {
        let sql = "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE t (id int PRIMARY KEY, a int REFERENCES p, b int, CONSTRAINT b_pos CHECK (b > 0), UNIQUE (b));\nALTER TABLE t RENAME CONSTRAINT t_a_fkey TO t_a_fk;\nALTER TABLE t RENAME CONSTRAINT b_pos TO t_b_positive;\nALTER TABLE t RENAME CONSTRAINT t_b_key TO t_b_unique;\nALTER TABLE t DROP CONSTRAINT t_a_fk;\nALTER TABLE t DROP CONSTRAINT t_b_positive;\nALTER TABLE t DROP CONSTRAINT t_b_unique;";
        let m = run(Dialect::Postgresql, &[("1.sql", sql)]);
        assert!(m.findings.is_empty(), "{:?}", rules_of(&m));
        let t = &m.schema.tables["t"];
        assert!(t.foreign_keys.is_empty(), "{:?}", t.foreign_keys);
        assert!(t.checks.is_empty(), "{:?}", t.checks);
        assert!(t.indexes.is_empty(), "{:?}", t.indexes);
    }

    #[test]
    fn drop_expression_makes_a_computed_column_plain() {
        let sql = "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED);\nALTER TABLE t ALTER COLUMN b DROP EXPRESSION;";
        let m = run(Dialect::Postgresql, &[("1.sql", sql)]);
        assert!(m.findings.is_empty(), "{:?}", rules_of(&m));
        assert!(m.schema.tables["t"]
            .column("b")
            .is_some_and(|c| !c.autoincrement));
    }

    #[test]
    fn column_types_map_to_the_ir() {
        let m = run(
            Dialect::Postgresql,
            &[(
                "1.sql",
                "CREATE TABLE t (a character varying(20), b timestamp with time zone, c double precision, d text[], e jsonb, f int4, g bigserial, h boolean NOT NULL DEFAULT false, i CITEXT);",
            )],
        );
        let t = m.schema.tables.get("t").expect("t");
        let ty = |c: &str| t.column(c).map(|c| c.ty.clone());
        assert_eq!(
            ty("a"),
            Some(SqlType::String {
                len: Some(20),
                fixed: false
            })
        );
        assert_eq!(ty("b"), Some(SqlType::Timestamp { tz: true }));
        assert_eq!(ty("c"), Some(SqlType::Float { double: true }));
        assert_eq!(ty("d"), Some(SqlType::Array(Box::new(SqlType::Text))));
        assert_eq!(ty("e"), Some(SqlType::Json { binary: true }));
        assert_eq!(ty("f"), Some(SqlType::Integer { bytes: 4 }));
        assert_eq!(ty("g"), Some(SqlType::Integer { bytes: 8 }));
        assert!(t
            .column("g")
            .is_some_and(|c| c.autoincrement && !c.nullable));
        assert!(t.column("h").is_some_and(
            |c| !c.nullable && c.default.as_ref().is_some_and(|d| d.normalized == "false")
        ));
        assert_eq!(ty("i"), Some(SqlType::Text));
        let m = run(
            Dialect::Mysql,
            &[("1.sql", "CREATE TABLE t (a INT(11) UNSIGNED NOT NULL, b DATETIME(6), c ENUM('x', 'y') DEFAULT 'x', d TINYINT(1));")],
        );
        let t = m.schema.tables.get("t").expect("t");
        let ty = |c: &str| t.column(c).map(|c| c.ty.clone());
        assert_eq!(ty("a"), Some(SqlType::Integer { bytes: 4 }));
        assert_eq!(ty("b"), Some(SqlType::Timestamp { tz: false }));
        assert_eq!(
            ty("c"),
            Some(SqlType::Enum {
                name: None,
                values: vec!["x".into(), "y".into()]
            })
        );
        assert_eq!(ty("d"), Some(SqlType::Integer { bytes: 1 }));
    }

    #[test]
    fn deeply_nested_statements_do_not_overflow_the_stack() {
        let deep = format!(
            "CREATE TABLE t (a int DEFAULT {}1{});\nALTER TABLE t ADD COLUMN b int CHECK ({}b > 0{});\nCREATE TABLE after_it (id int);",
            "(".repeat(5000),
            ")".repeat(5000),
            "(".repeat(300),
            ")".repeat(300)
        );
        let m = run(Dialect::Postgresql, &[("1.sql", deep.as_str())]);
        assert!(m.schema.tables.contains_key("after_it"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(s in ".{0,200}", a in 0usize..250, b in 0usize..250) {
            for d in [Dialect::Postgresql, Dialect::Sqlite, Dialect::Mysql] {
                let file = SourceFile::new("x.sql", s.as_str());
                let mut state = Replay::new(d);
                apply_sql(&mut state, &file, a..b, d);
                apply_sql(&mut state, &file, 0..s.len(), d);
            }
        }

        #[test]
        fn never_panics_on_sql_like_text(parts in proptest::collection::vec(proptest::sample::select(vec![
            "CREATE", "TABLE", "t", "(", ")", "id", "INT", ",", ";", "'", "\"", "$$", "BEGIN", "END",
            "ALTER", "ADD", "COLUMN", "DROP", "INDEX", "ON", "RENAME", "TO", "INSERT", "INTO", "VALUES",
            "--", "/*", "*/", "\n", "DELIMITER", "//", "TRIGGER", "CASE", "IF", "NOT", "EXISTS", "x",
            "PRIMARY", "KEY", "REFERENCES", "TYPE", "ENUM", "AS", "SELECT", "é",
        ]), 0..60)) {
            let s = parts.join(" ");
            for d in [Dialect::Postgresql, Dialect::Sqlite, Dialect::Mysql] {
                let h = history(&[("a.sql", s.as_str()), ("b.sql", s.as_str())]);
                let _ = replay(&h, d);
            }
        }
    }
}

#[cfg(test)]
mod matrix {
    use super::*;
    use crate::migrations::MigrationUnit;

    fn findings(d: Dialect, setup: &str, stmt: &str) -> Vec<String> {
        let text = format!("{setup}\n{stmt};");
        let h = vec![History {
            units: vec![MigrationUnit {
                version: "1".into(),
                name: "x".into(),
                file: SourceFile::new("x.sql", text.as_str()),
                up: 0..text.len(),
                frontend: crate::migrations::Frontend::Sql,
            }],
            findings: Vec::new(),
            support: Vec::new(),
        }];
        replay(&h, d)
            .findings
            .iter()
            .map(|f| format!("{} {} {:?}", f.rule.id, f.message, f.label))
            .collect()
    }

    #[test]
    fn common_statements_replay_without_findings() {
        let pg_setup = "CREATE TYPE s AS ENUM ('a'); CREATE TABLE t (a int, b text, c s, CONSTRAINT c1 CHECK (a > 0)); CREATE TABLE p (id int PRIMARY KEY);";
        let pg = [
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
            "ALTER TABLE t VALIDATE CONSTRAINT c1",
            "ALTER TABLE t OWNER TO someone",
            "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE t ALTER COLUMN a TYPE bigint",
            "ALTER TABLE t ALTER COLUMN a SET DATA TYPE bigint",
            "ALTER TABLE t REPLICA IDENTITY FULL",
            "ALTER TABLE t ADD COLUMN x int GENERATED BY DEFAULT AS IDENTITY",
            "ALTER TABLE t ALTER COLUMN a ADD GENERATED ALWAYS AS IDENTITY",
            "ALTER TABLE t RENAME CONSTRAINT c1 TO c2",
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS zz",
            "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED",
            "ALTER TABLE t ADD PRIMARY KEY (a)",
            "CREATE INDEX ix ON t USING gin (b)",
            "CREATE INDEX ix ON t (a) INCLUDE (b)",
            "CREATE INDEX ix ON t (a DESC NULLS LAST)",
            "CREATE INDEX ix ON ONLY t (a)",
            "ALTER TYPE s RENAME VALUE 'a' TO 'b'",
            "ALTER TYPE s ADD VALUE 'z' BEFORE 'a'",
            "DROP TYPE IF EXISTS s CASCADE",
            "DROP TABLE IF EXISTS t, p CASCADE",
            "CREATE TABLE IF NOT EXISTS x (LIKE t INCLUDING ALL)",
            "CREATE TABLE x (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), at timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP)",
            "CREATE TABLE x (id int) WITH (fillfactor = 70)",
            "CREATE UNLOGGED TABLE x (id int)",
            "CREATE TABLE x (tags varchar(20)[] DEFAULT '{}'::varchar[])",
            "ALTER TABLE t ALTER COLUMN b SET DEFAULT ''::text",
            "ALTER TABLE t ADD COLUMN d timestamptz DEFAULT (now() AT TIME ZONE 'utc')",
            "ALTER TABLE public.t ADD COLUMN e int",
            "ALTER TABLE t ALTER COLUMN a SET STATISTICS 100",
            "ALTER TABLE t SET (fillfactor = 70)",
            "ALTER TABLE t ALTER COLUMN b SET STORAGE EXTERNAL",
            "ALTER TABLE IF EXISTS missing ATTACH PARTITION p DEFAULT",
            "ALTER TABLE IF EXISTS missing SET SCHEMA other",
            "CREATE TABLE ${schema}.x (id int)",
            "ALTER TABLE t RENAME a TO z",
            "ALTER TABLE t ALTER a SET NOT NULL",
            "ALTER TABLE t ALTER COLUMN a DROP IDENTITY IF EXISTS",
            "ALTER TABLE t ALTER COLUMN a SET GENERATED ALWAYS",
            "ALTER TABLE t ALTER COLUMN a SET GENERATED BY DEFAULT SET INCREMENT BY 2",
            "ALTER TABLE t ALTER COLUMN a DROP EXPRESSION IF EXISTS",
            "CREATE INDEX ON t (a)",
            "CREATE INDEX CONCURRENTLY ix ON t (a)",
            "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX ix",
            "ALTER TABLE t ALTER COLUMN a SET DEFAULT nextval('seq'::regclass)",
            "ALTER TABLE t ALTER COLUMN a TYPE int USING a::integer, ALTER COLUMN b SET NOT NULL",
            "CREATE TABLE x (id int GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 1))",
            "CREATE TABLE x (a int, b int, EXCLUDE USING gist (a WITH =))",
            "CREATE TEMPORARY TABLE x ON COMMIT DROP AS SELECT 1",
            "CREATE TABLE x AS SELECT max(a) AS m, b FROM t GROUP BY b WINDOW w AS (PARTITION BY b) ORDER BY 1 ~~~ nonsense",
            "ALTER TABLE t ADD COLUMN v tsvector GENERATED ALWAYS AS (to_tsvector('english', b)) STORED",
            "ALTER TABLE ${flyway:defaultSchema}.t ADD COLUMN q int",
        ];
        let my_setup = "CREATE TABLE t (a int, b text, CONSTRAINT fk FOREIGN KEY (a) REFERENCES t (a)); CREATE INDEX ix ON t (a);";
        let my = [
            "ALTER TABLE t ADD INDEX ix2 (a)",
            "ALTER TABLE t ADD UNIQUE KEY uq (a)",
            "ALTER TABLE t ADD COLUMN x int AFTER a",
            "ALTER TABLE t ADD COLUMN y int FIRST",
            "ALTER TABLE t DROP FOREIGN KEY fk",
            "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1",
            "ALTER TABLE t MODIFY a bigint NOT NULL AUTO_INCREMENT",
            "ALTER TABLE t ENGINE=InnoDB",
            "ALTER TABLE t RENAME INDEX ix TO iy",
            "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
            "ALTER TABLE t ADD FULLTEXT INDEX ft (b)",
            "CREATE TABLE c (baz text COMMENT \"Column comment\") COMMENT=\"Table comment\"",
            "ALTER TABLE t AUTO_INCREMENT = 100",
            "CREATE TABLE x LIKE t",
            "CREATE TABLE x (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, b varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL COMMENT 'x', at timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
            "CREATE TABLE x (a int, INDEX ix_a (a), FOREIGN KEY (a) REFERENCES t (a))",
            "DROP TABLE IF EXISTS `t`",
            "ALTER TABLE t RENAME COLUMN a TO z",
            "ALTER TABLE `t` ADD `c` JSON NULL",
            "ALTER TABLE t DROP b",
            "ALTER TABLE t MODIFY COLUMN b VARCHAR(255) BINARY",
            "CREATE TABLE y (k VARCHAR(64) BINARY NOT NULL, h BINARY(16))",
            "ALTER TABLE t ADD CONSTRAINT fk2 FOREIGN KEY (a) REFERENCES t (a) ON DELETE CASCADE",
            "CREATE UNIQUE INDEX ux ON t (a, b(10))",
            "ALTER TABLE t CHANGE a a2 int NOT NULL DEFAULT 0 AFTER b",
        ];
        let lite_setup = "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT);";
        let lite = [
            "CREATE TABLE x (a TEXT COLLATE NOCASE, b INT, UNIQUE (a) ON CONFLICT REPLACE)",
            "CREATE TABLE x (a INTEGER PRIMARY KEY, b ANY) STRICT",
            "CREATE TABLE x (a TEXT PRIMARY KEY, b) WITHOUT ROWID",
            "CREATE TABLE x (a TEXT PRIMARY KEY, b) STRICT, WITHOUT ROWID",
            "CREATE TABLE x (a TEXT PRIMARY KEY, b) WITHOUT ROWID, STRICT",
            "CREATE TABLE IF NOT EXISTS [z] (a TEXT, `b` INT, \"c\" REAL)",
            "CREATE TABLE y (a INTEGER PRIMARY KEY ASC, b TEXT DEFAULT (datetime('now')))",
            "CREATE INDEX IF NOT EXISTS ix ON t (b COLLATE NOCASE DESC)",
            "ALTER TABLE t RENAME TO t2",
            "ALTER TABLE t ADD COLUMN c",
            "ALTER TABLE t ADD c TEXT NOT NULL DEFAULT ''",
            "DROP INDEX IF EXISTS ix",
            "INSERT OR IGNORE INTO t (a, b) VALUES (1, 'x')",
            "INSERT INTO t (a, b) VALUES (1, 'x') ON CONFLICT (a) DO UPDATE SET b = excluded.b",
            "REPLACE INTO t (a, b) VALUES (1, 'x')",
            "ALTER TABLE t ALTER COLUMN b TYPE varchar(10) USING b::varchar(10)",
            "DROP INDEX CONCURRENTLY IF EXISTS ix",
            "PRAGMA foreign_keys=OFF",
            "PRAGMA foreign_keys = off",
            "CREATE TABLE x (a INT REFERENCES t (a) ON DELETE CASCADE, b INT CHECK (b IN (1, 2)))",
        ];
        let mut bad = Vec::new();
        for (d, setup, list) in [
            (Dialect::Postgresql, pg_setup, &pg[..]),
            (Dialect::Mysql, my_setup, &my[..]),
            (Dialect::Sqlite, lite_setup, &lite[..]),
        ] {
            for s in list {
                let f = findings(d, setup, s);
                if !f.is_empty() {
                    bad.push(format!("{d}: {s}: {f:?}"));
                }
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}

#[cfg(test)]
mod perf {
    use super::*;
    use crate::migrations::MigrationUnit;

    /// `cargo test --release --lib perf -- --ignored --nocapture`: the SPEC's
    /// 2,000 tables / 5,000 files budget.
    #[test]
    #[ignore]
    fn large_history() {
        let units: Vec<MigrationUnit> = (0..5000)
            .map(|i| {
                let text = if i < 2000 {
                    let cols: Vec<String> = (0..10).map(|c| format!("  c{c} varchar(50) NOT NULL DEFAULT ''")).collect();
                    format!("-- table {i}\nCREATE TABLE t{i} (\n  id bigserial PRIMARY KEY,\n{}\n);\nCREATE INDEX ix_t{i}_c0 ON t{i} (c0);\n", cols.join(",\n"))
                } else {
                    let t = i % 2000;
                    format!("ALTER TABLE t{t} ADD COLUMN x{i} text;\nUPDATE t{t} SET x{i} = 'a;b';\nINSERT INTO t{t} (c0, x{i}) VALUES ('a', 'b');\n")
                };
                MigrationUnit {
                    version: i.to_string(),
                    name: format!("m{i}"),
                    up: 0..text.len(),
                    frontend: crate::migrations::Frontend::Sql,
                    file: SourceFile::new(format!("m/{i}.sql"), text),
                }
            })
            .collect();
        let h = vec![History {
            units,
            findings: Vec::new(),
            support: Vec::new(),
        }];
        let t = std::time::Instant::now();
        let m = replay(&h, Dialect::Postgresql);
        eprintln!(
            "replayed {} tables in {:?}",
            m.schema.tables.len(),
            t.elapsed()
        );
        assert!(m.findings.is_empty());
        assert_eq!(m.schema.tables.len(), 2000);
    }

    #[test]
    #[ignore]
    fn large_data_dump() {
        let dump = format!(
            "CREATE TABLE d (id int, name text);\n{}",
            "INSERT INTO d (id, name) VALUES (1, 'some name; with a semicolon');\n".repeat(200_000)
        );
        let h = vec![History {
            units: vec![MigrationUnit {
                version: "1".into(),
                name: "dump".into(),
                up: 0..dump.len(),
                frontend: crate::migrations::Frontend::Sql,
                file: SourceFile::new("dump.sql", dump.as_str()),
            }],
            findings: Vec::new(),
            support: Vec::new(),
        }];
        let t = std::time::Instant::now();
        let m = replay(&h, Dialect::Postgresql);
        eprintln!(
            "replayed a {} MB dump in {:?}",
            dump.len() >> 20,
            t.elapsed()
        );
        assert!(m.findings.is_empty());
    }
}
