"""Builds fixtures/alembic-large step by step with the real autogenerate.

    cd tests/gen_alembic_large && PGHOST=/tmp/mgpg PGPORT=55432 PGUSER=postgres \
        <venv>/bin/python steps.py /tmp/alembic-large <venv>

(the venv of tests/verify_alembic_fixtures.py; a throwaway PostgreSQL, see there). The output
folder is wiped first: generate elsewhere and copy over fixtures/alembic-large, keeping its
expect.toml. The run creates (and leaves) the database mg_alembic_large_build.

Each step edits the models (kept as blocks of lines per file), then runs
`alembic revision --autogenerate` (or a plain `alembic revision` for
hand-written ones), optionally hand-edits the generated file, and upgrades a
real PostgreSQL database, with some rows in it so backfills do something.
"""

import datetime
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

from static_files import BASE, DB, ENUMS, TYPES

OUT = Path(sys.argv[1])
VENV = Path(sys.argv[2]) / "bin"
PGHOST = os.environ["PGHOST"]
PGPORT = os.environ.get("PGPORT", "5432")
PGUSER = os.environ.get("PGUSER", "postgres")
PG = f"postgresql+psycopg2://{PGUSER}@/{{db}}?host={PGHOST}&port={PGPORT}"
DBNAME = "mg_alembic_large_build"
rng = random.Random(20240117)
REVS = {}  # step name -> revision id

env = dict(os.environ, DATABASE_URL=PG.format(db=DBNAME), PYTHONDONTWRITEBYTECODE="1")


def sh(*cmd, check=True):
    r = subprocess.run(cmd, cwd=OUT, env=env, capture_output=True, text=True)
    if check and r.returncode != 0:
        print(r.stdout, r.stderr)
        raise SystemExit(f"failed: {cmd}")
    return r


def psql(sql, db=DBNAME):
    r = subprocess.run(["psql", "-h", PGHOST, "-p", PGPORT, "-U", PGUSER, "-d", db,
                        "-v", "ON_ERROR_STOP=1", "-qAtc", sql], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"psql failed: {sql}\n{r.stderr}")
    return r.stdout


# ---------------------------------------------------------------- models

HEADERS = {
    "enums.py": "import enum\n",
    "organization.py": '''import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Enum, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.enums import PlanTier
from app.types import GUID, JSONType
''',
    "user.py": '''import uuid
from datetime import datetime
from typing import Optional

from sqlalchemy import Column, DateTime, Enum, ForeignKey, String, Table, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.enums import UserRole
from app.types import GUID
''',
    "ticket.py": '''import uuid
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.enums import TicketChannel, TicketPriority, TicketStatus
from app.types import GUID, JSONType
''',
    "customer.py": '''import uuid
from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.types import GUID
''',
    "api.py": '''import uuid
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.types import GUID, JSONType
''',
    "knowledge.py": '''import uuid
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.types import GUID
''',
}
FILES = {name: {} for name in HEADERS}  # file -> {block name: [lines]}


def block(file, name, text_):
    FILES[file][name] = text_.strip("\n").split("\n")


def drop_block(file, name):
    del FILES[file][name]


def add(file, name, line, after=None):
    lines = FILES[file][name]
    if after is None:
        # before the first blank line that precedes relationships, else at the end
        idx = len(lines)
        for i, l in enumerate(lines):
            if "relationship(" in l:
                idx = i
                while idx > 0 and lines[idx - 1].strip() == "":
                    idx -= 1
                break
        lines.insert(idx, line)
    else:
        idx = next(i for i, l in enumerate(lines) if after in l)
        lines.insert(idx + 1, line)


def remove(file, name, sub):
    lines = FILES[file][name]
    idx = [i for i, l in enumerate(lines) if sub in l]
    assert len(idx) == 1, (file, name, sub, idx)
    del lines[idx[0]]


def replace(file, name, sub, new):
    lines = FILES[file][name]
    idx = [i for i, l in enumerate(lines) if sub in l]
    assert len(idx) == 1, (file, name, sub, idx)
    lines[idx[0]] = new


def write_models():
    pkg = OUT / "app" / "models"
    pkg.mkdir(parents=True, exist_ok=True)
    for file, blocks in FILES.items():
        body = HEADERS[file] + "\n\n" + "\n\n\n".join("\n".join(b) for b in blocks.values()) + "\n"
        (pkg / file).write_text(body)


# ---------------------------------------------------------------- revisions

def rev_id():
    return "%012x" % rng.getrandbits(48)


def newest():
    files = sorted((OUT / "alembic" / "versions").glob("*.py"), key=lambda p: p.stat().st_mtime_ns)
    return files[-1]


def revision(step, message, autogenerate=True, edit=None, head=None, extra=()):
    rid = rev_id()
    args = [str(VENV / "alembic"), "revision", "-m", message, "--rev-id", rid, *extra]
    if autogenerate:
        args.append("--autogenerate")
    if head:
        args += ["--head", head]
    r = sh(*args)
    if "Generating" not in r.stdout + r.stderr:
        print(r.stdout, r.stderr)
        raise SystemExit("no revision written")
    path = newest()
    assert rid in path.name, path
    text_ = path.read_text()
    if edit:
        text_ = edit(text_)
    path.write_text(text_)
    REVS[step] = rid
    return path


def swap(old, new):
    def f(t):
        assert old in t, f"not in revision: {old!r}\n---\n{t}"
        return t.replace(old, new, 1)
    return f


def chain(*fs):
    def f(t):
        for g in fs:
            t = g(t)
        return t
    return f


def body(upgrade, downgrade="    pass"):
    """For hand-written revisions: replace the empty bodies from script.py.mako."""
    def f(t):
        t = t.replace('def upgrade() -> None:\n    """Upgrade schema."""\n    pass', "def upgrade() -> None:\n" + upgrade.strip("\n"), 1)
        t = t.replace('def downgrade() -> None:\n    """Downgrade schema."""\n    pass', "def downgrade() -> None:\n" + downgrade.strip("\n"), 1)
        return t
    return f


def imports(*lines):
    def f(t):
        anchor = "import sqlalchemy as sa\n"
        return t.replace(anchor, anchor + "".join(l + "\n" for l in lines), 1)
    return f


def upgrade():
    r = sh(str(VENV / "alembic"), "upgrade", "heads", check=False)
    if r.returncode != 0:
        print(r.stderr[-3000:])
        raise SystemExit("upgrade failed")


def check():
    r = sh(str(VENV / "alembic"), "check", check=False)
    out = (r.stdout + r.stderr).strip().splitlines()
    return [l for l in out if "runtime" not in l and "plugins" not in l and "assuming SERIAL" not in l]


def step(name, message, models=None, **kw):
    if models:
        models()
    write_models()
    revision(name, message, **kw)
    upgrade()
    left = check()
    if left != ["No new upgrade operations detected."]:
        print(f"after {name}:", *left, sep="\n  ")
        raise SystemExit(1)
    print("ok", name)


def subst(file, name, old, new):
    lines = FILES[file][name]
    idx = [i for i, l in enumerate(lines) if old in l]
    assert len(idx) == 1, (file, name, old, idx)
    lines[idx[0]] = lines[idx[0]].replace(old, new)
