//! Diesel models. STUB: replaced by the Diesel frontend (issue 5).

use super::ModelSchema;
use crate::dialect::Dialect;
use crate::discover::ModelKind;
use crate::schema::Column;
use crate::snapshot::Snapshot;

pub fn load(_snapshot: &dyn Snapshot, files: &[String], _dialect: Dialect) -> ModelSchema {
    ModelSchema {
        files: files.len(),
        kind: ModelKind::Diesel,
        ..ModelSchema::default()
    }
}

pub fn column_decl(column: &Column) -> String {
    super::declare::column_decl(ModelKind::Sqlalchemy, column)
}

pub fn type_decl(column: &Column) -> String {
    super::declare::type_decl(ModelKind::Sqlalchemy, column)
}
