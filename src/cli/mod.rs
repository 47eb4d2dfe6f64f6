//! The command line (SPEC §3). OWNER: report/cli helper.

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    0
}
