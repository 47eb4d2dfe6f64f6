//! The Diesel repository of real-world scale (fixtures/diesel-large-postgres,
//! written by tests/gen_diesel_large.py, 300+ PostgreSQL migrations that a
//! real server runs): replay reads all of it without a single finding, and
//! the schema it ends with is the one the database holds (checked against
//! PostgreSQL by tests/compare_pg.py; the spot checks below pin the parts
//! that took fixes).
//!
//! Run: `cargo test --test diesel_large`

mod common;

use common::*;
use serde_json::Value;

fn replayed() -> (Value, String) {
    let dir = fixture("diesel-large-postgres");
    let out = run(&[
        "schema",
        &dir.to_string_lossy(),
        "--from",
        "migrations",
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let schema: Value = serde_json::from_slice(&out.stdout).expect("schema JSON");
    (schema, stderr)
}

fn table<'a>(schema: &'a Value, name: &str) -> &'a Value {
    schema["tables"]
        .get(name)
        .unwrap_or_else(|| panic!("no table {name}"))
}

fn column_names(t: &Value) -> Vec<&str> {
    t["columns"]
        .as_array()
        .map(|cs| cs.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default()
}

fn column<'a>(t: &'a Value, name: &str) -> &'a Value {
    t["columns"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn replay_of_the_large_diesel_history_has_no_findings() {
    let (schema, stderr) = replayed();
    // `schema` prints what replay found (MG2xx and notes) on stderr
    assert!(stderr.trim().is_empty(), "replay findings:\n{stderr}");
    let tables = schema["tables"].as_object().expect("tables");
    assert_eq!(tables.len(), 64, "{:?}", tables.keys().collect::<Vec<_>>());
}

#[test]
fn renames_rebuilds_and_enum_rebuilds_end_where_the_database_does() {
    let (schema, _) = replayed();
    assert!(schema["tables"].get("user_account").is_none());
    let person = table(&schema, "person");
    assert!(!column_names(person).contains(&"password_encrypted"));
    assert!(
        column_names(person).contains(&"matrix_user_id"),
        "added in a DO block"
    );
    let saved = table(&schema, "thread_saved");
    assert_eq!(
        saved["primary_key"],
        serde_json::json!(["person_id", "thread_id"])
    );
    assert!(!column_names(saved).contains(&"id"));
    let reply = table(&schema, "reply");
    assert!(!column_names(reply).contains(&"parent_id"));
    assert_eq!(column(reply, "path")["ty"]["of"], "ltree");
    let sort = &column(table(&schema, "local_user"), "default_sort_type")["ty"]["of"];
    assert_eq!(sort["name"], "sort_type_enum");
    assert_eq!(sort["values"].as_array().map(Vec::len), Some(13));
    assert_eq!(
        schema["enums"]["listing_type_enum"]["values"],
        serde_json::json!(["All", "Local", "Following"])
    );
}

#[test]
fn constraints_dropped_by_postgresql_default_names_are_gone() {
    let (schema, _) = replayed();
    // UNIQUE (thread_id, user_id), dropped as thread_vote_thread_id_user_id_key
    // after user_id became person_id
    let vote = table(&schema, "thread_vote");
    assert_eq!(
        vote["primary_key"],
        serde_json::json!(["person_id", "thread_id"])
    );
    let unique_sets: Vec<&Value> = vote["indexes"]
        .as_array()
        .map(|ix| ix.iter().filter(|i| i["unique"] == true).collect())
        .unwrap_or_default();
    assert!(unique_sets.is_empty(), "{unique_sets:?}");
    // inline UNIQUE dropped as instance_domain_key
    assert_eq!(
        column(table(&schema, "instance"), "domain")["unique"],
        false
    );
    // inline REFERENCES dropped as registration_application_admin_id_fkey and re-added
    let fks = table(&schema, "registration_application")["foreign_keys"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let admin: Vec<&Value> = fks
        .iter()
        .filter(|f| f["columns"] == serde_json::json!(["admin_id"]))
        .collect();
    assert_eq!(admin.len(), 1, "{admin:?}");
    assert_eq!(admin[0]["on_delete"], "set_null");
    // inline REFERENCES renamed (RENAME CONSTRAINT), then dropped and re-added by the new name
    let tag_fks: Vec<Value> = table(&schema, "thread_tag")["foreign_keys"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let actions: Vec<(&str, &str)> = tag_fks
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap_or(""),
                f["on_delete"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("thread_tag_thread_fk", "cascade"),
            ("thread_tag_tag_fk", "restrict")
        ]
    );
    // GENERATED ALWAYS AS (...) STORED, then DROP EXPRESSION: a plain column
    assert_eq!(
        column(table(&schema, "reply"), "depth")["autoincrement"],
        false
    );
}
