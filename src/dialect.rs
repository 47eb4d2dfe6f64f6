//! The target database. Type comparison, identifier folding, help-text SQL and
//! the sqlparser dialect all depend on it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    #[default]
    Postgresql,
    Sqlite,
    Mysql,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgresql => "postgresql",
            Dialect::Sqlite => "sqlite",
            Dialect::Mysql => "mysql",
        }
    }

    /// Accepts the names users write in config files and SQLAlchemy URLs.
    pub fn parse(s: &str) -> Option<Dialect> {
        let s = s.trim().to_ascii_lowercase();
        let base = s.split(['+', ':']).next().unwrap_or("");
        match base {
            "postgresql" | "postgres" | "pg" | "psql" | "pgsql" => Some(Dialect::Postgresql),
            "sqlite" | "sqlite3" => Some(Dialect::Sqlite),
            "mysql" | "mariadb" => Some(Dialect::Mysql),
            _ => None,
        }
    }

    pub fn sqlparser(self) -> Box<dyn sqlparser::dialect::Dialect> {
        match self {
            Dialect::Postgresql => Box::new(sqlparser::dialect::PostgreSqlDialect {}),
            Dialect::Sqlite => Box::new(sqlparser::dialect::SQLiteDialect {}),
            Dialect::Mysql => Box::new(sqlparser::dialect::MySqlDialect {}),
        }
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
