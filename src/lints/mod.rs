//! Findings that are not a difference between models and migrations:
//! the safety of migrations a change adds (MG301-MG305, raised during replay
//! by `migrations::apply` and scoped to new migrations by `scope`) and the
//! application's engine setup (MG401).

pub mod safety;
pub mod static_pool;
