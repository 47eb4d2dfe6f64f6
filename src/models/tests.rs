//! End-to-end tests of the Python model frontends.
use super::*;
use crate::dialect::Dialect;
use crate::schema::SqlType;

pub(crate) fn build(files: &[(&str, &str)]) -> ModelSchema {
    let sources = files.iter().map(|(p, t)| SourceFile::new(*p, *t)).collect();
    from_files(parse_sources(sources), Dialect::Postgresql, Vec::new())
}

#[test]
fn smoke() {
    let m = build(&[("models.py", "from sqlalchemy import Column, Integer, Text\nfrom sqlalchemy.orm import declarative_base\nBase = declarative_base()\nclass Service(Base):\n    __tablename__ = 'services'\n    id = Column(Integer, primary_key=True)\n    description = Column(Text)\n")]);
    let t = m.schema.table(None, "services").expect("table");
    assert_eq!(t.column("description").unwrap().ty, SqlType::Text);
}
