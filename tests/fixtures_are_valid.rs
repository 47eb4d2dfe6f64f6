//! The fixtures themselves must be what they claim: every Python model file
//! compiles (but those listed as deliberately broken) and every SQLite
//! fixture's migrations run on a real SQLite. `tests/verify_fixtures.py` does
//! the work with python3's standard library; where python3 is missing this
//! test says so and checks nothing.

use std::path::Path;
use std::process::Command;

#[test]
fn fixtures_compile_and_their_sqlite_migrations_run() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/verify_fixtures.py");
    let out = match Command::new(&python).arg(&script).output() {
        Ok(out) => out,
        Err(e) => {
            eprintln!("SKIPPED fixtures_compile_and_their_sqlite_migrations_run: cannot run {python} ({e}); set PYTHON to a Python 3.11+ interpreter");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("0 failure(s)"),
        "verify_fixtures.py failed:\n{stdout}\n{stderr}"
    );
}
