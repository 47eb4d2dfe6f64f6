//! Replays histories into one schema, each by the frontend its units are
//! written for. Parsing inside a history is parallel; applying is in order.

use super::apply::Replay;
use super::{Frontend, History, MigratedSchema};
use crate::dialect::Dialect;

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
/// baseline or earlier histories). A history is one layout, so one frontend.
pub fn replay_history(state: &mut Replay, history: &History, dialect: Dialect) {
    if history.units.iter().any(|u| u.frontend == Frontend::SeaOrm) {
        super::seaorm::replay_history(state, history, dialect);
    } else {
        super::sql::replay_history(state, history, dialect);
    }
}
