//! One direction for data: snapshot -> discover -> frontends -> schemas ->
//! diff -> findings. Scope and report are applied by the caller.
//! OWNER: report/cli helper (wiring only: no stage logic here).
