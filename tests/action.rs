//! The GitHub Action (action.yml) run the way a runner runs a composite
//! action: each `run` step in bash with its `env` block evaluated from the
//! inputs, the event payload and earlier steps' outputs, and the runner's
//! files (GITHUB_OUTPUT, GITHUB_PATH, GITHUB_STEP_SUMMARY) honoured.
//!
//! `uses:` steps (actions/cache) are the runner's business; the cache hit
//! they would give is simulated by placing the test's binary where the
//! install step looks for it, so `cargo install` is not run here.

mod common;

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The action's steps and input defaults, as the runner reads them.
struct Action {
    inputs: BTreeMap<String, String>,
    steps: Vec<serde_yaml::Value>,
}

fn load_action() -> Action {
    let text = std::fs::read_to_string(common::manifest_dir().join("action.yml")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(doc["runs"]["using"].as_str(), Some("composite"));
    let mut inputs = BTreeMap::new();
    for (name, spec) in doc["inputs"].as_mapping().unwrap() {
        let default = spec["default"].as_str().unwrap_or("").to_string();
        inputs.insert(name.as_str().unwrap().to_string(), default);
    }
    let steps = doc["runs"]["steps"].as_sequence().unwrap().clone();
    Action { inputs, steps }
}

/// What a workflow run provides to the action.
struct Run {
    workspace: PathBuf,
    event: Value,
    env: BTreeMap<String, String>,
    inputs: BTreeMap<String, String>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    path_dirs: Vec<String>,
}

impl Run {
    /// Evaluates `${{ a || b }}` expressions of the forms the action uses.
    fn eval(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("unterminated expression") + start;
            let expr = rest[start + 3..end].trim();
            let value = expr
                .split("||")
                .map(|operand| self.operand(operand.trim()))
                .find(|v| !v.is_empty())
                .unwrap_or_default();
            out.push_str(&value);
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    fn operand(&self, name: &str) -> String {
        let parts: Vec<&str> = name.split('.').collect();
        match parts.as_slice() {
            ["inputs", input] => self.inputs.get(*input).cloned().unwrap_or_default(),
            ["github", "action_path"] => common::manifest_dir().display().to_string(),
            ["github", "workspace"] => self.workspace.display().to_string(),
            ["github", "sha"] => self.env["GITHUB_SHA"].clone(),
            ["github", "event", path @ ..] => {
                let mut v = &self.event;
                for p in path {
                    v = &v[*p];
                }
                v.as_str().unwrap_or_default().to_string()
            }
            ["steps", id, "outputs", output] => self
                .outputs
                .get(*id)
                .and_then(|o| o.get(*output))
                .cloned()
                .unwrap_or_default(),
            _ => panic!("the test runner does not know the expression `{name}`"),
        }
    }
}

struct StepResult {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs every step of the action; returns the result of each `run` step by id.
fn run_action(run: &mut Run, tool_cache: &Path) -> BTreeMap<String, StepResult> {
    let action = load_action();
    for (k, v) in &action.inputs {
        run.inputs.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let mut results = BTreeMap::new();
    for (i, step) in action.steps.iter().enumerate() {
        let id = step["id"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("step{i}"));
        if let Some(uses) = step["uses"].as_str() {
            assert!(uses.starts_with("actions/cache@"), "unexpected step {uses}");
            // A cache hit: the binary is where the key step said it would be.
            let root = run.eval(step["with"]["path"].as_str().unwrap());
            assert!(root.starts_with(tool_cache.to_str().unwrap()), "{root}");
            let bin = Path::new(&root).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            std::fs::copy(env!("CARGO_BIN_EXE_migraguard"), bin.join("migraguard")).unwrap();
            continue;
        }
        assert_eq!(step["shell"].as_str(), Some("bash"), "step {id}");
        let script = step["run"].as_str().unwrap();
        let output_file = run.workspace.join(format!("../gh-output-{id}"));
        std::fs::write(&output_file, "").unwrap();
        let path_file = run.workspace.join("../gh-path");
        std::fs::write(&path_file, "").unwrap();
        let mut cmd = Command::new("bash");
        cmd.arg("-e")
            .arg("-c")
            .arg(script)
            .current_dir(&run.workspace);
        cmd.env_clear();
        let mut path = run.path_dirs.clone();
        path.push(std::env::var("PATH").unwrap_or_default());
        cmd.env("PATH", path.join(":"));
        cmd.env("HOME", run.workspace.join(".."));
        cmd.envs(&run.env);
        cmd.env("GITHUB_OUTPUT", &output_file);
        cmd.env("GITHUB_PATH", &path_file);
        if let Some(env) = step["env"].as_mapping() {
            for (k, v) in env {
                cmd.env(k.as_str().unwrap(), run.eval(v.as_str().unwrap_or("")));
            }
        }
        let out = cmd.output().unwrap();
        let outputs: BTreeMap<String, String> = std::fs::read_to_string(&output_file)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        run.outputs.insert(id.clone(), outputs);
        for dir in std::fs::read_to_string(&path_file).unwrap().lines() {
            run.path_dirs.insert(0, dir.to_string());
        }
        let result = StepResult {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        // A failing step ends the job, as on a runner.
        let failed = result.code != 0;
        results.insert(id, result);
        if failed {
            break;
        }
    }
    results
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel.as_os_str() == "expect.toml" {
            continue;
        }
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// The line of `path` holding `needle`, 1-based.
fn line_of(path: &Path, needle: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .position(|l| l.contains(needle))
        .unwrap()
        + 1
}

/// A repository on `main` holding the seed-000 project (fixed) under
/// `subdir`, and a pull-request branch made by `change`. Returns the run
/// and the base and head commits.
fn pull_request(tmp: &Path, subdir: &str, change: impl FnOnce(&Path)) -> (Run, String, String) {
    let workspace = tmp.join("work");
    std::fs::create_dir_all(&workspace).unwrap();
    git(&workspace, &["init", "-q", "-b", "main"]);
    let project = workspace.join(subdir);
    copy_dir(&common::fixtures_dir().join("seed-000-fixed"), &project);
    git(&workspace, &["add", "-A"]);
    git(&workspace, &["commit", "-q", "-m", "base"]);
    let base = git(&workspace, &["rev-parse", "HEAD"]);
    git(&workspace, &["checkout", "-q", "-b", "feature"]);
    change(&project);
    git(&workspace, &["add", "-A"]);
    git(&workspace, &["commit", "-q", "-m", "change"]);
    let head = git(&workspace, &["rev-parse", "HEAD"]);

    let event = json!({
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": {"ref": "main", "sha": base},
            "head": {"ref": "feature", "sha": head},
        },
    });
    let event_path = tmp.join("event.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    let runner_temp = tmp.join("runner-temp");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let env: BTreeMap<String, String> = [
        ("CI", "true".to_string()),
        ("GITHUB_ACTIONS", "true".to_string()),
        ("GITHUB_EVENT_NAME", "pull_request".to_string()),
        ("GITHUB_EVENT_PATH", event_path.display().to_string()),
        ("GITHUB_WORKSPACE", workspace.display().to_string()),
        ("GITHUB_SHA", head.clone()),
        ("GITHUB_SERVER_URL", "https://github.com".to_string()),
        ("GITHUB_REPOSITORY", "acme/control-center".to_string()),
        (
            "GITHUB_STEP_SUMMARY",
            tmp.join("step-summary.md").display().to_string(),
        ),
        ("RUNNER_TEMP", runner_temp.display().to_string()),
        (
            "RUNNER_TOOL_CACHE",
            tmp.join("tool-cache").display().to_string(),
        ),
        ("RUNNER_OS", "Linux".to_string()),
        ("RUNNER_ARCH", "X64".to_string()),
        ("NO_COLOR", "1".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut inputs = BTreeMap::new();
    inputs.insert("path".to_string(), subdir.to_string());
    let run = Run {
        workspace,
        event,
        env,
        inputs,
        outputs: BTreeMap::new(),
        path_dirs: Vec::new(),
    };
    (run, base, head)
}

const NEW_COLUMN: &str = "    port = Column(Integer, nullable=False)\n";
const NEW_COLUMN_WITH_OWNER: &str =
    "    port = Column(Integer, nullable=False)\n    owner = Column(String(100))\n";

#[test]
fn a_pull_request_adding_a_column_without_a_migration_fails_with_annotations_summary_and_sarif() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut run, _base, head) = pull_request(tmp.path(), "backend", |project| {
        edit(
            &project.join("app/models.py"),
            NEW_COLUMN,
            NEW_COLUMN_WITH_OWNER,
        );
    });
    let models = run.workspace.join("backend/app/models.py");
    let line = line_of(&models, "owner = Column");
    let results = run_action(&mut run, &tmp.path().join("tool-cache"));
    let check = &results["check"];
    assert_eq!(
        check.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        check.stdout, check.stderr
    );
    assert_eq!(run.outputs["check"]["exit-code"], "1");

    // Annotations: repository-relative path, the model line, the rule as title.
    let annotation = check
        .stdout
        .lines()
        .find(|l| l.starts_with("::error ") && l.contains("MG102"))
        .unwrap_or_else(|| panic!("no MG102 annotation in:\n{}", check.stdout));
    assert!(
        annotation.contains(&format!("file=backend/app/models.py,line={line},")),
        "{annotation}"
    );
    assert!(
        annotation.contains("title=MG102 missing-column"),
        "{annotation}"
    );
    assert!(annotation.contains("services.owner"), "{annotation}");
    assert_eq!(
        check.stdout.matches("::error file=").count(),
        1,
        "only the new finding is annotated:\n{}",
        check.stdout
    );

    // The job summary links the finding to the pull request's head.
    let summary = std::fs::read_to_string(tmp.path().join("step-summary.md")).unwrap();
    assert!(summary.contains("MG102"), "{summary}");
    assert!(
        summary.contains(&format!(
            "https://github.com/acme/control-center/blob/{head}/backend/app/models.py#L{line}"
        )),
        "{summary}"
    );

    // The SARIF file named by the output holds the one result.
    let sarif_path = &run.outputs["check"]["sarif-file"];
    assert!(
        sarif_path.starts_with(&run.env["RUNNER_TEMP"]),
        "{sarif_path}"
    );
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(sarif_path).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{sarif:#}");
    assert_eq!(results[0]["ruleId"], "MG102");
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "backend/app/models.py");
    assert_eq!(location["region"]["startLine"], line);
}

#[test]
fn a_pull_request_that_brings_its_migration_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut run, _, _) = pull_request(tmp.path(), ".", |project| {
        edit(
            &project.join("app/models.py"),
            NEW_COLUMN,
            NEW_COLUMN_WITH_OWNER,
        );
        std::fs::write(
            project.join("migrations/0004_add_service_owner.sql"),
            "ALTER TABLE services ADD COLUMN owner VARCHAR(100);\n",
        )
        .unwrap();
    });
    let results = run_action(&mut run, &tmp.path().join("tool-cache"));
    let check = &results["check"];
    assert_eq!(
        check.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        check.stdout, check.stderr
    );
    assert_eq!(run.outputs["check"]["exit-code"], "0");
    assert!(!check.stdout.contains("::error"), "{}", check.stdout);
    let sarif_path = &run.outputs["check"]["sarif-file"];
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(sarif_path).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 0);
}

#[test]
fn old_drift_at_the_base_is_not_blamed_on_the_pull_request() {
    let tmp = tempfile::tempdir().unwrap();
    let workspace = tmp.path().join("work");
    // Drift on main: the description migration never existed.
    let (mut run, _, _) = pull_request(tmp.path(), ".", |project| {
        std::fs::write(project.join("README.md"), "docs only\n").unwrap();
    });
    // Rewrite history so that main already lacks the migration.
    git(&workspace, &["checkout", "-q", "main"]);
    git(
        &workspace,
        &["rm", "-q", "migrations/0003_add_service_description.sql"],
    );
    git(&workspace, &["commit", "-q", "-m", "legacy drift"]);
    let base = git(&workspace, &["rev-parse", "HEAD"]);
    git(&workspace, &["checkout", "-q", "-b", "docs"]);
    std::fs::write(workspace.join("CHANGELOG.md"), "docs only\n").unwrap();
    git(&workspace, &["add", "-A"]);
    git(&workspace, &["commit", "-q", "-m", "docs"]);
    let head = git(&workspace, &["rev-parse", "HEAD"]);
    run.event["pull_request"]["base"]["sha"] = json!(base);
    run.event["pull_request"]["head"]["sha"] = json!(head);
    std::fs::write(&run.env["GITHUB_EVENT_PATH"], run.event.to_string()).unwrap();
    run.env.insert("GITHUB_SHA".into(), head);

    let results = run_action(&mut run, &tmp.path().join("tool-cache"));
    let check = &results["check"];
    assert_eq!(
        check.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        check.stdout, check.stderr
    );
    let summary = std::fs::read_to_string(tmp.path().join("step-summary.md")).unwrap();
    assert!(summary.contains("1 already at"), "{summary}");

    // With `--all` in args the legacy finding is reported and fails the job.
    run.inputs.insert("args".into(), "--all".into());
    run.outputs.clear();
    let results = run_action(&mut run, &tmp.path().join("tool-cache"));
    assert_eq!(results["check"].code, 1, "{}", results["check"].stdout);
    assert!(results["check"].stdout.contains("services.description"));
}

#[test]
fn a_push_compares_with_the_commit_before_it_or_checks_everything_after_a_force_push() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut run, base, head) = pull_request(tmp.path(), ".", |project| {
        edit(
            &project.join("app/models.py"),
            NEW_COLUMN,
            NEW_COLUMN_WITH_OWNER,
        );
    });
    run.env.insert("GITHUB_EVENT_NAME".into(), "push".into());
    let push = |before: &str| json!({"before": before, "after": head.clone()});

    run.event = push(&base);
    std::fs::write(&run.env["GITHUB_EVENT_PATH"], run.event.to_string()).unwrap();
    let results = run_action(&mut run, &tmp.path().join("tool-cache"));
    let check = &results["check"];
    assert_eq!(check.code, 1, "{}\n{}", check.stdout, check.stderr);
    assert_eq!(
        check.stdout.matches("::error file=").count(),
        1,
        "{}",
        check.stdout
    );
    assert!(
        !check.stdout.contains("::warning title=migraguard"),
        "{}",
        check.stdout
    );

    // A force-push: the previous tip is not in the checkout. A warning, and
    // a full check rather than a job that cannot run.
    run.event = push("1111111111111111111111111111111111111111");
    std::fs::write(&run.env["GITHUB_EVENT_PATH"], run.event.to_string()).unwrap();
    run.outputs.clear();
    let results = run_action(&mut run, &tmp.path().join("tool-cache"));
    let check = &results["check"];
    assert_eq!(check.code, 1, "{}\n{}", check.stdout, check.stderr);
    assert!(
        check
            .stdout
            .contains("::warning title=migraguard::the commit before this push"),
        "{}",
        check.stdout
    );
    assert!(check.stdout.contains("services.owner"), "{}", check.stdout);
}
