//! The SQL migration frontend: split files into statements (surviving `$$`
//! bodies, strings and comments), parse each with sqlparser in the project's
//! dialect, and replay the schema-changing ones through `apply`.
//!
//! Splitting and parsing are pure and run in parallel across files; applying
//! is sequential because every statement sees the schema its predecessors left.

pub mod split;
pub mod statements;

use super::apply::Replay;
use super::{History, MigratedSchema};
use crate::dialect::Dialect;
use crate::source::{LineIndex, SourceFile};
use rayon::prelude::*;
use statements::Parsed;
use std::ops::Range;

/// Replays `histories` in order into one schema.
pub fn replay(histories: &[History], dialect: Dialect) -> MigratedSchema {
    let mut state = Replay::new(dialect);
    let mut migrations = 0;
    for h in histories {
        state.findings.extend(h.findings.iter().cloned());
        replay_history(&mut state, h, dialect);
        migrations += h.units.len();
    }
    state.finish(migrations)
}

/// Replays one history's units into `state` (which may already hold a
/// baseline or earlier histories).
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
/// Locations point into `file`.
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
