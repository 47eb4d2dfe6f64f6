//! SeaORM end to end: edits applied to a copy of fixtures/seaorm-postgres
//! (entities changed without a migration, a migration without an entity
//! change) give the right rule at the right line; writing the missing
//! migration makes the check pass again.
//!
//! Run: `cargo test --test seaorm`

mod common;

use common::*;
use std::path::Path;

const MIGRATIONS: &str = "migration/src";

/// One edit: replace `old` by `new` in `file` (an empty `old` creates the file).
struct Edit {
    file: &'static str,
    old: &'static str,
    new: &'static str,
}

struct Case {
    what: &'static str,
    edits: Vec<Edit>,
    /// (finding key, text of the line it must point at)
    expect: Vec<(&'static str, &'static str)>,
    /// A migration (module name, `up` body, items after the impl) that
    /// makes the check clean again.
    fix: Option<(&'static str, &'static str, &'static str)>,
}

fn apply(dir: &Path, edits: &[Edit]) {
    for e in edits {
        let path = dir.join(e.file);
        if e.old.is_empty() {
            std::fs::write(&path, e.new).expect("write new file");
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read fixture file");
        assert!(
            text.contains(e.old),
            "{} does not contain {:?}",
            e.file,
            e.old
        );
        std::fs::write(&path, text.replacen(e.old, e.new, 1)).expect("write");
    }
}

/// Adds a migration module to the crate and to `Migrator::migrations()`.
fn add_migration(dir: &Path, module: &str, body: &str, items: &str) {
    let src = dir.join(MIGRATIONS);
    let text = format!(
        "use sea_orm_migration::{{prelude::*, schema::*}};\n\n#[derive(DeriveMigrationName)]\npub struct Migration;\n\n#[async_trait::async_trait]\nimpl MigrationTrait for Migration {{\n    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n{body}\n        Ok(())\n    }}\n\n    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {{\n        Ok(())\n    }}\n}}\n{items}"
    );
    std::fs::write(src.join(format!("{module}.rs")), text).expect("write migration");
    let lib = src.join("lib.rs");
    let lib_text = std::fs::read_to_string(&lib).expect("read lib.rs");
    let lib_text = lib_text
        .replacen(
            "\npub struct Migrator;",
            &format!("mod {module};\n\npub struct Migrator;"),
            1,
        )
        .replacen(
            "        ]\n",
            &format!("            Box::new({module}::Migration),\n        ]\n"),
            1,
        );
    std::fs::write(lib, lib_text).expect("write lib.rs");
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            what: "a field added to an entity",
            edits: vec![Edit {
                file: "entity/src/entities/user.rs",
                old: "    pub is_admin: bool,\n",
                new: "    pub is_admin: bool,\n    pub avatar_url: Option<String>,\n",
            }],
            expect: vec![("MG102 user.avatar_url", "pub avatar_url: Option<String>,")],
            fix: Some((
                "m20240201_000001_avatar",
                "        manager.alter_table(Table::alter().table(Alias::new(\"user\")).add_column(string_null(Alias::new(\"avatar_url\"))).to_owned()).await?;",
                "",
            )),
        },
        Case {
            what: "a field removed from an entity",
            edits: vec![Edit {
                file: "entity/src/entities/user.rs",
                old: "    pub name: String,\n",
                new: "",
            }],
            expect: vec![(
                "MG104 user.name",
                ".col(ColumnDef::new(User::Name).string().not_null())",
            )],
            fix: Some((
                "m20240201_000001_drop_name",
                "        manager.alter_table(Table::alter().table(User::Table).drop_column(User::Name).to_owned()).await?;",
                "\n#[derive(DeriveIden)]\nenum User {\n    Table,\n    Name,\n}\n",
            )),
        },
        Case {
            what: "String made Option<String> over a NOT NULL column",
            edits: vec![Edit {
                file: "entity/src/entities/user.rs",
                old: "    pub name: String,\n",
                new: "    pub name: Option<String>,\n",
            }],
            expect: vec![("MG106 user.name", "pub name: Option<String>,")],
            fix: Some((
                "m20240201_000001_name_null",
                "        manager.alter_table(Table::alter().table(User::Table).modify_column(ColumnDef::new(User::Name).string().null()).to_owned()).await?;",
                "\n#[derive(DeriveIden)]\nenum User {\n    Table,\n    Name,\n}\n",
            )),
        },
        Case {
            what: "a new entity",
            edits: vec![Edit {
                file: "entity/src/entities/tag.rs",
                old: "",
                new: "use sea_orm::entity::prelude::*;\n\n#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]\n#[sea_orm(table_name = \"tag\")]\npub struct Model {\n    #[sea_orm(primary_key)]\n    pub id: i32,\n    #[sea_orm(unique)]\n    pub label: String,\n}\n\n#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\npub enum Relation {}\n\nimpl ActiveModelBehavior for ActiveModel {}\n",
            }],
            expect: vec![("MG101 tag", "#[sea_orm(table_name = \"tag\")]")],
            fix: Some((
                "m20240201_000001_tag",
                "        manager.create_table(Table::create().table(Tag::Table).col(pk_auto(Tag::Id)).col(string_uniq(Tag::Label)).to_owned()).await?;",
                "\n#[derive(DeriveIden)]\nenum Tag {\n    Table,\n    Id,\n    Label,\n}\n",
            )),
        },
        Case {
            what: "an enum value the database does not have",
            edits: vec![Edit {
                file: "migration/src/sql/post_status_archived.sql",
                old: "ALTER TYPE post_status ADD VALUE IF NOT EXISTS 'archived';\n",
                new: "SELECT 1;\n",
            }],
            expect: vec![("MG111 post.status", "pub status: PostStatus,")],
            fix: Some((
                "m20240201_000001_archived",
                "        manager.alter_type(Type::alter().name(PostStatus::Enum).add_value(Alias::new(\"archived\")).to_owned()).await?;",
                "\nuse sea_orm_migration::prelude::extension::postgres::Type;\n\n#[derive(DeriveIden)]\nenum PostStatus {\n    #[sea_orm(iden = \"post_status\")]\n    Enum,\n}\n",
            )),
        },
    ]
}

fn keys_and_lines(dir: &Path, report: &serde_json::Value) -> Vec<(String, String)> {
    blocking(report)
        .iter()
        .map(|f| {
            let line = line_at(dir, &f["location"]).unwrap_or_default();
            (key(f), line.trim().to_string())
        })
        .collect()
}

#[test]
fn entity_and_migration_edits_are_reported_and_fixed_by_a_migration() {
    let base = fixture("seaorm-postgres");
    let mut problems = Vec::new();
    for case in cases() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("app");
        copy_dir(&base, &dir).expect("copy fixture");
        apply(&dir, &case.edits);
        let run = check_json(&dir, &[]);
        let got = match &run.report {
            Ok(r) => keys_and_lines(&dir, r),
            Err(e) => {
                problems.push(format!("{}: {e}; stderr {}", case.what, run.stderr));
                continue;
            }
        };
        let want: Vec<(String, String)> = case
            .expect
            .iter()
            .map(|(k, l)| (k.to_string(), l.to_string()))
            .collect();
        if got != want || run.code != Some(1) {
            problems.push(format!(
                "{}: exit {:?}, findings {got:?}, want {want:?}",
                case.what, run.code
            ));
        }
        if let Some((module, body, items)) = case.fix {
            add_migration(&dir, module, body, items);
            let run = check_json(&dir, &[]);
            let errors: Vec<String> = run
                .report
                .as_ref()
                .map(|r| {
                    findings(r)
                        .iter()
                        .filter(|f| f["severity"] == "error")
                        .map(key)
                        .collect()
                })
                .unwrap_or_default();
            if run.code != Some(0) || !errors.is_empty() {
                problems.push(format!(
                    "{} + migration {module}: exit {:?}, errors {errors:?}, stderr {}",
                    case.what,
                    run.code,
                    truncate(&run.stderr, 300)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_migration_without_an_entity_change_is_reported_at_the_migration() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("app");
    copy_dir(&fixture("seaorm-postgres"), &dir).expect("copy fixture");
    add_migration(
        &dir,
        "m20240201_000001_legacy",
        "        manager\n            .alter_table(\n                Table::alter()\n                    .table(Alias::new(\"post\"))\n                    .add_column(text(Alias::new(\"legacy\")).default(\"\"))\n                    .to_owned(),\n            )\n            .await?;",
        "",
    );
    let run = check_json(&dir, &[]);
    let report = run.report.as_ref().expect("json report");
    assert_eq!(
        keys_and_lines(&dir, report),
        [(
            "MG104 post.legacy".to_string(),
            ".add_column(text(Alias::new(\"legacy\")).default(\"\"))".to_string()
        )]
    );
    assert_eq!(run.code, Some(0), "a warning does not fail the check");
    assert_eq!(
        Path::new(
            report["findings"][0]["location"]["path"]
                .as_str()
                .unwrap_or("")
        ),
        Path::new("migration/src/m20240201_000001_legacy.rs")
    );
}

#[test]
fn migration_notes_do_not_block_and_leave_the_table_unchecked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("app");
    copy_dir(&fixture("seaorm-postgres"), &dir).expect("copy fixture");
    add_migration(
        &dir,
        "m20240201_000001_loop",
        "        for col in [\"a\", \"b\"] {\n            manager.alter_table(Table::alter().table(Alias::new(\"post\")).add_column(string_null(Alias::new(col))).to_owned()).await?;\n        }",
        "",
    );
    let run = check_json(&dir, &[]);
    let report = run.report.as_ref().expect("json report");
    let all: Vec<String> = findings(report).iter().map(key).collect();
    assert_eq!(all, ["MG001 post"], "{}", run.stdout);
    assert_eq!(run.code, Some(0));
}

#[test]
fn a_table_created_from_an_entity_silences_missing_tables() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("app");
    copy_dir(&fixture("seaorm-postgres"), &dir).expect("copy fixture");
    apply(
        &dir,
        &[Edit {
            file: "entity/src/entities/tag.rs",
            old: "",
            new: "use sea_orm::entity::prelude::*;\n\n#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]\n#[sea_orm(table_name = \"tag\")]\npub struct Model {\n    #[sea_orm(primary_key)]\n    pub id: i32,\n}\n",
        }],
    );
    let run = check_json(&dir, &[]);
    let report = run.report.as_ref().expect("json report");
    assert_eq!(
        keys_and_lines(&dir, report),
        [(
            "MG101 tag".to_string(),
            "#[sea_orm(table_name = \"tag\")]".to_string()
        )]
    );
    add_migration(
        &dir,
        "m20240201_000001_tag",
        "        let schema = Schema::new(manager.get_database_backend());\n        manager.create_table(schema.create_table_from_entity(entity::entities::tag::Entity)).await?;",
        "",
    );
    let run = check_json(&dir, &[]);
    let report = run.report.as_ref().expect("json report");
    let all: Vec<String> = findings(report).iter().map(key).collect();
    assert_eq!(all, ["MG001"], "{}", run.stdout);
    assert_eq!(run.code, Some(0));
}
