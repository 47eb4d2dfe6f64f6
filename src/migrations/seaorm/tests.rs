use super::*;
use crate::migrations::{Frontend, MigratedSchema, MigrationUnit};

fn unit(path: &str, text: &str) -> MigrationUnit {
    MigrationUnit {
        version: path.to_string(),
        name: String::new(),
        file: SourceFile::new(path, text),
        up: 0..text.len(),
        frontend: Frontend::SeaOrm,
    }
}

fn run_with(dialect: Dialect, units: &[(&str, &str)], support: &[(&str, &str)]) -> MigratedSchema {
    let h = History {
        units: units.iter().map(|(p, t)| unit(p, t)).collect(),
        findings: Vec::new(),
        support: support
            .iter()
            .map(|(p, t)| SourceFile::new(*p, *t))
            .collect(),
    };
    crate::migrations::replay::replay(&[h], dialect)
}

fn run(dialect: Dialect, up_bodies: &[&str]) -> MigratedSchema {
    let files: Vec<(String, String)> = up_bodies
        .iter()
        .enumerate()
        .map(|(i, body)| (format!("migration/src/m{i:03}.rs"), migration(body)))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    run_with(dialect, &refs, &[("migration/src/idens.rs", IDENS)])
}

fn migration(body: &str) -> String {
    format!(
        "use sea_orm_migration::{{prelude::*, schema::*}};\n\n#[derive(DeriveMigrationName)]\npub struct Migration;\n\n#[async_trait::async_trait]\nimpl MigrationTrait for Migration {{\n    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n{body}\n        Ok(())\n    }}\n}}\n"
    )
}

const IDENS: &str = r#"
#[derive(DeriveIden)]
pub enum Post { Table, Id, Title, #[sea_orm(iden = "full_text")] Text, UserId, Status, Score, CreatedAt }
#[derive(DeriveIden)]
pub enum User { Table, Id, Email, DisplayName }
#[derive(Iden)]
pub enum BlogAuthor { #[iden = "authors"] Table, Id }
"#;

const CREATE_POST: &str = r#"        manager.create_table(Table::create().table(Post::Table).if_not_exists()
            .col(ColumnDef::new(Post::Id).integer().not_null().auto_increment().primary_key())
            .col(ColumnDef::new(Post::Title).string_len(100).not_null())
            .col(ColumnDef::new(Post::Text).text())
            .to_owned()).await?;"#;

fn cols(m: &MigratedSchema, t: &str) -> Vec<(String, SqlType, bool)> {
    m.schema
        .tables
        .get(t)
        .map(|t| {
            t.columns
                .iter()
                .map(|c| (c.name.clone(), c.ty.clone(), c.nullable))
                .collect()
        })
        .unwrap_or_default()
}

fn rules(m: &MigratedSchema) -> Vec<&'static str> {
    m.findings.iter().map(|f| f.rule.id).collect()
}

#[test]
fn create_table_builder_chain() {
    let m = run(Dialect::Postgresql, &[CREATE_POST]);
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
    let t = &m.schema.tables["post"];
    assert_eq!(t.primary_key, ["id"]);
    assert!(t.columns[0].autoincrement && !t.columns[0].nullable);
    assert_eq!(
        cols(&m, "post"),
        [
            ("id".into(), SqlType::Integer { bytes: 4 }, false),
            (
                "title".into(),
                SqlType::String {
                    len: Some(100),
                    fixed: false
                },
                false
            ),
            ("full_text".into(), SqlType::Text, true),
        ]
    );
    assert_eq!(t.location.start.line, 9);
    assert_eq!(t.columns[2].location.start.line, 12);
}

#[test]
fn schema_helpers_foreign_keys_indexes_and_defaults() {
    let body = r#"        manager.create_table(Table::create().table(User::Table)
            .col(pk_auto(User::Id))
            .col(string_uniq(User::Email))
            .col(string_null(User::DisplayName))
            .to_owned()).await?;
        manager.create_table(Table::create().table(Post::Table)
            .col(pk_uuid(Post::Id))
            .col(integer(Post::UserId))
            .col(decimal_len(Post::Score, 10, 2).default(0))
            .col(timestamp_with_time_zone(Post::CreatedAt).default(Expr::current_timestamp()))
            .col(enumeration(Post::Status, Alias::new("post_status"), [Alias::new("draft"), Alias::new("live")]))
            .foreign_key(ForeignKey::create().name("fk_post_user").from(Post::Table, Post::UserId).to(User::Table, User::Id).on_delete(ForeignKeyAction::Cascade))
            .index(Index::create().name("ix_post_created").col(Post::CreatedAt))
            .to_owned()).await?;
        manager.create_index(Index::create().name("ux_post_user").table(Post::Table).col(Post::UserId).col(Post::Score).unique().to_owned()).await?;"#;
    let m = run(Dialect::Postgresql, &[body]);
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
    let u = &m.schema.tables["user"];
    assert_eq!(u.primary_key, ["id"]);
    assert!(u.column("id").is_some_and(|c| c.autoincrement));
    assert!(u.column("email").is_some_and(|c| c.unique && !c.nullable));
    assert!(u.column("display_name").is_some_and(|c| c.nullable));
    let p = &m.schema.tables["post"];
    assert_eq!(p.column("id").map(|c| c.ty.clone()), Some(SqlType::Uuid));
    assert_eq!(
        p.column("score")
            .and_then(|c| c.default.as_ref())
            .map(|d| d.raw.clone()),
        Some("0".into())
    );
    assert_eq!(
        p.column("created_at")
            .map(|c| (c.ty.clone(), c.default.is_some())),
        Some((SqlType::Timestamp { tz: true }, true))
    );
    assert_eq!(
        p.column("status").map(|c| c.ty.clone()),
        Some(SqlType::Enum {
            name: Some("post_status".into()),
            values: vec!["draft".into(), "live".into()]
        })
    );
    assert_eq!(p.foreign_keys.len(), 1);
    assert_eq!(p.foreign_keys[0].ref_table, "user");
    assert_eq!(p.foreign_keys[0].on_delete, Some(FkAction::Cascade));
    let ix: Vec<(Option<String>, bool)> = p
        .indexes
        .iter()
        .map(|i| (i.name.clone(), i.unique))
        .collect();
    assert_eq!(
        ix,
        [
            (Some("ix_post_created".into()), false),
            (Some("ux_post_user".into()), true)
        ]
    );
}

#[test]
fn alter_rename_drop_and_enum_types() {
    let alter = r#"        manager.alter_table(Table::alter().table(Post::Table)
            .add_column(ColumnDef::new(Post::Score).big_integer().not_null().default(0))
            .modify_column(ColumnDef::new(Post::Title).text().null())
            .rename_column(Post::Text, Alias::new("content"))
            .to_owned()).await?;
        manager.alter_table(Table::alter().table(Post::Table).drop_column(Post::Score).to_owned()).await?;
        manager.create_type(Type::create().as_enum(Alias::new("mood")).values(["happy", "sad"]).to_owned()).await?;
        manager.rename_table(Table::rename().table(Post::Table, Alias::new("article")).to_owned()).await?;
        manager.drop_index(Index::drop().name("nope").table(Alias::new("article")).to_owned()).await?;
        manager.create_table(Table::create().table(BlogAuthor::Table).col(pk_auto(BlogAuthor::Id)).to_owned()).await?;
        manager.drop_table(Table::drop().table(BlogAuthor::Table).if_exists().to_owned()).await?;"#;
    let m = run(Dialect::Postgresql, &[CREATE_POST, alter]);
    // the safety lints work on SeaORM too: the renames of the existing table
    // (a column added and dropped in the same migration is nobody's concern)
    let fps: Vec<&str> = m.findings.iter().map(|f| f.fingerprint.as_str()).collect();
    assert_eq!(
        fps,
        [
            "MG303::migration/src/m001.rs::post.full_text",
            "MG303::migration/src/m001.rs::post"
        ],
        "{:#?}",
        m.findings
    );
    assert_eq!(
        cols(&m, "article"),
        [
            ("id".into(), SqlType::Integer { bytes: 4 }, false),
            ("title".into(), SqlType::Text, true),
            ("content".into(), SqlType::Text, true),
        ]
    );
    assert!(m
        .lost_columns
        .contains_key(&("article".into(), "score".into())));
    assert_eq!(m.schema.enums["mood"].values, ["happy", "sad"]);
    assert!(m.dropped_tables.contains_key("authors"));
}

#[test]
fn mysql_modify_column_replaces_the_definition() {
    let alter = r#"        manager.alter_table(Table::alter().table(Post::Table)
            .modify_column(ColumnDef::new(Post::Title).string())
            .to_owned()).await?;"#;
    let m = run(Dialect::Mysql, &[CREATE_POST, alter]);
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
    assert_eq!(
        cols(&m, "post")[1],
        (
            "title".into(),
            SqlType::String {
                len: Some(255),
                fixed: false
            },
            true
        )
    );
}

#[test]
fn sql_strings_and_include_str_go_through_the_sql_frontend() {
    let body = "        let db = manager.get_connection();\n        db.execute_unprepared(r#\"CREATE TABLE a (\n    id integer PRIMARY KEY,\n    b text\n);\"#).await?;\n        db.execute_unprepared(\"ALTER TABLE a ADD COLUMN c int;\\nALTER TABLE ghost ADD COLUMN d int;\").await?;\n        db.execute(Statement::from_string(manager.get_database_backend(), \"ALTER TABLE a ADD COLUMN e text\".to_owned())).await?;\n        db.execute_unprepared(include_str!(\"../sql/more.sql\")).await?;\n        db.execute_unprepared(include_str!(\"missing.sql\")).await?;";
    let m = run_with(
        Dialect::Postgresql,
        &[("migration/src/m001.rs", &migration(body))],
        &[(
            "migration/sql/more.sql",
            "ALTER TABLE a ADD COLUMN f text;\nALTER TABLE a DROP COLUMN zz;",
        )],
    );
    let cs: Vec<String> = cols(&m, "a").into_iter().map(|c| c.0).collect();
    assert_eq!(cs, ["id", "b", "c", "e", "f"]);
    let got: Vec<(&str, String, u32)> = m
        .findings
        .iter()
        .map(|f| {
            let l = f.location.as_ref();
            (
                f.rule.id,
                l.map(|l| l.path.to_string()).unwrap_or_default(),
                l.map(|l| l.start.line).unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("MG201", "migration/src/m001.rs".into(), 14),
            ("MG202", "migration/sql/more.sql".into(), 2),
            ("MG002", "migration/src/m001.rs".into(), 17),
        ]
    );
    // the raw string is located exactly: column `b` is on its own line
    let b = m.schema.tables["a"]
        .column("b")
        .map(|c| (c.location.start.line, c.location.start.col));
    assert_eq!(b, Some((12, 5)));
}

#[test]
fn non_literal_calls_are_notes_and_make_their_table_opaque() {
    let body = r#"        manager.create_table(Table::create().table(Post::Table).col(pk_auto(Post::Id)).to_owned()).await?;
        for name in ["x", "y"] {
            manager.alter_table(Table::alter().table(Post::Table).add_column(string(Alias::new(name))).to_owned()).await?;
        }
        manager.create_table(make_table(Alias::new("dyn"))).await?;
        let mut t = Table::create();
        manager.create_table(t.table(User::Table).to_owned()).await?;"#;
    let m = run(Dialect::Postgresql, &[body]);
    let notes: Vec<(&str, Option<String>, u32)> = m
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.id,
                f.table.clone(),
                f.location.as_ref().map(|l| l.start.line).unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        notes,
        [
            ("MG001", Some("post".into()), 11),
            ("MG001", None, 13),
            ("MG001", Some("user".into()), 15),
        ],
        "{:#?}",
        m.findings
    );
    assert!(m.opaque_tables.contains("post"));
}

#[test]
fn parameterless_helpers_and_let_bindings_are_followed() {
    let text = format!(
        "{}\nfn users() -> TableCreateStatement {{\n    Table::create().table(User::Table).col(pk_auto(User::Id)).to_owned()\n}}\n",
        migration("        manager.create_table(users()).await?;\n        let ix = Index::create().name(\"ix_email\").table(User::Table).col(User::Id).to_owned();\n        manager.create_index(ix).await?;")
    );
    let m = run_with(
        Dialect::Sqlite,
        &[("migration/src/m1.rs", &text)],
        &[("migration/src/idens.rs", IDENS)],
    );
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
    assert_eq!(m.schema.tables["user"].indexes.len(), 1);
}

#[test]
fn broken_rust_is_mg002_and_replay_goes_on() {
    let m = run_with(
        Dialect::Sqlite,
        &[
            (
                "migration/src/m1.rs",
                "impl MigrationTrait for Migration {\n    async fn up(&self) {\n",
            ),
            ("migration/src/m2.rs", "pub struct Nothing;\n"),
            ("migration/src/m3.rs", &migration(CREATE_POST)),
        ],
        &[
            ("migration/src/idens.rs", IDENS),
            ("migration/src/broken_support.rs", "enum {"),
        ],
    );
    assert_eq!(rules(&m), ["MG002", "MG001"], "{:#?}", m.findings);
    assert!(m.schema.tables.contains_key("post"));
}

#[test]
fn migrator_order_reads_the_vec() {
    let lib = "pub use sea_orm_migration::prelude::*;\nmod m1_b;\nmod m2_a;\npub struct Migrator;\n#[async_trait::async_trait]\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![Box::new(m2_a::Migration), Box::new(m1_b::Migration)]\n    }\n}\n";
    assert_eq!(
        migrator_order(lib),
        Some(vec!["m2_a".to_string(), "m1_b".to_string()])
    );
    assert_eq!(
        migrator_order("fn migrations() -> Vec<u8> { make() }"),
        None
    );
    assert_eq!(migrator_order("not rust {"), None);
}

#[test]
fn iden_names_follow_derive_iden_rules() {
    let idens: Idens = [(
        ("Post".to_string(), "Text".to_string()),
        "full_text".to_string(),
    )]
    .into();
    let n = |e: &str, v: &str| {
        Name::Iden {
            enum_name: e.into(),
            variant: v.into(),
        }
        .resolve(&idens)
    };
    assert_eq!(n("Post", "Table"), "post");
    assert_eq!(n("BlogPost", "Table"), "blog_post");
    assert_eq!(n("Post", "CreatedAt"), "created_at");
    assert_eq!(n("Post", "Text"), "full_text");
}

#[test]
fn table_auto_adds_timestamps() {
    let body = r#"        let table = table_auto(Post::Table).col(pk_auto(Post::Id)).col(string(Post::Title)).to_owned();
        manager.create_table(table).await?;
        manager.create_table(table_auto(Post::Table).col(pk_auto(Post::Id)).to_owned()).await?;"#;
    let m = run(Dialect::Postgresql, &[body]);
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
    let c: Vec<String> = cols(&m, "post").into_iter().map(|c| c.0).collect();
    assert_eq!(c, ["created_at", "updated_at", "id", "title"]);
}

#[test]
fn every_truncation_of_a_migration_replays_without_panicking() {
    let full = migration(&format!(
        "{CREATE_POST}\n        manager.alter_table(Table::alter().table(Post::Table).add_column(string_null(Post::UserId)).rename_column(Post::Title, Alias::new(\"t\")).to_owned()).await?;\n        manager.get_connection().execute_unprepared(r#\"CREATE TABLE z (id int);\"#).await?;"
    ));
    let mut cut = 0;
    while cut < full.len() {
        if full.is_char_boundary(cut) {
            let text = &full[..cut];
            let m = run_with(
                Dialect::Postgresql,
                &[("migration/src/m1.rs", text)],
                &[("migration/src/idens.rs", IDENS)],
            );
            // whatever was read, every finding has a location in the file
            assert!(
                m.findings
                    .iter()
                    .all(|f| f.location.as_ref().is_some_and(|l| l.start.line >= 1)),
                "cut at {cut}: {:#?}",
                m.findings
            );
        }
        cut += 7;
    }
}

#[test]
fn tables_created_from_entities_or_in_loops_are_unknown_not_missing() {
    let body = r#"        let schema = Schema::new(manager.get_database_backend());
        manager.create_table(schema.create_table_from_entity(post::Entity)).await?;
        for _ in 0..1 {
            manager.create_table(Table::create().table(User::Table).col(pk_auto(User::Id)).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(User::Table).add_column(string_null(User::Email)).to_owned()).await?;"#;
    let m = run(Dialect::Postgresql, &[body]);
    assert_eq!(m.unknown_tables, 1);
    assert!(m.schema.tables.contains_key("user"));
    assert!(m.opaque_tables.contains("user"));
    assert_eq!(rules(&m), ["MG001", "MG001"], "{:#?}", m.findings);
}

#[test]
fn data_statements_are_skipped_silently() {
    let body = r#"        manager.create_table(Table::create().table(User::Table).col(pk_auto(User::Id)).col(string(User::Email)).to_owned()).await?;
        let insert = Query::insert().into_table(User::Table).columns([User::Email]).values_panic(["a@b.c".into()]).to_owned();
        manager.exec_stmt(insert).await?;
        manager.exec_stmt(Table::alter().table(User::Table).add_column(string_null(User::DisplayName)).to_owned()).await?;"#;
    let m = run(Dialect::Sqlite, &[body]);
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
    assert_eq!(cols(&m, "user").len(), 3);
}
