//! Which findings to report: severity overrides and ignored tables from the
//! config, inline suppressions, the baseline file (and, with issue 3, the git
//! base snapshot). OWNER: report/cli helper.
