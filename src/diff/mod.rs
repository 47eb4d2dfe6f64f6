//! Compares the model schema with the migrated schema: MG101-MG111.
//! OWNER: diff helper.

use crate::dialect::Dialect;
use crate::findings::Finding;
use crate::migrations::MigratedSchema;
use crate::models::ModelSchema;

pub fn diff(_models: &ModelSchema, _migrated: &MigratedSchema, _dialect: Dialect) -> Vec<Finding> {
    Vec::new()
}
