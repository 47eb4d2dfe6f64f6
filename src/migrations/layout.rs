//! Finding and ordering migration files for each SQL layout, extracting the
//! "up" part, and MG204 for duplicate or ambiguous versions.
//! OWNER: discover helper.

use super::History;
use crate::discover::MigrationInput;
use crate::snapshot::Snapshot;

pub fn load(_snapshot: &dyn Snapshot, _input: &MigrationInput) -> History {
    History::default()
}
