//! The Alembic revision graph: the header of each revision file, the
//! linearization replay follows, and MG204 for what breaks the graph.
//! Users' view: docs/layouts.md ("Alembic"), docs/rules/MG204.md.
//!
//! Decisions:
//! - Each revision file is read and parsed once (in parallel); its header
//!   and its `upgrade()` (`ops::read`) come from that one syntax tree.
//! - The header is the module-level `revision`, `down_revision`,
//!   `branch_labels` and `depends_on` assignments (annotated or not) whose
//!   values are literals: a string, a tuple/list of strings, or None. A
//!   `down_revision` or `depends_on` entry may also be a branch label.
//! - Order: every revision after all of its `down_revision`s and
//!   `depends_on`s (a merge after all its parents). Among revisions that are
//!   ready together, the one continuing the branch just replayed comes first
//!   (branches stay contiguous, as Alembic walks them), then the one whose
//!   file path sorts first. Whatever is wrong with the graph, every revision
//!   is replayed: a missing parent is ignored, a cycle is broken at the
//!   file path that sorts first, a duplicated id replays both files.
//! - Heads are revisions no `down_revision` points at (`depends_on` does not
//!   merge, as in Alembic). Heads on different branch labels are intended
//!   (`alembic upgrade heads`); several heads on one branch are MG204.
//! - A file without `revision` and without `upgrade()` is not a revision (a
//!   helper module): skipped silently.

use super::ops::{self, Upgrade};
use crate::dialect::Dialect;
use crate::discover::alembic::{for_dialect, revision_files, script_at};
use crate::discover::MigrationInput;
use crate::findings::Finding;
use crate::migrations::{Frontend, History, MigrationUnit};
use crate::models::python::{self, PyFile};
use crate::rules;
use crate::snapshot::Snapshot;
use crate::source::{Location, SourceFile};
use rayon::prelude::*;
use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// One revision file, read.
struct Revision {
    path: String,
    /// None when the file has no readable `revision = "..."`.
    id: Option<String>,
    /// The `revision` assignment (line 1 without one).
    id_at: Location,
    down: Vec<String>,
    down_at: Location,
    depends: Vec<String>,
    depends_at: Location,
    labels: Vec<String>,
    name: String,
    file: SourceFile,
    upgrade: Upgrade,
}

enum Read {
    Revision(Box<Revision>, Vec<Finding>),
    NotRevision,
    Unreadable(Finding),
}

/// See `alembic::load`.
pub fn load(snapshot: &dyn Snapshot, input: &MigrationInput, dialect: Dialect) -> History {
    let script = for_dialect(snapshot, script_at(snapshot, &input.path), dialect);
    let paths = revision_files(snapshot, &script);
    let read: Vec<Read> = paths
        .par_iter()
        .map(|p| read_revision(snapshot, p, dialect))
        .collect();
    let mut findings = Vec::new();
    let mut revisions = Vec::new();
    for r in read {
        match r {
            Read::Revision(rev, notes) => {
                findings.extend(notes);
                revisions.push(*rev);
            }
            Read::NotRevision => {}
            Read::Unreadable(f) => findings.push(f),
        }
    }
    let (order, graph_findings) = linearize(&revisions, &script.dir);
    findings.extend(graph_findings);
    let mut slots: Vec<Option<Revision>> = revisions.into_iter().map(Some).collect();
    let mut units = Vec::with_capacity(slots.len());
    for i in order {
        // The MG205 notes of `ops::read` stay in the Upgrade: replay reports them.
        let Some(rev) = slots.get_mut(i).and_then(Option::take) else {
            continue;
        };
        let version = rev
            .id
            .clone()
            .unwrap_or_else(|| stem(&rev.path).to_string());
        units.push(MigrationUnit {
            version,
            name: rev.name,
            up: 0..rev.file.text.len(),
            file: rev.file,
            frontend: Frontend::Alembic(Arc::new(rev.upgrade)),
        });
    }
    History {
        units,
        findings,
        support: Vec::new(),
    }
}

fn stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".py").unwrap_or(name)
}

fn read_revision(snapshot: &dyn Snapshot, path: &str, dialect: Dialect) -> Read {
    let file = match snapshot.read_lossy(path) {
        Ok(f) => f,
        Err(err) => {
            return Read::Unreadable(
                Finding::new(
                    &rules::MG002,
                    None,
                    None,
                    &format!("unreadable:{path}"),
                    format!("cannot read Alembic revision {path}: {err}"),
                )
                .at(Location::line(path, 1))
                .label("skipped: the migrated schema may be incomplete")
                .help("make the file a UTF-8 text file, or move it out of the versions folder"),
            )
        }
    };
    let py = python::parse_file(file.clone());
    let header = Header::read(&py);
    if header.revision.is_none() && !header.has_upgrade {
        return Read::NotRevision;
    }
    let mut notes = Vec::new();
    if let Some((range, message)) = &py.syntax_error {
        notes.push(
            Finding::new(
                &rules::MG002,
                None,
                None,
                &format!("syntax:{path}"),
                if message.contains("was not parsed") {
                    format!("{path}: {message}")
                } else {
                    format!("syntax error in Alembic revision {path}: {message}; what could be read before and after it is still replayed")
                },
            )
            .at(py.location(*range))
            .label(message.clone()),
        );
    }
    let line1 = Location::line(path, 1);
    let id_at = header
        .revision
        .as_ref()
        .map(|a| py.location(a.range))
        .unwrap_or(line1);
    let at = |a: &Option<Assign>| a.as_ref().map(|a| py.location(a.range));
    let down_at = at(&header.down_revision).unwrap_or_else(|| id_at.clone());
    let depends_at = at(&header.depends_on).unwrap_or_else(|| down_at.clone());
    let values = |a: &Option<Assign>, key: &str, notes: &mut Vec<Finding>| match a {
        None => Vec::new(),
        Some(a) => match a.values.clone() {
            Some(v) => v,
            None => {
                notes.push(
                    Finding::new(
                        &rules::MG001,
                        None,
                        None,
                        &format!("alembic-header:{path}:{key}"),
                        format!("{path}: `{key}` is not a literal (a string, a tuple or list of strings, or None); the revision is replayed as if it had none"),
                    )
                    .at(py.location(a.range))
                    .label("not read"),
                );
                Vec::new()
            }
        },
    };
    let id = match &header.revision {
        Some(a) => match a.values.as_deref() {
            Some([one]) if !one.is_empty() => Some(one.clone()),
            _ => None,
        },
        None => None,
    };
    if id.is_none() {
        notes.push(
            Finding::new(
                &rules::MG204,
                None,
                None,
                &format!("alembic-no-revision:{path}"),
                format!("{path} defines upgrade() but no readable revision id: Alembic needs a module-level `revision = \"<id>\"` string literal"),
            )
            .at(id_at.clone())
            .label("no revision id: its place in the history is a guess")
            .help("add `revision = \"<id>\"` (a new id from `alembic revision`), or move the file out of the versions folder if it is not a revision"),
        );
    }
    let down = values(&header.down_revision, "down_revision", &mut notes);
    let depends = values(&header.depends_on, "depends_on", &mut notes);
    let labels = values(&header.branch_labels, "branch_labels", &mut notes);
    let name = header
        .docstring
        .as_deref()
        .and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()))
        .filter(|l| !l.starts_with("Revision ID"))
        .map(str::to_string)
        .unwrap_or_else(|| slug(stem(path), id.as_deref()));
    let upgrade = ops::read(&py, dialect);
    Read::Revision(
        Box::new(Revision {
            path: path.to_string(),
            id,
            id_at,
            down,
            down_at,
            depends,
            depends_at,
            labels,
            name,
            file,
            upgrade,
        }),
        notes,
    )
}

/// `2024_01_05_1200-3f2a_add_users` -> `add_users`: the part after the id.
fn slug(stem: &str, id: Option<&str>) -> String {
    id.and_then(|id| {
        let at = stem.find(id)?;
        let rest = stem.get(at + id.len()..)?;
        let rest = rest.trim_start_matches(['_', '-']);
        (!rest.is_empty()).then(|| rest.to_string())
    })
    .unwrap_or_else(|| stem.to_string())
}

/// A module-level assignment of the header: its statement, and its literal
/// value (None when it is not one).
struct Assign {
    range: TextRange,
    values: Option<Vec<String>>,
}

#[derive(Default)]
struct Header {
    revision: Option<Assign>,
    down_revision: Option<Assign>,
    branch_labels: Option<Assign>,
    depends_on: Option<Assign>,
    has_upgrade: bool,
    docstring: Option<String>,
}

impl Header {
    fn read(py: &PyFile) -> Header {
        let mut h = Header::default();
        for (i, stmt) in py.ast.body.iter().enumerate() {
            let (target, value) = match stmt {
                Stmt::Assign(a) if a.targets.len() == 1 => (a.targets.first(), Some(&*a.value)),
                Stmt::AnnAssign(a) => (Some(&*a.target), a.value.as_deref()),
                Stmt::FunctionDef(f) => {
                    h.has_upgrade |= f.name.as_str() == "upgrade";
                    continue;
                }
                Stmt::Expr(e) if i == 0 => {
                    if let Expr::StringLiteral(s) = &*e.value {
                        h.docstring = Some(s.value.to_str().to_string());
                    }
                    continue;
                }
                _ => continue,
            };
            let (Some(Expr::Name(name)), Some(value)) = (target, value) else {
                continue;
            };
            let slot = match name.id.as_str() {
                "revision" => &mut h.revision,
                "down_revision" => &mut h.down_revision,
                "branch_labels" => &mut h.branch_labels,
                "depends_on" => &mut h.depends_on,
                _ => continue,
            };
            *slot = Some(Assign {
                range: stmt.range(),
                values: literal_ids(value),
            });
        }
        h
    }
}

/// `"a"`, `("a", "b")`, `["a"]`, `None` -> the ids; None for anything else.
fn literal_ids(expr: &Expr) -> Option<Vec<String>> {
    let elts = match expr {
        Expr::NoneLiteral(_) => return Some(Vec::new()),
        Expr::StringLiteral(s) => return Some(vec![s.value.to_str().to_string()]),
        Expr::Tuple(t) => &t.elts,
        Expr::List(l) => &l.elts,
        Expr::Set(s) => &s.elts,
        _ => return None,
    };
    elts.iter()
        .map(|e| python::str_lit(e).map(str::to_string))
        .collect()
}

/// The replay order (indices into `revs`, every one exactly once) and the
/// MG204 findings about the graph.
fn linearize(revs: &[Revision], script_dir: &str) -> (Vec<usize>, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut by_label: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in revs.iter().enumerate() {
        if let Some(id) = &r.id {
            by_id.entry(id).or_default().push(i);
        }
        for l in &r.labels {
            by_label.entry(l).or_default().push(i);
        }
    }
    for (id, files) in &by_id {
        if let [first, again @ ..] = files.as_slice() {
            for j in again {
                let (a, b) = (&revs[*first], &revs[*j]);
                findings.push(
                    Finding::new(
                        &rules::MG204,
                        None,
                        None,
                        &format!("alembic-duplicate:{id}:{}", b.path),
                        format!(
                            "Alembic revision id {id} is used by two files: {} and {}",
                            a.path, b.path
                        ),
                    )
                    .at(b.id_at.clone())
                    .label(format!("revision {id} again"))
                    .related(a.id_at.clone(), format!("revision {id} first defined here"))
                    .help("give one of them a new revision id (`alembic revision` prints one), and point the down_revision meant for it at the new id"),
                );
            }
        }
    }

    // An unreadable id may be the one a missing parent names: say nothing then.
    let ids_complete = revs.iter().all(|r| r.id.is_some());
    let n = revs.len();
    let mut parents: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    let mut down_parents: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    for (i, r) in revs.iter().enumerate() {
        let lists = [
            (&r.down, &r.down_at, "down_revision"),
            (&r.depends, &r.depends_at, "depends_on"),
        ];
        for (names, at, key) in lists {
            for name in names {
                let targets = by_id
                    .get(name.as_str())
                    .or_else(|| by_label.get(name.as_str()));
                match targets {
                    Some(ts) => {
                        parents[i].extend(ts.iter().copied());
                        if key == "down_revision" {
                            down_parents[i].extend(ts.iter().copied());
                        }
                    }
                    None if ids_complete => {
                        let me = r.id.as_deref().unwrap_or("?");
                        findings.push(
                            Finding::new(
                                &rules::MG204,
                                None,
                                None,
                                &format!("alembic-missing:{me}:{name}"),
                                format!(
                                    "Alembic revision {me} ({}) has {key} {name}, which no revision file defines",
                                    r.path
                                ),
                            )
                            .at(at.clone())
                            .label(format!("no revision {name}"))
                            .help(format!("point {key} at an existing revision id (`alembic history` lists them), or restore the revision file that defined {name}")),
                        );
                    }
                    None => {}
                }
            }
        }
    }

    let (order, cycles) = topological(&parents);
    for cycle in cycles {
        let Some((first, rest)) = cycle.split_first() else {
            continue;
        };
        let id = |i: usize| revs[i].id.as_deref().unwrap_or("?");
        let mut chain: Vec<&str> = cycle.iter().map(|&i| id(i)).collect();
        chain.push(id(*first));
        let mut sorted_ids: Vec<&str> = cycle.iter().map(|&i| id(i)).collect();
        sorted_ids.sort_unstable();
        let mut f = Finding::new(
            &rules::MG204,
            None,
            None,
            &format!("alembic-cycle:{}", sorted_ids.join(",")),
            format!(
                "Alembic revisions form a cycle: {} (each names the next as its down_revision or depends_on)",
                chain.join(" -> ")
            ),
        )
        .at(revs[*first].down_at.clone())
        .label(format!("{} is on the cycle", id(*first)))
        .help("break the cycle: one of these revisions must point at an earlier revision (or None for the first one)");
        for &i in rest {
            f = f.related(
                revs[i].down_at.clone(),
                format!("{} is on the cycle", id(i)),
            );
        }
        findings.push(f);
    }

    heads(revs, &order, &down_parents, script_dir, &mut findings);
    (order, findings)
}

/// MG204 for several heads of one branch.
fn heads(
    revs: &[Revision],
    order: &[usize],
    down_parents: &[BTreeSet<usize>],
    script_dir: &str,
    findings: &mut Vec<Finding>,
) {
    let n = revs.len();
    let mut has_child = vec![false; n];
    for ps in down_parents {
        for &p in ps {
            if let Some(c) = has_child.get_mut(p) {
                *c = true;
            }
        }
    }
    // branch labels reach every descendant, as in Alembic
    let mut labels: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); n];
    for &i in order {
        let mut set: BTreeSet<&str> = revs[i].labels.iter().map(String::as_str).collect();
        for &p in &down_parents[i] {
            if p != i {
                set.extend(labels[p].iter().copied());
            }
        }
        labels[i] = set;
    }
    let mut groups: BTreeMap<&BTreeSet<&str>, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        if !has_child[i] && revs[i].id.is_some() {
            groups.entry(&labels[i]).or_default().push(i);
        }
    }
    for (branch, heads) in groups {
        let [first, others @ ..] = heads.as_slice() else {
            continue;
        };
        // two files of one id are MG204 already, as a duplicate
        if others.iter().all(|&o| revs[o].id == revs[*first].id) {
            continue;
        }
        let id = |i: usize| revs[i].id.as_deref().unwrap_or("?");
        let named: Vec<String> = heads
            .iter()
            .map(|&i| format!("{} ({})", id(i), revs[i].path))
            .collect();
        let mut ids: Vec<&str> = heads.iter().map(|&i| id(i)).collect();
        ids.sort_unstable();
        let on = if branch.is_empty() {
            String::new()
        } else {
            format!(
                " on branch {}",
                branch.iter().copied().collect::<Vec<_>>().join(", ")
            )
        };
        let mut f = Finding::new(
            &rules::MG204,
            None,
            None,
            &format!("alembic-heads:{script_dir}:{}", ids.join(",")),
            format!(
                "several Alembic heads{on}: {}; `alembic upgrade head` refuses to run",
                named.join(", ")
            ),
        )
        .at(revs[*first].id_at.clone())
        .label(format!("head {}", id(*first)))
        .help(format!(
            "merge them: `alembic merge heads -m \"merge\"` (a revision with down_revision = ({})), or point the newer revision's down_revision at the other head",
            ids.iter().map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(", ")
        ));
        for &i in others {
            f = f.related(revs[i].id_at.clone(), format!("another head: {}", id(i)));
        }
        findings.push(f);
    }
}

/// Every node after its parents; the branch just emitted is continued while
/// it can be; otherwise the lowest ready index (nodes are in file path
/// order). When every node left waits on another one left, the nodes are on
/// or below a cycle: the cycle is returned (each node followed by the one it
/// names as parent) and broken at its lowest index. Returns the order, every
/// node exactly once, and the cycles found.
fn topological(parents: &[BTreeSet<usize>]) -> (Vec<usize>, Vec<Vec<usize>>) {
    let n = parents.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut waiting: Vec<usize> = vec![0; n];
    for (i, ps) in parents.iter().enumerate() {
        for &p in ps {
            if let Some(c) = children.get_mut(p) {
                c.push(i);
                waiting[i] += 1;
            }
        }
    }
    let mut done = vec![false; n];
    let mut ready: BTreeSet<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    let mut cycles: Vec<Vec<usize>> = Vec::new();
    let mut on_reported_cycle = vec![false; n];
    let mut last: Option<usize> = None;
    while order.len() < n {
        let continuing = last.and_then(|l| {
            children
                .get(l)?
                .iter()
                .copied()
                .filter(|c| ready.contains(c))
                .min()
        });
        let next = match continuing.or_else(|| ready.first().copied()) {
            Some(x) => x,
            None => {
                // Every node left waits on another one left: a cycle.
                let Some(start) = (0..n).find(|&i| !done[i]) else {
                    break;
                };
                let cycle = find_cycle(start, parents, &done);
                let breaker = cycle.iter().copied().min().unwrap_or(start);
                if !cycle.is_empty() && !cycle.iter().any(|&i| on_reported_cycle[i]) {
                    for &i in &cycle {
                        on_reported_cycle[i] = true;
                    }
                    cycles.push(cycle);
                }
                breaker
            }
        };
        ready.remove(&next);
        done[next] = true;
        order.push(next);
        last = Some(next);
        for &c in children.get(next).map(Vec::as_slice).unwrap_or(&[]) {
            waiting[c] = waiting[c].saturating_sub(1);
            if waiting[c] == 0 && !done[c] {
                ready.insert(c);
            }
        }
    }
    (order, cycles)
}

/// Walks up not-done parents from `start` until a node repeats: the nodes
/// from its first visit on are a cycle, returned from the lowest index on,
/// each followed by the parent it names.
fn find_cycle(start: usize, parents: &[BTreeSet<usize>], done: &[bool]) -> Vec<usize> {
    let mut path: Vec<usize> = vec![start];
    let mut seen: HashMap<usize, usize> = HashMap::from([(start, 0)]);
    let mut current = start;
    loop {
        let Some(p) = parents.get(current).and_then(|ps| {
            ps.iter()
                .copied()
                .find(|&p| !done.get(p).copied().unwrap_or(true))
        }) else {
            return Vec::new();
        };
        if let Some(&at) = seen.get(&p) {
            // path[at..] walks parent-wards; children-first order reads as
            // "x -> its down_revision -> ..."
            let mut cycle: Vec<usize> = path.get(at..).map(<[usize]>::to_vec).unwrap_or_default();
            if let Some(low) = cycle
                .iter()
                .enumerate()
                .min_by_key(|(_, &v)| v)
                .map(|(k, _)| k)
            {
                cycle.rotate_left(low);
            }
            return cycle;
        }
        seen.insert(p, path.len());
        path.push(p);
        current = p;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::Layout;
    use crate::snapshot::MemorySnapshot;

    fn rev(id: &str, down: &str) -> String {
        format!("\"\"\"{id} message\n\nRevision ID: {id}\n\"\"\"\nfrom alembic import op\n\nrevision = \"{id}\"\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n")
    }

    fn load_files(files: &[(&str, String)]) -> History {
        let owned: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let s = MemorySnapshot::new(owned);
        load(
            &s,
            &MigrationInput {
                path: "alembic".into(),
                layout: Layout::Alembic,
            },
            Dialect::default(),
        )
    }

    fn versions(h: &History) -> Vec<&str> {
        h.units.iter().map(|u| u.version.as_str()).collect()
    }

    fn mg204(h: &History) -> Vec<&str> {
        h.findings
            .iter()
            .filter(|f| f.rule.id == "MG204")
            .map(|f| f.message.as_str())
            .collect()
    }

    #[test]
    fn linear_history_in_graph_order_not_file_order() {
        let h = load_files(&[
            ("alembic/versions/a_third.py", rev("c3", "\"b2\"")),
            ("alembic/versions/b_first.py", rev("a1", "None")),
            ("alembic/versions/c_second.py", rev("b2", "'a1'")),
            ("alembic/versions/__init__.py", String::new()),
            ("alembic/versions/helpers.py", "def f():\n    pass\n".into()),
            ("alembic/env.py", "from alembic import context\n".into()),
        ]);
        assert_eq!(versions(&h), ["a1", "b2", "c3"]);
        assert!(h.findings.is_empty(), "{:?}", h.findings);
        assert_eq!(h.units[0].name, "a1 message");
        assert!(h.units.iter().all(|u| u.frontend.is_alembic()));
        assert_eq!(h.units[0].up, 0..h.units[0].file.text.len());
    }

    #[test]
    fn branch_and_merge() {
        let h = load_files(&[
            ("alembic/versions/1.py", rev("base", "None")),
            ("alembic/versions/2.py", rev("left", "'base'")),
            ("alembic/versions/3.py", rev("right", "'base'")),
            ("alembic/versions/4.py", rev("left2", "'left'")),
            ("alembic/versions/5.py", rev("merge", "('left2', 'right')")),
        ]);
        // the left branch is finished before the right one starts
        assert_eq!(versions(&h), ["base", "left", "left2", "right", "merge"]);
        assert!(h.findings.is_empty(), "{:?}", h.findings);
    }

    #[test]
    fn two_heads_name_both_files() {
        let h = load_files(&[
            ("alembic/versions/1_init.py", rev("1a", "None")),
            ("alembic/versions/2_users.py", rev("2b", "'1a'")),
            ("alembic/versions/3_posts.py", rev("3c", "'1a'")),
        ]);
        assert_eq!(versions(&h), ["1a", "2b", "3c"]);
        let f: Vec<&Finding> = h.findings.iter().collect();
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].rule.id, "MG204");
        assert!(f[0].message.contains("alembic/versions/2_users.py"));
        assert!(f[0].message.contains("alembic/versions/3_posts.py"));
        let at = f[0].location.as_ref().unwrap();
        assert_eq!(
            (&*at.path, at.start.line),
            ("alembic/versions/2_users.py", 7)
        );
        assert_eq!(
            &*f[0].related[0].location.path,
            "alembic/versions/3_posts.py"
        );
        assert!(f[0]
            .help
            .as_deref()
            .unwrap()
            .contains("alembic merge heads"));
        assert_eq!(f[0].fingerprint, "MG204::alembic-heads:alembic:2b,3c");
    }

    #[test]
    fn heads_on_different_branch_labels_are_intended() {
        let mut a = rev("a1", "None");
        a = a.replace("branch_labels = None", "branch_labels = ('app',)");
        let mut b = rev("b1", "None");
        b = b.replace("branch_labels = None", "branch_labels = 'audit'");
        let h = load_files(&[
            ("alembic/versions/a1.py", a),
            ("alembic/versions/a2.py", rev("a2", "'a1'")),
            ("alembic/versions/b1.py", b),
            // depends_on may name a branch label
            (
                "alembic/versions/b2.py",
                rev("b2", "'b1'").replace("depends_on = None", "depends_on = 'app'"),
            ),
        ]);
        assert!(mg204(&h).is_empty(), "{:?}", h.findings);
        let v = versions(&h);
        let pos = |x: &str| v.iter().position(|y| *y == x).unwrap();
        assert!(pos("a1") < pos("b2") && pos("b1") < pos("b2"), "{v:?}");
        // two heads on one labelled branch are not
        let h = load_files(&[
            (
                "alembic/versions/a1.py",
                rev("a1", "None").replace("branch_labels = None", "branch_labels = ['app']"),
            ),
            ("alembic/versions/a2.py", rev("a2", "'a1'")),
            ("alembic/versions/a3.py", rev("a3", "'a1'")),
        ]);
        assert_eq!(mg204(&h).len(), 1, "{:?}", h.findings);
        assert!(mg204(&h)[0].contains("on branch app"), "{:?}", h.findings);
    }

    #[test]
    fn missing_parent_is_reported_and_the_rest_replayed() {
        let h = load_files(&[
            ("alembic/versions/1.py", rev("a1", "None")),
            ("alembic/versions/2.py", rev("b2", "'zz'")),
            (
                "alembic/versions/3.py",
                rev("c3", "'a1'").replace("depends_on = None", "depends_on = ['nope']"),
            ),
        ]);
        assert_eq!(h.units.len(), 3);
        let m = mg204(&h);
        assert!(
            m.iter()
                .any(|m| m.contains("b2") && m.contains("down_revision zz")),
            "{m:?}"
        );
        assert!(
            m.iter()
                .any(|m| m.contains("c3") && m.contains("depends_on nope")),
            "{m:?}"
        );
        let missing = h
            .findings
            .iter()
            .find(|f| f.message.contains("zz"))
            .unwrap();
        assert_eq!(missing.location.as_ref().unwrap().start.line, 8);
        // b2 hangs from nothing: a second head next to c3
        assert!(
            m.iter().any(|m| m.contains("several Alembic heads")),
            "{m:?}"
        );
    }

    #[test]
    fn duplicate_id_names_both_files() {
        let h = load_files(&[
            ("alembic/versions/1.py", rev("a1", "None")),
            ("alembic/versions/2.py", rev("b2", "'a1'")),
            ("alembic/versions/3.py", rev("b2", "'a1'")),
            ("alembic/versions/4.py", rev("c3", "'b2'")),
        ]);
        assert_eq!(versions(&h), ["a1", "b2", "b2", "c3"]);
        let dup: Vec<&Finding> = h
            .findings
            .iter()
            .filter(|f| f.message.contains("used by two files"))
            .collect();
        assert_eq!(dup.len(), 1, "{:?}", h.findings);
        assert_eq!(
            &*dup[0].location.as_ref().unwrap().path,
            "alembic/versions/3.py"
        );
        assert_eq!(&*dup[0].related[0].location.path, "alembic/versions/2.py");
        assert_eq!(h.findings.len(), 1, "{:?}", h.findings);
        // duplicated heads are the duplicate, not two heads
        let h = load_files(&[
            ("alembic/versions/1.py", rev("a1", "None")),
            ("alembic/versions/2.py", rev("b2", "'a1'")),
            ("alembic/versions/3.py", rev("b2", "'a1'")),
        ]);
        assert_eq!(mg204(&h).len(), 1, "{:?}", h.findings);
        assert!(
            mg204(&h)[0].contains("used by two files"),
            "{:?}",
            h.findings
        );
    }

    #[test]
    fn cycle_is_reported_and_everything_replayed() {
        let h = load_files(&[
            ("alembic/versions/0.py", rev("root", "None")),
            ("alembic/versions/1.py", rev("a1", "'c3'")),
            ("alembic/versions/2.py", rev("b2", "'a1'")),
            ("alembic/versions/3.py", rev("c3", "('b2', 'root')")),
            ("alembic/versions/4.py", rev("d4", "'c3'")),
        ]);
        assert_eq!(versions(&h), ["root", "a1", "b2", "c3", "d4"]);
        let cycles: Vec<&Finding> = h
            .findings
            .iter()
            .filter(|f| f.message.contains("cycle"))
            .collect();
        assert_eq!(cycles.len(), 1, "{:?}", h.findings);
        assert!(
            cycles[0].message.contains("a1 -> c3 -> b2 -> a1"),
            "{}",
            cycles[0].message
        );
        assert_eq!(cycles[0].related.len(), 2);
        assert_eq!(cycles[0].fingerprint, "MG204::alembic-cycle:a1,b2,c3");
        // a revision naming itself
        let h = load_files(&[("alembic/versions/1.py", rev("a1", "'a1'"))]);
        assert_eq!(versions(&h), ["a1"]);
        assert!(mg204(&h)[0].contains("a1 -> a1"), "{:?}", h.findings);
    }

    #[test]
    fn annotated_and_list_forms() {
        let text = "\"\"\"add users\n\nRevision ID: b2\n\"\"\"\nfrom typing import Sequence, Union\n\nrevision: str = 'b2'\ndown_revision: Union[str, Sequence[str], None] = ['a1']\nbranch_labels: Union[str, Sequence[str], None] = None\ndepends_on: Union[str, Sequence[str], None] = None\n\n\ndef upgrade() -> None:\n    pass\n";
        let h = load_files(&[
            (
                "alembic/versions/2024_01_01_1200-b2_add_users.py",
                text.into(),
            ),
            (
                "alembic/versions/a1_init.py",
                rev("a1", "None").replace("\"\"\"a1 message\n\nRevision ID: a1\n\"\"\"\n", ""),
            ),
        ]);
        assert_eq!(versions(&h), ["a1", "b2"]);
        assert_eq!(h.units[0].name, "init");
        assert_eq!(h.units[1].name, "add users");
        assert!(h.findings.is_empty(), "{:?}", h.findings);
    }

    #[test]
    fn unreadable_header_values() {
        let h = load_files(&[
            ("alembic/versions/1.py", rev("a1", "None")),
            ("alembic/versions/2.py", rev("b2", "PREVIOUS")),
            (
                "alembic/versions/3.py",
                "revision = make_id()\ndown_revision = 'a1'\ndef upgrade():\n    pass\n".into(),
            ),
        ]);
        assert_eq!(h.units.len(), 3);
        let rules: Vec<&str> = h.findings.iter().map(|f| f.rule.id).collect();
        assert!(rules.contains(&"MG001"), "{:?}", h.findings);
        let no_id = h
            .findings
            .iter()
            .find(|f| f.message.contains("no readable revision id"))
            .unwrap();
        assert_eq!(no_id.rule.id, "MG204");
        assert_eq!(
            &*no_id.location.as_ref().unwrap().path,
            "alembic/versions/3.py"
        );
    }

    #[test]
    fn broken_file_keeps_its_header_and_binary_is_mg002() {
        let broken = rev("b2", "'a1'").replace("    pass\n", "    op.create_table('x',\n");
        let owned = [
            ("alembic/versions/1.py", rev("a1", "None").into_bytes()),
            ("alembic/versions/2.py", broken.into_bytes()),
            ("alembic/versions/3.py", vec![0u8, 159, 146, 150, 0, 0]),
        ];
        let s = MemorySnapshot::new(
            owned
                .iter()
                .map(|(p, b)| (p.to_string(), b.clone()))
                .collect::<Vec<_>>(),
        );
        let h = load(
            &s,
            &MigrationInput {
                path: "alembic".into(),
                layout: Layout::Alembic,
            },
            Dialect::default(),
        );
        assert_eq!(versions(&h), ["a1", "b2"]);
        let mg002: Vec<&Finding> = h.findings.iter().filter(|f| f.rule.id == "MG002").collect();
        assert_eq!(mg002.len(), 2, "{:?}", h.findings);
        assert!(mg002.iter().any(|f| f.message.contains("syntax error")));
        assert!(mg002.iter().any(|f| f
            .location
            .as_ref()
            .is_some_and(|l| &*l.path == "alembic/versions/3.py" && l.start.line == 1)));
    }

    #[test]
    fn version_locations_are_all_read() {
        let h = {
            let files = [
                (
                    "alembic.ini",
                    "[alembic]\nscript_location = alembic\nversion_locations = %(here)s/alembic/versions %(here)s/plugins/audit\n".to_string(),
                ),
                ("alembic/env.py", String::new()),
                ("alembic/versions/1.py", rev("a1", "None")),
                ("plugins/audit/2.py", rev("b2", "'a1'")),
                // not listed: not read
                ("plugins/other/3.py", rev("c3", "'b2'")),
            ];
            load_files(&files)
        };
        assert_eq!(versions(&h), ["a1", "b2"]);
        assert!(h.findings.is_empty(), "{:?}", h.findings);
    }

    #[test]
    fn order_is_independent_of_listing_and_stable() {
        let files = [
            ("alembic/versions/x.py", rev("x", "None")),
            ("alembic/versions/y.py", rev("y", "'x'")),
            ("alembic/versions/a.py", rev("a", "None")),
            ("alembic/versions/b.py", rev("b", "'a'")),
            ("alembic/versions/m.py", rev("m", "('y', 'b')")),
        ];
        let h = load_files(&files);
        assert_eq!(versions(&h), ["a", "b", "x", "y", "m"]);
        let mut reversed = files.to_vec();
        reversed.reverse();
        assert_eq!(versions(&load_files(&reversed)), versions(&h));
    }

    mod prop {
        use super::super::topological;
        use proptest::prelude::*;
        use std::collections::BTreeSet;

        fn is_permutation(order: &[usize], n: usize) -> bool {
            let mut seen = order.to_vec();
            seen.sort_unstable();
            seen == (0..n).collect::<Vec<_>>()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(crate::proptest_cases(200)))]
            #[test]
            fn acyclic_graphs_are_ordered_parents_first(
                rank in (1usize..14).prop_flat_map(|n| Just((0..n).collect::<Vec<usize>>()).prop_shuffle()),
                edges in proptest::collection::vec((0usize..14, 0usize..14), 0..30),
            ) {
                let n = rank.len();
                // an edge goes from the lower rank to the higher: no cycle
                let mut parents = vec![BTreeSet::new(); n];
                for (a, b) in edges {
                    let (a, b) = (a % n, b % n);
                    if rank[a] < rank[b] {
                        parents[b].insert(a);
                    } else if rank[b] < rank[a] {
                        parents[a].insert(b);
                    }
                }
                let (order, cycles) = topological(&parents);
                prop_assert!(cycles.is_empty());
                prop_assert!(is_permutation(&order, n));
                let pos: Vec<usize> = (0..n).map(|i| order.iter().position(|&x| x == i).unwrap()).collect();
                for (child, ps) in parents.iter().enumerate() {
                    for &p in ps {
                        prop_assert!(pos[p] < pos[child]);
                    }
                }
            }

            #[test]
            fn any_graph_replays_every_node_once(
                n in 1usize..12,
                edges in proptest::collection::vec((0usize..12, 0usize..12), 0..40),
            ) {
                let mut parents = vec![BTreeSet::new(); n];
                for (a, b) in edges {
                    parents[b % n].insert(a % n);
                }
                let (order, cycles) = topological(&parents);
                prop_assert!(is_permutation(&order, n));
                let has_cycle = parents.iter().enumerate().any(|(i, ps)| ps.contains(&i))
                    || !cycles.is_empty();
                // nodes out of parent order only where a cycle was broken
                let pos: Vec<usize> = (0..n).map(|i| order.iter().position(|&x| x == i).unwrap()).collect();
                let violated = parents.iter().enumerate().any(|(c, ps)| ps.iter().any(|&p| pos[p] > pos[c] || p == c));
                prop_assert!(!violated || has_cycle);
            }
        }
    }
}
