//! Reporters: findings in, text out. They never compute findings.
//! OWNER: report/cli helper.
