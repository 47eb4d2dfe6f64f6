"""Writes revisions/<name>.py for every mutation of mutations.toml whose fix
is "autogenerate": what the real `alembic revision --autogenerate` writes for
the mutated base project. Run after changing base/ or mutations.toml:

    python3 -m venv /tmp/alembic-venv
    /tmp/alembic-venv/bin/pip install alembic==1.20.1 sqlalchemy==2.1.9
    /tmp/alembic-venv/bin/python tests/alembic/generate.py

The output is deterministic (the Create Date line is fixed), so a diff shows
what changed in Alembic's output.
"""

import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib

HERE = pathlib.Path(__file__).resolve().parent
BASE = HERE / "base"
OUT = HERE / "revisions"
ALEMBIC = [sys.executable, "-m", "alembic"]


def run(cwd, *args):
    done = subprocess.run(ALEMBIC + list(args), cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"alembic {' '.join(args)} failed in {cwd}:\n{done.stderr}")


def main():
    mutations = tomllib.loads((HERE / "mutations.toml").read_text())["mutation"]
    OUT.mkdir(exist_ok=True)
    for m in mutations:
        if m["fix"] != "autogenerate":
            continue
        with tempfile.TemporaryDirectory() as tmp:
            project = pathlib.Path(tmp) / "project"
            shutil.copytree(BASE, project)
            models = project / "app" / "models.py"
            text = models.read_text()
            if m["find"] not in text:
                sys.exit(f"{m['name']}: the edit's text is not in app/models.py")
            models.write_text(text.replace(m["find"], m["replace"], 1))
            run(project, "upgrade", "head")
            run(project, "revision", "--autogenerate", "--rev-id", m["rev_id"], "-m", m["name"])
            [written] = (project / "migrations" / "versions").glob(f"{m['rev_id']}_*.py")
            revision = re.sub(
                r"(?m)^Create Date: .*$", "Create Date: 2026-11-23 00:00:00.000000", written.read_text()
            )
            (OUT / f"{m['name']}.py").write_text(revision)
            print(f"{m['name']}: {written.name}")


if __name__ == "__main__":
    main()
