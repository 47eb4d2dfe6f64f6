#!/usr/bin/env python3
"""Writes fixtures/diesel-large-postgres/: a Diesel + PostgreSQL repository of
real-world scale (a federated forum, "agora": instances, people, boards,
threads, replies, votes, moderation logs, aggregates kept by triggers), with
over 300 migrations written the way long-lived Diesel projects write them:
PL/pgSQL functions and triggers, views and materialized views, DO blocks,
backfills, table rebuilds, enums that grow, identity and generated columns,
RLS policies, grants, sequences, extensions, schema-qualified objects.

Deterministic (fixed seed), stdlib only. The generator writes Cargo.toml,
diesel.toml and migrations/ (up.sql and down.sql, both real). It never writes
src/schema.rs: that file is the output of the real `diesel print-schema` and
is the test oracle. Regenerating:

    python3 tests/gen_diesel_large.py
    # a scratch database on a local PostgreSQL (15 here), diesel_cli with postgres
    export DATABASE_URL=postgres://mg:mg@localhost/agora_large
    dropdb --if-exists agora_large && createdb agora_large
    cd fixtures/diesel-large-postgres
    diesel migration run --migration-dir migrations      # every migration must succeed
    diesel migration redo -n 40 --migration-dir migrations  # down.sql files are real too
    diesel print-schema > src/schema.rs                  # commit it as it comes out
    cd ../.. && python3 tests/compare_pg.py "$DATABASE_URL"  # replay vs the database

(`diesel migration run` with diesel.toml's `[print_schema] file` also
rewrites src/schema.rs itself.)
"""

import datetime
import pathlib
import random
import shutil

SEED = 20190304
ROOT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "diesel-large-postgres"

rng = random.Random(SEED)


class Mig:
    def __init__(self, name, up, down, no_tx=False):
        self.name, self.up, self.down, self.no_tx = name, up.strip() + "\n", down.strip() + "\n", no_tx


MIGS = []
CLOCK = [datetime.datetime(2019, 3, 4, 9, 12, 31)]


def mig(name, up, down, no_tx=False):
    MIGS.append(Mig(name, up, down, no_tx))


# --- schema state for the random evolution steps -------------------------------------------
# Only columns added by evolution steps are later renamed, retyped or dropped: the hand-written
# views, triggers and generated columns depend on the base columns, which stay put.

TYPES = {
    "text": ("text", "''"),
    "vc": (None, "''"),  # varchar(n), length chosen per column
    "bool": ("boolean", "false"),
    "int": ("integer", "0"),
    "small": ("smallint", "0"),
    "big": ("bigint", "0"),
    "ts": ("timestamptz", "now()"),
    "tsn": ("timestamp", "CURRENT_TIMESTAMP"),
    "json": ("jsonb", "'{}'::jsonb"),
    "num": ("numeric(12, 2)", "0"),
    "date": ("date", "CURRENT_DATE"),
    "arr": ("text[]", "'{}'::text[]"),
}

NAMES = {
    "text": ["note", "summary", "source_url", "locale", "timezone", "signature", "pronouns",
             "website", "matrix_id", "sidebar_md", "legal_info", "alt_text", "embed_title",
             "embed_description", "thumbnail_url", "url_content_type", "federation_error",
             "moderation_reason", "lock_reason", "description_html", "banner_alt"],
    "vc": ["theme_color", "short_code", "country_code", "slug", "client_name", "content_lang",
           "icon_hash", "external_ref"],
    "bool": ["hidden", "nsfw_blurred", "featured_local", "archived", "shadow_banned",
             "posting_restricted", "auto_expand", "show_scores", "send_digest", "accepts_dms",
             "read_only", "pinned_local"],
    "int": ["view_count", "report_count", "rank_bucket", "sort_weight", "retry_count",
            "max_depth", "warning_level"],
    "small": ["priority", "visibility_level", "flair_slot"],
    "big": ["bytes_used", "remote_score", "cursor_pos"],
    "ts": ["last_seen_at", "archived_at", "featured_at", "locked_at", "expires_at",
           "last_refreshed_at", "scheduled_at", "deleted_at"],
    "tsn": ["imported_at", "synced_at"],
    "json": ["extra_fields", "federation_meta", "ui_settings", "moderation_meta"],
    "num": ["donation_total", "reputation"],
    "date": ["birthday", "review_due_on"],
    "arr": ["keywords", "aliases"],
}


class Col:
    def __init__(self, name, kind, notnull, default, length=None):
        self.name, self.kind, self.notnull, self.default, self.length = name, kind, notnull, default, length

    def sqltype(self):
        if self.kind == "vc":
            return f"varchar({self.length})"
        return TYPES[self.kind][0]

    def definition(self):
        s = f"{self.name} {self.sqltype()}"
        if self.notnull:
            s += " NOT NULL"
        if self.default is not None:
            s += f" DEFAULT {self.default}"
        return s


class Tab:
    def __init__(self, name):
        self.name = name
        self.evo = {}  # evolution columns, in order
        self.used = set()  # every column name the table has or had
        self.indexes = {}  # index name -> column it depends on
        self.checks = {}  # constraint name -> column


TABLES = {}


def table(name, columns=()):
    t = Tab(name)
    t.used.update(columns)
    TABLES[name] = t
    return t


def rename_table(old, new):
    t = TABLES.pop(old)
    t.name = new
    TABLES[new] = t


def forget_table(name):
    TABLES.pop(name, None)


def q(name):
    """Sometimes schema-qualified, as real migrations mix both."""
    return f"public.{name}" if rng.random() < 0.15 else name


def new_col_name(t, kind):
    free = [n for n in NAMES[kind] if n not in t.used]
    if not free:
        return None
    return rng.choice(free)


def evo_add(t):
    kind = rng.choice(list(NAMES))
    name = new_col_name(t, kind)
    if name is None:
        return None
    length = rng.choice([16, 32, 64, 128, 255]) if kind == "vc" else None
    if rng.random() < 0.45:
        c = Col(name, kind, True, TYPES[kind][1] if kind != "vc" else "''", length)
    else:
        c = Col(name, kind, False, None, length)
    t.evo[name] = c
    t.used.add(name)
    tn = q(t.name)
    up = f"ALTER TABLE {tn} ADD COLUMN {c.definition()};"
    down = f"ALTER TABLE {t.name} DROP COLUMN {name};"
    if rng.random() < 0.3:
        up += f"\n\nCOMMENT ON COLUMN {t.name}.{name} IS '{name.replace('_', ' ')} of the {t.name}';"
    return f"add_{name}_to_{t.name}", up, down


def evo_add_two(t):
    a = evo_add(t)
    if a is None:
        return None
    b = evo_add(t)
    if b is None:
        return a
    ca, cb = list(t.evo.values())[-2:]
    up = f"ALTER TABLE {t.name}\n    ADD COLUMN {ca.definition()},\n    ADD COLUMN {cb.definition()};"
    down = f"ALTER TABLE {t.name}\n    DROP COLUMN {cb.name},\n    DROP COLUMN {ca.name};"
    return f"add_{ca.name}_and_{cb.name}_to_{t.name}", up, down


def pick_evo(t, cond=lambda c: True):
    cols = [c for c in t.evo.values() if cond(c)]
    return rng.choice(cols) if cols else None


def readd(t, c):
    if c.notnull and c.default is None:
        fill = TYPES[c.kind][1] if c.kind != "vc" else "''"
        return (f"ALTER TABLE {t.name} ADD COLUMN {c.name} {c.sqltype()} NOT NULL DEFAULT {fill};\n"
                f"ALTER TABLE {t.name} ALTER COLUMN {c.name} DROP DEFAULT;")
    return f"ALTER TABLE {t.name} ADD COLUMN {c.definition()};"


def evo_drop(t):
    c = pick_evo(t)
    if c is None:
        return None
    del t.evo[c.name]
    for ix, col in list(t.indexes.items()):
        if col == c.name:
            del t.indexes[ix]
    for ck, col in list(t.checks.items()):
        if col == c.name:
            del t.checks[ck]
    up = f"ALTER TABLE {q(t.name)} DROP COLUMN {c.name};"
    if rng.random() < 0.3:
        up = f"ALTER TABLE {t.name} DROP COLUMN IF EXISTS {c.name};"
    return f"drop_{c.name}_from_{t.name}", up, readd(t, c)


def evo_rename(t):
    c = pick_evo(t)
    if c is None:
        return None
    new = new_col_name(t, c.kind)
    if new is None:
        return None
    old = c.name
    t.used.add(new)
    del t.evo[old]
    c.name = new
    t.evo[new] = c
    for ix, col in t.indexes.items():
        if col == old:
            t.indexes[ix] = new
    for ck, col in t.checks.items():
        if col == old:
            t.checks[ck] = new
    form = rng.choice(["RENAME COLUMN", "RENAME"])
    return (f"rename_{t.name}_{old}_to_{new}",
            f"ALTER TABLE {q(t.name)} {form} {old} TO {new};",
            f"ALTER TABLE {t.name} RENAME COLUMN {new} TO {old};")


def evo_not_null(t):
    c = pick_evo(t, lambda c: not c.notnull)
    if c is None:
        return None
    fill = TYPES[c.kind][1] if c.kind != "vc" else "''"
    c.notnull = True
    up = f"UPDATE {t.name} SET {c.name} = {fill} WHERE {c.name} IS NULL;\n\n"
    down = f"ALTER TABLE {t.name} ALTER COLUMN {c.name} DROP NOT NULL;"
    if c.default is None and rng.random() < 0.6:
        c.default = fill
        up += (f"ALTER TABLE {t.name}\n    ALTER COLUMN {c.name} SET DEFAULT {fill},\n"
               f"    ALTER COLUMN {c.name} SET NOT NULL;")
        down = (f"ALTER TABLE {t.name}\n    ALTER COLUMN {c.name} DROP NOT NULL,\n"
                f"    ALTER COLUMN {c.name} DROP DEFAULT;")
    else:
        up += f"ALTER TABLE {q(t.name)} ALTER COLUMN {c.name} SET NOT NULL;"
    return f"make_{t.name}_{c.name}_not_null", up, down


def evo_nullable(t):
    c = pick_evo(t, lambda c: c.notnull)
    if c is None:
        return None
    c.notnull = False
    return (f"make_{t.name}_{c.name}_optional",
            f"ALTER TABLE {q(t.name)} ALTER {c.name} DROP NOT NULL;",
            f"UPDATE {t.name} SET {c.name} = {c.default or (TYPES[c.kind][1] if c.kind != 'vc' else chr(39) * 2)} WHERE {c.name} IS NULL;\n"
            f"ALTER TABLE {t.name} ALTER COLUMN {c.name} SET NOT NULL;")


def evo_default(t):
    c = pick_evo(t)
    if c is None:
        return None
    fill = TYPES[c.kind][1] if c.kind != "vc" else "''"
    old = c.default
    if old is None:
        c.default = fill
        return (f"default_{t.name}_{c.name}",
                f"ALTER TABLE {t.name} ALTER COLUMN {c.name} SET DEFAULT {fill};",
                f"ALTER TABLE {t.name} ALTER COLUMN {c.name} DROP DEFAULT;")
    if c.notnull:
        return None  # keep NOT NULL columns insertable
    c.default = None
    return (f"drop_default_{t.name}_{c.name}",
            f"ALTER TABLE {t.name} ALTER COLUMN {c.name} DROP DEFAULT;",
            f"ALTER TABLE {t.name} ALTER COLUMN {c.name} SET DEFAULT {old};")


def evo_retype(t):
    c = pick_evo(t, lambda c: c.kind in ("vc", "text", "int", "small", "tsn"))
    if c is None:
        return None
    old_type = c.sqltype()
    n = c.name
    if c.kind == "vc" and rng.random() < 0.5:
        c.kind, c.length = "text", None
        up = f"ALTER TABLE {t.name} ALTER COLUMN {n} TYPE text;"
        down = f"ALTER TABLE {t.name} ALTER COLUMN {n} TYPE {old_type} USING left({n}, {old_type[8:-1]});"
    elif c.kind == "vc":
        old_len = c.length
        c.length = old_len * 2
        up = f"ALTER TABLE {t.name} ALTER COLUMN {n} SET DATA TYPE varchar({c.length});"
        down = f"ALTER TABLE {t.name} ALTER COLUMN {n} TYPE varchar({old_len}) USING left({n}, {old_len});"
    elif c.kind == "text":
        c.kind, c.length = "vc", rng.choice([64, 255, 1000])
        up = f"ALTER TABLE {t.name} ALTER COLUMN {n} TYPE varchar({c.length}) USING left({n}, {c.length});"
        down = f"ALTER TABLE {t.name} ALTER COLUMN {n} TYPE text;"
    elif c.kind == "int":
        c.kind = "big"
        up = f"ALTER TABLE {t.name} ALTER COLUMN {n} TYPE bigint;"
        down = f"ALTER TABLE {t.name} ALTER COLUMN {n} TYPE integer USING {n}::integer;"
    elif c.kind == "small":
        c.kind = "int"
        up = f"ALTER TABLE {t.name} ALTER COLUMN {n} TYPE int4 USING {n}::int4;"
        down = f"ALTER TABLE {t.name} ALTER COLUMN {n} TYPE smallint;"
    else:
        c.kind = "ts"
        default = c.default
        if default is not None:
            c.default = "now()"
            up = (f"ALTER TABLE {t.name} ALTER COLUMN {n} DROP DEFAULT;\n"
                  f"ALTER TABLE {t.name} ALTER COLUMN {n} TYPE timestamp with time zone USING {n} AT TIME ZONE 'UTC';\n"
                  f"ALTER TABLE {t.name} ALTER COLUMN {n} SET DEFAULT now();")
            down = (f"ALTER TABLE {t.name} ALTER COLUMN {n} DROP DEFAULT;\n"
                    f"ALTER TABLE {t.name} ALTER COLUMN {n} TYPE timestamp USING {n} AT TIME ZONE 'UTC';\n"
                    f"ALTER TABLE {t.name} ALTER COLUMN {n} SET DEFAULT {default};")
        else:
            up = f"ALTER TABLE {t.name} ALTER COLUMN {n} TYPE timestamptz USING {n} AT TIME ZONE 'UTC';"
            down = f"ALTER TABLE {t.name} ALTER COLUMN {n} TYPE timestamp USING {n} AT TIME ZONE 'UTC';"
    return f"change_{t.name}_{n}_type", up, down


def evo_index(t):
    c = pick_evo(t, lambda c: c.kind not in ("json", "arr"))
    if c is None:
        return None
    name = f"idx_{t.name}_{c.name}"
    if name in t.indexes or len(name) > 63:
        return None
    t.indexes[name] = c.name
    style = rng.random()
    if c.kind in ("text", "vc") and style < 0.35:
        up = f"CREATE INDEX {name} ON {q(t.name)} (lower({c.name}));"
    elif style < 0.6 and not c.notnull:
        up = f"CREATE INDEX IF NOT EXISTS {name} ON {t.name} ({c.name}) WHERE {c.name} IS NOT NULL;"
    elif c.kind in ("ts", "tsn", "date", "int", "big") and style < 0.85:
        up = f"CREATE INDEX {name} ON {t.name} USING btree ({c.name} DESC NULLS LAST);"
    else:
        up = f"CREATE INDEX {name} ON {t.name} ({c.name});"
    return f"index_{t.name}_{c.name}", up, f"DROP INDEX IF EXISTS {name};"


def evo_check(t):
    c = pick_evo(t, lambda c: c.kind in ("text", "int", "small", "big"))
    if c is None:
        return None
    name = f"{t.name}_{c.name}_check"
    if name in t.checks or len(name) > 63:
        return None
    t.checks[name] = c.name
    expr = f"char_length({c.name}) <= 10000" if c.kind == "text" else f"{c.name} >= 0"
    return (f"check_{t.name}_{c.name}",
            f"ALTER TABLE {t.name} ADD CONSTRAINT {name} CHECK ({expr});",
            f"ALTER TABLE {t.name} DROP CONSTRAINT IF EXISTS {name};")


def evo_comment(t):
    return (f"document_{t.name}",
            f"COMMENT ON TABLE {t.name} IS 'agora: {t.name.replace('_', ' ')} records';",
            f"COMMENT ON TABLE {t.name} IS NULL;")


EVOLUTIONS = [
    (evo_add, 9), (evo_add_two, 3), (evo_drop, 3), (evo_rename, 3), (evo_not_null, 3),
    (evo_nullable, 2), (evo_default, 2), (evo_retype, 3), (evo_index, 4), (evo_check, 2),
    (evo_comment, 1),
]


def evolve(n):
    """n migrations of everyday schema evolution on the tables that exist so far."""
    done = 0
    while done < n:
        t = TABLES[rng.choice(sorted(TABLES))]
        fns = [f for f, _ in EVOLUTIONS]
        weights = [w for _, w in EVOLUTIONS]
        f = rng.choices(fns, weights)[0]
        r = f(t)
        if r is None:
            continue
        name, up, down = r
        if rng.random() < 0.2:
            # two small changes in one migration, as a busy week produces
            t2 = TABLES[rng.choice(sorted(TABLES))]
            r2 = rng.choices(fns, weights)[0](t2)
            if r2 is not None:
                up = up + "\n\n" + r2[1]
                down = r2[2] + "\n\n" + down
        mig(name, up, down)
        done += 1


def updated_at(name):
    return f"SELECT diesel_manage_updated_at('{name}');"


def drop_updated_at(name):
    return f"DROP TRIGGER IF EXISTS set_updated_at ON {name};"


# --- the hand-written history --------------------------------------------------------------


def create(name, body, down_extra="", updated=False, extra_up="", cols=()):
    up = f"CREATE TABLE {name} (\n    " + ",\n    ".join(body) + "\n);"
    if extra_up:
        up += "\n\n" + extra_up
    if updated:
        up += "\n\n" + updated_at(name)
    down = (down_extra + "\n" if down_extra else "") + f"DROP TABLE {name};"
    names = [b.split()[0] for b in body if not b.split()[0].isupper()]
    table(name, names + list(cols))
    mig(f"create_{name}", up, down)


def s_extensions():
    mig("enable_extensions",
        "CREATE EXTENSION IF NOT EXISTS pgcrypto;\nCREATE EXTENSION IF NOT EXISTS citext;",
        "DROP EXTENSION IF EXISTS citext;\nDROP EXTENSION IF EXISTS pgcrypto;")


def s_core():
    create("instance", [
        "id serial PRIMARY KEY",
        "domain varchar(255) NOT NULL UNIQUE",
        "software varchar(255)",
        "version varchar(255)",
        "published timestamptz NOT NULL DEFAULT now()",
        "updated_at timestamptz NOT NULL DEFAULT now()",
    ], updated=True)
    create("user_account", [
        "id serial PRIMARY KEY",
        "name citext NOT NULL",
        "preferred_username varchar(40)",
        "password_encrypted text NOT NULL",
        "email citext UNIQUE",
        "avatar text",
        "admin boolean NOT NULL DEFAULT false",
        "banned boolean NOT NULL DEFAULT false",
        "published timestamptz NOT NULL DEFAULT now()",
        "updated_at timestamptz NOT NULL DEFAULT now()",
        "show_nsfw boolean NOT NULL DEFAULT false",
        "theme varchar(20) NOT NULL DEFAULT 'darkly'",
        "instance_id integer NOT NULL REFERENCES instance ON UPDATE CASCADE ON DELETE CASCADE",
        "UNIQUE (name, instance_id)",
    ], updated=True)


def s_board():
    create("board", [
        "id serial PRIMARY KEY",
        "name varchar(20) NOT NULL UNIQUE",
        "title varchar(100) NOT NULL",
        "description text",
        "creator_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE",
        "removed boolean NOT NULL DEFAULT false",
        "published timestamptz NOT NULL DEFAULT now()",
        "updated_at timestamptz NOT NULL DEFAULT now()",
        "instance_id integer NOT NULL REFERENCES instance ON UPDATE CASCADE ON DELETE CASCADE",
    ], updated=True)
    create("board_subscriber", [
        "id serial PRIMARY KEY",
        "board_id integer NOT NULL REFERENCES board ON UPDATE CASCADE ON DELETE CASCADE",
        "user_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE",
        "published timestamptz NOT NULL DEFAULT now()",
        "UNIQUE (board_id, user_id)",
    ])
    create("board_moderator", [
        "id serial PRIMARY KEY",
        "board_id integer NOT NULL REFERENCES board ON UPDATE CASCADE ON DELETE CASCADE",
        "user_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE",
        "published timestamptz NOT NULL DEFAULT now()",
        "UNIQUE (board_id, user_id)",
    ])


def s_thread():
    create("thread", [
        "id serial PRIMARY KEY",
        "name varchar(200) NOT NULL",
        "url text",
        "body text",
        "creator_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE",
        "board_id integer NOT NULL REFERENCES board ON UPDATE CASCADE ON DELETE CASCADE",
        "removed boolean NOT NULL DEFAULT false",
        "locked boolean NOT NULL DEFAULT false",
        "published timestamptz NOT NULL DEFAULT now()",
        "updated_at timestamptz NOT NULL DEFAULT now()",
    ], updated=True)
    create("thread_vote", [
        "id serial PRIMARY KEY",
        "thread_id integer NOT NULL REFERENCES thread ON UPDATE CASCADE ON DELETE CASCADE",
        "user_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE",
        "score smallint NOT NULL",
        "published timestamptz NOT NULL DEFAULT now()",
        "UNIQUE (thread_id, user_id)",
    ])


def s_reply():
    mig("enable_ltree", "CREATE EXTENSION IF NOT EXISTS ltree;", "DROP EXTENSION IF EXISTS ltree;")
    create("reply", [
        "id serial PRIMARY KEY",
        "creator_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE",
        "thread_id integer NOT NULL REFERENCES thread ON UPDATE CASCADE ON DELETE CASCADE",
        "parent_id integer REFERENCES reply ON UPDATE CASCADE ON DELETE CASCADE",
        "content text NOT NULL",
        "removed boolean NOT NULL DEFAULT false",
        "read boolean NOT NULL DEFAULT false",
        "published timestamptz NOT NULL DEFAULT now()",
        "updated_at timestamptz NOT NULL DEFAULT now()",
    ], updated=True)
    create("reply_vote", [
        "id serial PRIMARY KEY",
        "reply_id integer NOT NULL REFERENCES reply ON UPDATE CASCADE ON DELETE CASCADE",
        "user_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE",
        "thread_id integer NOT NULL REFERENCES thread ON UPDATE CASCADE ON DELETE CASCADE",
        "score smallint NOT NULL",
        "published timestamptz NOT NULL DEFAULT now()",
        "UNIQUE (reply_id, user_id)",
    ])


def s_saved():
    for what in ("thread", "reply"):
        create(f"{what}_saved", [
            "id serial PRIMARY KEY",
            f"{what}_id integer NOT NULL REFERENCES {what} ON UPDATE CASCADE ON DELETE CASCADE",
            "user_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE",
            "published timestamptz NOT NULL DEFAULT now()",
            f"UNIQUE ({what}_id, user_id)",
        ])
    create("thread_read", [
        "id serial PRIMARY KEY",
        "thread_id integer NOT NULL REFERENCES thread ON UPDATE CASCADE ON DELETE CASCADE",
        "user_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE",
        "published timestamptz NOT NULL DEFAULT now()",
        "UNIQUE (thread_id, user_id)",
    ])


def s_private_message():
    create("private_message", [
        "id serial PRIMARY KEY",
        "creator_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE",
        "recipient_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE",
        "content text NOT NULL",
        "deleted boolean NOT NULL DEFAULT false",
        "read boolean NOT NULL DEFAULT false",
        "published timestamptz NOT NULL DEFAULT now()",
        "updated_at timestamptz NOT NULL DEFAULT now()",
    ], updated=True)


def s_site():
    create("site", [
        "id serial PRIMARY KEY",
        "name varchar(20) NOT NULL UNIQUE",
        "description text",
        "creator_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE",
        "enable_downvotes boolean NOT NULL DEFAULT true",
        "open_registration boolean NOT NULL DEFAULT true",
        "enable_nsfw boolean NOT NULL DEFAULT true",
        "published timestamptz NOT NULL DEFAULT now()",
        "updated_at timestamptz NOT NULL DEFAULT now()",
    ], updated=True)


MOD_TABLES = [
    ("mod_remove_thread", "thread", "reason text, removed boolean NOT NULL DEFAULT true"),
    ("mod_lock_thread", "thread", "locked boolean NOT NULL DEFAULT true"),
    ("mod_remove_reply", "reply", "reason text, removed boolean NOT NULL DEFAULT true"),
    ("mod_remove_board", "board", "reason text, removed boolean NOT NULL DEFAULT true, expires timestamptz"),
    ("mod_ban_from_board", "board", "other_user_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE, reason text, banned boolean NOT NULL DEFAULT true, expires timestamptz"),
    ("mod_ban", None, "other_user_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE, reason text, banned boolean NOT NULL DEFAULT true, expires timestamptz"),
    ("mod_add_board", "board", "other_user_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE, removed boolean NOT NULL DEFAULT false"),
    ("mod_add", None, "other_user_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE, removed boolean NOT NULL DEFAULT false"),
]


def s_mod_table(i):
    def step():
        name, target, extra = MOD_TABLES[i]
        body = [
            "id serial PRIMARY KEY",
            "mod_user_id integer NOT NULL REFERENCES user_account ON UPDATE CASCADE ON DELETE CASCADE",
        ]
        if target:
            body.append(f"{target}_id integer NOT NULL REFERENCES {target} ON UPDATE CASCADE ON DELETE CASCADE")
        body += [e.strip() for e in extra.split(", ")]
        body.append("when_ timestamptz NOT NULL DEFAULT now()")
        create(name, body)
    return step


def s_rename_user_to_person():
    up = ["ALTER TABLE user_account RENAME TO person;",
          "ALTER SEQUENCE user_account_id_seq RENAME TO person_id_seq;",
          "ALTER INDEX user_account_pkey RENAME TO person_pkey;"]
    down = ["ALTER INDEX person_pkey RENAME TO user_account_pkey;",
            "ALTER SEQUENCE person_id_seq RENAME TO user_account_id_seq;",
            "ALTER TABLE person RENAME TO user_account;"]
    for t in ("board_subscriber", "board_moderator", "thread_vote", "reply_vote", "thread_saved",
              "reply_saved", "thread_read"):
        up.append(f"ALTER TABLE {t} RENAME COLUMN user_id TO person_id;")
        down.insert(0, f"ALTER TABLE {t} RENAME COLUMN person_id TO user_id;")
        TABLES[t].used.add("person_id")
    for t, _, _ in MOD_TABLES:
        up.append(f"ALTER TABLE {t} RENAME COLUMN mod_user_id TO mod_person_id;")
        down.insert(0, f"ALTER TABLE {t} RENAME COLUMN mod_person_id TO mod_user_id;")
        if t in ("mod_ban_from_board", "mod_ban", "mod_add_board", "mod_add"):
            up.append(f"ALTER TABLE {t} RENAME other_user_id TO other_person_id;")
            down.insert(0, f"ALTER TABLE {t} RENAME COLUMN other_person_id TO other_user_id;")
    rename_table("user_account", "person")
    mig("rename_user_account_to_person", "\n".join(up), "\n".join(down))


def s_local_user():
    TABLES["person"].used.update(["actor_id", "local", "public_key", "private_key", "bio", "bot_account"])
    mig("federation_columns_for_person", """
ALTER TABLE person
    ADD COLUMN actor_id varchar(255) NOT NULL DEFAULT 'http://fake.com',
    ADD COLUMN bio text,
    ADD COLUMN local boolean NOT NULL DEFAULT true,
    ADD COLUMN private_key text,
    ADD COLUMN public_key text,
    ADD COLUMN bot_account boolean NOT NULL DEFAULT false;

-- placeholder actor ids until the federation worker fills them in
UPDATE person SET actor_id = 'https://' || i.domain || '/u/' || person.name
FROM instance i
WHERE person.instance_id = i.id AND person.actor_id = 'http://fake.com';

ALTER TABLE person ADD CONSTRAINT idx_person_actor_id UNIQUE (actor_id);
""", """
ALTER TABLE person
    DROP COLUMN bot_account,
    DROP COLUMN public_key,
    DROP COLUMN private_key,
    DROP COLUMN local,
    DROP COLUMN bio,
    DROP COLUMN actor_id;
""")
    create("local_user", [
        "id serial PRIMARY KEY",
        "person_id integer NOT NULL UNIQUE REFERENCES person ON UPDATE CASCADE ON DELETE CASCADE",
        "password_encrypted text NOT NULL",
        "email citext UNIQUE",
        "admin boolean NOT NULL DEFAULT false",
        "show_nsfw boolean NOT NULL DEFAULT false",
        "theme varchar(20) NOT NULL DEFAULT 'browser'",
        "interface_language varchar(20) NOT NULL DEFAULT 'browser'",
        "show_avatars boolean NOT NULL DEFAULT true",
        "send_notifications_to_email boolean NOT NULL DEFAULT false",
    ])
    t = TABLES["person"]
    t.used.add("admin")
    mig("move_login_fields_to_local_user", """
INSERT INTO local_user (person_id, password_encrypted, email, admin, show_nsfw, theme)
SELECT id, password_encrypted, email, admin, show_nsfw, theme
FROM person
WHERE local;

ALTER TABLE person
    DROP COLUMN password_encrypted,
    DROP COLUMN email,
    DROP COLUMN show_nsfw,
    DROP COLUMN theme;
ALTER TABLE person ALTER COLUMN admin SET DEFAULT false;
""", """
ALTER TABLE person
    ADD COLUMN password_encrypted text NOT NULL DEFAULT 'changeme',
    ADD COLUMN email citext UNIQUE,
    ADD COLUMN show_nsfw boolean NOT NULL DEFAULT false,
    ADD COLUMN theme varchar(20) NOT NULL DEFAULT 'darkly';

UPDATE person p
SET password_encrypted = lu.password_encrypted,
    email = lu.email,
    show_nsfw = lu.show_nsfw,
    theme = lu.theme
FROM local_user lu
WHERE lu.person_id = p.id;

ALTER TABLE person ALTER COLUMN password_encrypted DROP DEFAULT;
DELETE FROM local_user;
""")


def s_secret():
    create("secret", [
        "id serial PRIMARY KEY",
        "jwt_secret varchar NOT NULL DEFAULT gen_random_uuid()",
    ], extra_up="INSERT INTO secret DEFAULT VALUES;")
    mig("secret_jwt_from_pgcrypto",
        "ALTER TABLE secret ALTER COLUMN jwt_secret SET DEFAULT encode(gen_random_bytes(32), 'hex');\n"
        "UPDATE secret SET jwt_secret = encode(gen_random_bytes(32), 'hex');",
        "ALTER TABLE secret ALTER COLUMN jwt_secret SET DEFAULT gen_random_uuid();")


def s_utility_schema():
    mig("create_utility_schema", """
-- Functions, triggers and views live in schema r: they are replaced as a whole,
-- tables stay in public.
CREATE SCHEMA IF NOT EXISTS r;

COMMENT ON SCHEMA r IS 'agora: replaceable objects (functions, views); never tables';
""", "DROP SCHEMA r;")


def s_aggregates():
    create("thread_aggregates", [
        "id serial PRIMARY KEY",
        "thread_id integer NOT NULL UNIQUE REFERENCES thread ON UPDATE CASCADE ON DELETE CASCADE",
        "comments bigint NOT NULL DEFAULT 0",
        "score bigint NOT NULL DEFAULT 0",
        "upvotes bigint NOT NULL DEFAULT 0",
        "downvotes bigint NOT NULL DEFAULT 0",
        "newest_reply_time timestamptz NOT NULL DEFAULT now()",
    ])
    mig("thread_aggregates_triggers", """
CREATE FUNCTION r.thread_aggregates_thread()
    RETURNS trigger
    LANGUAGE plpgsql
AS $body$
BEGIN
    IF (TG_OP = 'INSERT') THEN
        INSERT INTO thread_aggregates (thread_id) VALUES (NEW.id);
    ELSIF (TG_OP = 'DELETE') THEN
        DELETE FROM thread_aggregates WHERE thread_id = OLD.id;
    END IF;
    RETURN NULL;
END
$body$;

CREATE TRIGGER thread_aggregates_thread
    AFTER INSERT OR DELETE ON thread
    FOR EACH ROW
    EXECUTE FUNCTION r.thread_aggregates_thread();

CREATE FUNCTION r.thread_aggregates_score()
    RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF (TG_OP = 'INSERT') THEN
        UPDATE thread_aggregates ta
        SET score = score + NEW.score,
            upvotes = CASE WHEN NEW.score = 1 THEN upvotes + 1 ELSE upvotes END,
            downvotes = CASE WHEN NEW.score = -1 THEN downvotes + 1 ELSE downvotes END
        WHERE ta.thread_id = NEW.thread_id;
    ELSIF (TG_OP = 'DELETE') THEN
        -- the thread may be gone already (cascade)
        UPDATE thread_aggregates ta
        SET score = score - OLD.score,
            upvotes = CASE WHEN OLD.score = 1 THEN upvotes - 1 ELSE upvotes END,
            downvotes = CASE WHEN OLD.score = -1 THEN downvotes - 1 ELSE downvotes END
        FROM thread t
        WHERE ta.thread_id = t.id AND ta.thread_id = OLD.thread_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER thread_aggregates_score
    AFTER INSERT OR DELETE ON thread_vote
    FOR EACH ROW
    EXECUTE PROCEDURE r.thread_aggregates_score();

CREATE OR REPLACE FUNCTION r.thread_aggregates_reply_count()
    RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF (TG_OP = 'INSERT') THEN
        UPDATE thread_aggregates SET comments = comments + 1, newest_reply_time = NEW.published
        WHERE thread_id = NEW.thread_id;
    ELSIF (TG_OP = 'DELETE') THEN
        UPDATE thread_aggregates SET comments = comments - 1 WHERE thread_id = OLD.thread_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER thread_aggregates_reply_count
    AFTER INSERT OR DELETE ON reply
    FOR EACH ROW
    EXECUTE PROCEDURE r.thread_aggregates_reply_count();

-- backfill what existed before the triggers
INSERT INTO thread_aggregates (thread_id, comments, score, upvotes, downvotes, newest_reply_time)
SELECT t.id,
       coalesce(rc.comments, 0),
       coalesce(v.score, 0),
       coalesce(v.upvotes, 0),
       coalesce(v.downvotes, 0),
       greatest(t.published, rc.newest)
FROM thread t
LEFT JOIN (
    SELECT thread_id, count(*) AS comments, max(published) AS newest
    FROM reply GROUP BY thread_id
) rc ON rc.thread_id = t.id
LEFT JOIN (
    SELECT thread_id,
           sum(score) AS score,
           count(*) FILTER (WHERE score = 1) AS upvotes,
           count(*) FILTER (WHERE score = -1) AS downvotes
    FROM thread_vote GROUP BY thread_id
) v ON v.thread_id = t.id
ON CONFLICT (thread_id) DO NOTHING;
""", """
DROP TRIGGER thread_aggregates_reply_count ON reply;
DROP TRIGGER thread_aggregates_score ON thread_vote;
DROP TRIGGER thread_aggregates_thread ON thread;
DROP FUNCTION r.thread_aggregates_reply_count();
DROP FUNCTION r.thread_aggregates_score();
DROP FUNCTION r.thread_aggregates_thread();
DELETE FROM thread_aggregates;
""")
    create("board_aggregates", [
        "id serial PRIMARY KEY",
        "board_id integer NOT NULL UNIQUE REFERENCES board ON UPDATE CASCADE ON DELETE CASCADE",
        "subscribers bigint NOT NULL DEFAULT 0",
        "threads bigint NOT NULL DEFAULT 0",
        "replies bigint NOT NULL DEFAULT 0",
        "published timestamptz NOT NULL DEFAULT now()",
    ], extra_up="""CREATE FUNCTION r.board_aggregates_board()
    RETURNS trigger LANGUAGE plpgsql
AS $$
BEGIN
    IF (TG_OP = 'INSERT') THEN
        INSERT INTO board_aggregates (board_id, published) VALUES (NEW.id, NEW.published);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER board_aggregates_board
    AFTER INSERT ON board
    FOR EACH ROW EXECUTE FUNCTION r.board_aggregates_board();

CREATE FUNCTION r.board_aggregates_subscriber_count()
    RETURNS trigger LANGUAGE plpgsql
AS $$
BEGIN
    IF (TG_OP = 'INSERT') THEN
        UPDATE board_aggregates SET subscribers = subscribers + 1 WHERE board_id = NEW.board_id;
    ELSIF (TG_OP = 'DELETE') THEN
        UPDATE board_aggregates SET subscribers = subscribers - 1 WHERE board_id = OLD.board_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER board_aggregates_subscriber_count
    AFTER INSERT OR DELETE ON board_subscriber
    FOR EACH ROW EXECUTE FUNCTION r.board_aggregates_subscriber_count();

INSERT INTO board_aggregates (board_id, subscribers, threads, published)
SELECT b.id,
       (SELECT count(*) FROM board_subscriber s WHERE s.board_id = b.id),
       (SELECT count(*) FROM thread t WHERE t.board_id = b.id),
       b.published
FROM board b;""", down_extra="""DROP TRIGGER board_aggregates_subscriber_count ON board_subscriber;
DROP TRIGGER board_aggregates_board ON board;
DROP FUNCTION r.board_aggregates_subscriber_count();
DROP FUNCTION r.board_aggregates_board();""")
    create("person_aggregates", [
        "id serial PRIMARY KEY",
        "person_id integer NOT NULL UNIQUE REFERENCES person ON UPDATE CASCADE ON DELETE CASCADE",
        "thread_count bigint NOT NULL DEFAULT 0",
        "thread_score bigint NOT NULL DEFAULT 0",
        "reply_count bigint NOT NULL DEFAULT 0",
        "reply_score bigint NOT NULL DEFAULT 0",
    ], extra_up="""INSERT INTO person_aggregates (person_id, thread_count, reply_count)
SELECT p.id,
       coalesce(t.n, 0),
       coalesce(r.n, 0)
FROM person p
LEFT JOIN (SELECT creator_id, count(*) AS n FROM thread GROUP BY creator_id) t ON t.creator_id = p.id
LEFT JOIN (SELECT creator_id, count(*) AS n FROM reply GROUP BY creator_id) r ON r.creator_id = p.id;""")


def s_hot_rank():
    mig("hot_rank_function", """
CREATE OR REPLACE FUNCTION r.hot_rank(score numeric, published timestamp with time zone)
    RETURNS integer
    LANGUAGE plpgsql
    IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    hours_diff numeric := EXTRACT(EPOCH FROM (now() - published)) / 3600;
BEGIN
    IF (hours_diff > 0 AND hours_diff < 168) THEN
        RETURN floor(10000 * log(greatest(1, score + 3)) / power((hours_diff + 2), 1.8))::integer;
    ELSE
        RETURN 0;
    END IF;
END;
$$;

ALTER TABLE thread_aggregates
    ADD COLUMN hot_rank integer NOT NULL DEFAULT 1728,
    ADD COLUMN hot_rank_active integer NOT NULL DEFAULT 1728;

UPDATE thread_aggregates ta
SET hot_rank = r.hot_rank(ta.score::numeric, t.published),
    hot_rank_active = r.hot_rank(ta.score::numeric, ta.newest_reply_time)
FROM thread t
WHERE t.id = ta.thread_id;

CREATE INDEX idx_thread_aggregates_hot ON thread_aggregates (hot_rank DESC, thread_id);
CREATE INDEX idx_thread_aggregates_active ON thread_aggregates (hot_rank_active DESC, thread_id);
""", """
ALTER TABLE thread_aggregates DROP COLUMN hot_rank_active, DROP COLUMN hot_rank;
DROP FUNCTION r.hot_rank(numeric, timestamptz);
""")
    TABLES["thread_aggregates"].used.update(["hot_rank", "hot_rank_active"])


def s_views():
    mig("thread_and_board_views", """
CREATE VIEW r.thread_view AS
SELECT t.id,
       t.name,
       t.url,
       t.body,
       t.creator_id,
       t.board_id,
       t.removed,
       t.locked,
       t.published,
       p.name AS creator_name,
       b.name AS board_name,
       ta.comments,
       ta.score,
       ta.hot_rank
FROM thread t
JOIN person p ON p.id = t.creator_id
JOIN board b ON b.id = t.board_id
JOIN thread_aggregates ta ON ta.thread_id = t.id;

CREATE OR REPLACE VIEW r.board_moderator_view AS
SELECT bm.id, bm.board_id, bm.person_id, p.name AS person_name, b.name AS board_name
FROM board_moderator bm
JOIN person p ON p.id = bm.person_id
JOIN board b ON b.id = bm.board_id;

CREATE VIEW r.mod_log_view AS
SELECT 'remove_thread' AS action, mod_person_id, when_ FROM mod_remove_thread
UNION ALL
SELECT 'lock_thread', mod_person_id, when_ FROM mod_lock_thread
UNION ALL
SELECT 'remove_reply', mod_person_id, when_ FROM mod_remove_reply
UNION ALL
SELECT 'ban', mod_person_id, when_ FROM mod_ban;
""", """
DROP VIEW r.mod_log_view;
DROP VIEW r.board_moderator_view;
DROP VIEW r.thread_view;
""")


def s_enums():
    mig("sort_and_listing_types", """
CREATE TYPE sort_type_enum AS ENUM (
    'Active', 'Hot', 'New', 'TopDay', 'TopWeek', 'TopMonth', 'TopYear', 'TopAll',
    'MostComments', 'NewComments'
);

CREATE TYPE listing_type_enum AS ENUM ('All', 'Local', 'Subscribed');

ALTER TABLE local_user
    ADD COLUMN default_sort_type sort_type_enum NOT NULL DEFAULT 'Active',
    ADD COLUMN default_listing_type listing_type_enum NOT NULL DEFAULT 'Local';
""", """
ALTER TABLE local_user DROP COLUMN default_listing_type, DROP COLUMN default_sort_type;
DROP TYPE listing_type_enum;
DROP TYPE sort_type_enum;
""")
    TABLES["local_user"].used.update(["default_sort_type", "default_listing_type"])


def s_enum_add_values():
    mig("sort_type_old_and_top_hour", """
ALTER TYPE sort_type_enum ADD VALUE 'Old' AFTER 'New';
ALTER TYPE sort_type_enum ADD VALUE IF NOT EXISTS 'TopHour' BEFORE 'TopDay';
""", """
UPDATE local_user SET default_sort_type = 'Active' WHERE default_sort_type IN ('Old', 'TopHour');

-- PostgreSQL cannot drop an enum label: rebuild the type without them
ALTER TYPE sort_type_enum RENAME TO sort_type_enum__;
CREATE TYPE sort_type_enum AS ENUM (
    'Active', 'Hot', 'New', 'TopDay', 'TopWeek', 'TopMonth', 'TopYear', 'TopAll',
    'MostComments', 'NewComments'
);
ALTER TABLE local_user
    ALTER COLUMN default_sort_type DROP DEFAULT,
    ALTER COLUMN default_sort_type TYPE sort_type_enum USING default_sort_type::text::sort_type_enum,
    ALTER COLUMN default_sort_type SET DEFAULT 'Active';
DROP TYPE sort_type_enum__;
""")


def s_enum_rename_value():
    mig("rename_listing_type_subscribed",
        "ALTER TYPE listing_type_enum RENAME VALUE 'Subscribed' TO 'Following';",
        "ALTER TYPE listing_type_enum RENAME VALUE 'Following' TO 'Subscribed';")


def s_enum_remove_value():
    mig("remove_sort_type_top_hour", """
UPDATE local_user SET default_sort_type = 'TopDay' WHERE default_sort_type = 'TopHour';

ALTER TYPE sort_type_enum RENAME TO sort_type_enum__;

CREATE TYPE sort_type_enum AS ENUM (
    'Active', 'Hot', 'New', 'Old', 'TopDay', 'TopWeek', 'TopMonth', 'TopYear', 'TopAll',
    'MostComments', 'NewComments', 'Controversial', 'Scaled'
);

ALTER TABLE local_user
    ALTER COLUMN default_sort_type DROP DEFAULT,
    ALTER COLUMN default_sort_type TYPE sort_type_enum USING default_sort_type::text::sort_type_enum,
    ALTER COLUMN default_sort_type SET DEFAULT 'Active';

DROP TYPE sort_type_enum__;
""", """
ALTER TYPE sort_type_enum RENAME TO sort_type_enum__;

CREATE TYPE sort_type_enum AS ENUM (
    'Active', 'Hot', 'New', 'Old', 'TopHour', 'TopDay', 'TopWeek', 'TopMonth', 'TopYear', 'TopAll',
    'MostComments', 'NewComments'
);

UPDATE local_user SET default_sort_type = 'Active' WHERE default_sort_type IN ('Controversial', 'Scaled');

ALTER TABLE local_user
    ALTER COLUMN default_sort_type DROP DEFAULT,
    ALTER COLUMN default_sort_type TYPE sort_type_enum USING default_sort_type::text::sort_type_enum,
    ALTER COLUMN default_sort_type SET DEFAULT 'Active';

DROP TYPE sort_type_enum__;
""")


def s_registration_mode():
    mig("registration_mode", """
CREATE TYPE registration_mode_enum AS ENUM ('Closed', 'RequireApplication', 'Open');

ALTER TABLE site ADD COLUMN registration_mode registration_mode_enum NOT NULL DEFAULT 'RequireApplication';

UPDATE site SET registration_mode = CASE WHEN open_registration THEN 'Open'::registration_mode_enum
                                         ELSE 'Closed'::registration_mode_enum END;

ALTER TABLE site DROP COLUMN open_registration;
""", """
ALTER TABLE site ADD COLUMN open_registration boolean NOT NULL DEFAULT true;
UPDATE site SET open_registration = (registration_mode = 'Open');
ALTER TABLE site DROP COLUMN registration_mode;
DROP TYPE registration_mode_enum;
""")
    TABLES["site"].used.add("registration_mode")


def s_identity(name):
    def step():
        mig(f"{name}_id_identity", f"""
-- serial -> identity: the sequence becomes internal to the column
ALTER TABLE {name} ALTER COLUMN id DROP DEFAULT;
DROP SEQUENCE {name}_id_seq;
ALTER TABLE {name} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;
SELECT setval(pg_get_serial_sequence('{name}', 'id'), coalesce(max(id), 0) + 1, false) FROM {name};
""", f"""
ALTER TABLE {name} ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE {name}_id_seq AS integer;
ALTER SEQUENCE {name}_id_seq OWNED BY {name}.id;
ALTER TABLE {name} ALTER COLUMN id SET DEFAULT nextval('{name}_id_seq'::regclass);
SELECT setval('{name}_id_seq', coalesce(max(id), 0) + 1, false) FROM {name};
""")
    return step


def s_generated_columns():
    mig("thread_search_vector", """
ALTER TABLE thread
    ADD COLUMN search tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(body, ''))
    ) STORED;

CREATE INDEX idx_thread_search ON thread USING gin (search);
""", "ALTER TABLE thread DROP COLUMN search;")
    TABLES["thread"].used.add("search")
    mig("reply_path", """
ALTER TABLE reply ADD COLUMN path ltree NOT NULL DEFAULT '0';

-- materialize the tree from parent_id, then drop the old column
WITH RECURSIVE tree (id, path) AS (
    SELECT id, text2ltree('0.' || id)
    FROM reply
    WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, tree.path || c.id::text
    FROM reply c
    JOIN tree ON c.parent_id = tree.id
)
UPDATE reply SET path = tree.path FROM tree WHERE reply.id = tree.id;

ALTER TABLE reply
    DROP COLUMN parent_id,
    ADD COLUMN depth integer GENERATED ALWAYS AS (nlevel(path) - 2) STORED;

CREATE INDEX idx_path_gist ON reply USING gist (path);
""", """
ALTER TABLE reply
    DROP COLUMN depth,
    ADD COLUMN parent_id integer REFERENCES reply ON UPDATE CASCADE ON DELETE CASCADE;

UPDATE reply SET parent_id = ltree2text(subpath(path, -2, 1))::integer WHERE nlevel(path) > 2;

ALTER TABLE reply DROP COLUMN path;
""")
    TABLES["reply"].used.update(["path", "depth"])


def s_matview():
    mig("board_activity_matview", """
CREATE MATERIALIZED VIEW board_activity AS
SELECT b.id AS board_id,
       count(DISTINCT t.creator_id) FILTER (WHERE t.published > now() - interval '1 day') AS users_active_day,
       count(DISTINCT t.creator_id) FILTER (WHERE t.published > now() - interval '1 month') AS users_active_month
FROM board b
LEFT JOIN thread t ON t.board_id = b.id
GROUP BY b.id
WITH DATA;

CREATE UNIQUE INDEX idx_board_activity_board ON board_activity (board_id);
""", "DROP MATERIALIZED VIEW board_activity;")
    mig("refresh_board_activity_function", """
CREATE OR REPLACE FUNCTION r.refresh_board_activity()
    RETURNS void
    LANGUAGE plpgsql
    SECURITY DEFINER
AS $function$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY board_activity;
END
$function$;
""", "DROP FUNCTION r.refresh_board_activity();")


def s_do_blocks():
    mig("person_matrix_id_if_missing", """
-- some instances added this column by hand before it was official
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'person' AND column_name = 'matrix_user_id'
    ) THEN
        ALTER TABLE person ADD COLUMN matrix_user_id text;
    END IF;
END
$$;
""", "ALTER TABLE person DROP COLUMN IF EXISTS matrix_user_id;")
    TABLES["person"].used.add("matrix_user_id")
    mig("drop_stray_indexes", """
DO $cleanup$
DECLARE
    ix record;
BEGIN
    FOR ix IN
        SELECT indexname FROM pg_indexes
        WHERE schemaname = 'public' AND indexname LIKE 'tmp\\_%'
    LOOP
        EXECUTE format('DROP INDEX IF EXISTS %I', ix.indexname);
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_class WHERE relname = 'idx_thread_board_published') THEN
        RAISE NOTICE 'index already present';
    ELSE
        CREATE INDEX idx_thread_board_published ON thread (board_id, published DESC);
    END IF;
END
$cleanup$;
""", "DROP INDEX IF EXISTS idx_thread_board_published;")


def s_rebuild_thread_saved():
    t = TABLES["thread_saved"]
    evo = list(t.evo.values())
    extra_cols = "".join(f",\n    {c.definition()}" for c in evo)
    extra_names = "".join(f", {c.name}" for c in evo)
    t.indexes.clear()
    t.checks.clear()
    mig("rebuild_thread_saved_with_composite_key", f"""
-- the surrogate id was never used; a composite key halves the index size
CREATE TABLE thread_saved_new (
    thread_id integer NOT NULL REFERENCES thread ON UPDATE CASCADE ON DELETE CASCADE,
    person_id integer NOT NULL REFERENCES person ON UPDATE CASCADE ON DELETE CASCADE,
    published timestamptz NOT NULL DEFAULT now(){extra_cols},
    PRIMARY KEY (person_id, thread_id)
);

INSERT INTO thread_saved_new (thread_id, person_id, published{extra_names})
SELECT thread_id, person_id, published{extra_names}
FROM thread_saved
ON CONFLICT DO NOTHING;

DROP TABLE thread_saved;
ALTER TABLE thread_saved_new RENAME TO thread_saved;
ALTER TABLE thread_saved RENAME CONSTRAINT thread_saved_new_pkey TO thread_saved_pkey;
CREATE INDEX idx_thread_saved_thread ON thread_saved (thread_id);
""", f"""
CREATE TABLE thread_saved_old (
    id serial PRIMARY KEY,
    thread_id integer NOT NULL REFERENCES thread ON UPDATE CASCADE ON DELETE CASCADE,
    person_id integer NOT NULL REFERENCES person ON UPDATE CASCADE ON DELETE CASCADE,
    published timestamptz NOT NULL DEFAULT now(){extra_cols},
    UNIQUE (thread_id, person_id)
);
INSERT INTO thread_saved_old (thread_id, person_id, published{extra_names})
SELECT thread_id, person_id, published{extra_names} FROM thread_saved;
DROP TABLE thread_saved;
ALTER TABLE thread_saved_old RENAME TO thread_saved;
ALTER SEQUENCE thread_saved_old_id_seq RENAME TO thread_saved_id_seq;
""")


def s_composite_votes():
    mig("vote_tables_composite_keys", """
ALTER TABLE thread_vote DROP CONSTRAINT thread_vote_pkey;
ALTER TABLE thread_vote DROP COLUMN id;
ALTER TABLE thread_vote DROP CONSTRAINT thread_vote_thread_id_user_id_key;
ALTER TABLE thread_vote ADD PRIMARY KEY (person_id, thread_id);

ALTER TABLE reply_vote DROP COLUMN id;
ALTER TABLE reply_vote ADD CONSTRAINT reply_vote_pkey PRIMARY KEY (person_id, reply_id);
ALTER TABLE reply_vote DROP CONSTRAINT reply_vote_reply_id_user_id_key;

CREATE INDEX idx_thread_vote_thread ON thread_vote (thread_id);
CREATE INDEX idx_reply_vote_reply ON reply_vote (reply_id);
""", """
DROP INDEX idx_reply_vote_reply;
DROP INDEX idx_thread_vote_thread;
ALTER TABLE reply_vote DROP CONSTRAINT reply_vote_pkey;
ALTER TABLE reply_vote ADD CONSTRAINT reply_vote_reply_id_user_id_key UNIQUE (reply_id, person_id);
ALTER TABLE reply_vote ADD COLUMN id serial PRIMARY KEY;
ALTER TABLE thread_vote DROP CONSTRAINT thread_vote_pkey;
ALTER TABLE thread_vote ADD CONSTRAINT thread_vote_thread_id_user_id_key UNIQUE (thread_id, person_id);
ALTER TABLE thread_vote ADD COLUMN id serial PRIMARY KEY;
""")


def s_fillfactor():
    mig("aggregates_fillfactor", """
-- aggregates are updated in place all day: leave room for HOT updates
ALTER TABLE thread_aggregates SET (fillfactor = 70);
ALTER TABLE board_aggregates SET (fillfactor = 70);
ALTER TABLE person_aggregates SET (fillfactor = 70);
""", """
ALTER TABLE person_aggregates RESET (fillfactor);
ALTER TABLE board_aggregates RESET (fillfactor);
ALTER TABLE thread_aggregates RESET (fillfactor);
""")


def s_rls():
    mig("private_message_row_level_security", """
ALTER TABLE private_message ENABLE ROW LEVEL SECURITY;

CREATE POLICY private_message_participants ON private_message
    USING (
        creator_id = nullif(current_setting('agora.person_id', true), '')::integer
        OR recipient_id = nullif(current_setting('agora.person_id', true), '')::integer
    );

CREATE POLICY private_message_insert ON private_message
    FOR INSERT
    WITH CHECK (creator_id = nullif(current_setting('agora.person_id', true), '')::integer);
""", """
DROP POLICY private_message_insert ON private_message;
DROP POLICY private_message_participants ON private_message;
ALTER TABLE private_message DISABLE ROW LEVEL SECURITY;
""")


def s_grants():
    mig("readonly_role", """
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'agora_readonly') THEN
        CREATE ROLE agora_readonly NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO agora_readonly;
GRANT USAGE ON SCHEMA r TO agora_readonly;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO agora_readonly;
GRANT SELECT ON ALL TABLES IN SCHEMA r TO agora_readonly;
REVOKE SELECT ON local_user, secret FROM agora_readonly;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO agora_readonly;
""", """
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM agora_readonly;
REVOKE SELECT ON ALL TABLES IN SCHEMA r FROM agora_readonly;
REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM agora_readonly;
REVOKE USAGE ON SCHEMA r FROM agora_readonly;
REVOKE USAGE ON SCHEMA public FROM agora_readonly;
""")


def s_donations():
    mig("donation_with_invoice_numbers", """
CREATE SEQUENCE donation_invoice_seq START WITH 1000 INCREMENT BY 1 NO CYCLE;

CREATE TABLE donation (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id integer REFERENCES person ON UPDATE CASCADE ON DELETE SET NULL,
    invoice_number bigint NOT NULL DEFAULT nextval('donation_invoice_seq'),
    amount numeric(10, 2) NOT NULL CHECK (amount > 0),
    currency char(3) NOT NULL DEFAULT 'EUR',
    note text,
    published timestamptz NOT NULL DEFAULT now()
);

ALTER SEQUENCE donation_invoice_seq OWNED BY donation.invoice_number;

COMMENT ON TABLE donation IS 'one row per received donation';
COMMENT ON COLUMN donation.invoice_number IS 'human-facing, gap-free within a year is not guaranteed';
""", "DROP TABLE donation;")
    table("donation", ["id", "person_id", "invoice_number", "amount", "currency", "note", "published"])


def s_concurrent_indexes():
    # one statement per file: PostgreSQL runs a multi-statement string as one transaction,
    # and Diesel runs these files outside its own (metadata.toml)
    for name, up, down in [
        ("reply_thread_published_concurrently",
         "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_reply_thread_published ON reply (thread_id, published DESC);",
         "DROP INDEX CONCURRENTLY IF EXISTS idx_reply_thread_published;"),
        ("thread_url_index_concurrently",
         "-- built without blocking writes\nCREATE INDEX CONCURRENTLY idx_thread_url ON thread (url) WHERE url IS NOT NULL;",
         "DROP INDEX CONCURRENTLY IF EXISTS idx_thread_url;"),
        ("board_lower_name_unique_concurrently",
         "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_board_lower_name ON public.board (lower(name));",
         "DROP INDEX CONCURRENTLY IF EXISTS idx_board_lower_name;"),
    ]:
        mig(name, up, down, no_tx=True)


def s_person_views_r():
    mig("replace_views_for_person_fields", """
DROP VIEW IF EXISTS r.board_moderator_view;

CREATE VIEW r.board_moderator_view AS
SELECT bm.id, bm.board_id, bm.person_id, p.name AS person_name, p.actor_id, p.local, b.name AS board_name
FROM board_moderator bm
JOIN person p ON p.id = bm.person_id
JOIN board b ON b.id = bm.board_id;
""", """
DROP VIEW r.board_moderator_view;

CREATE VIEW r.board_moderator_view AS
SELECT bm.id, bm.board_id, bm.person_id, p.name AS person_name, b.name AS board_name
FROM board_moderator bm
JOIN person p ON p.id = bm.person_id
JOIN board b ON b.id = bm.board_id;
""")


def s_late_tables():
    """Tables of the later years: identity keys, composite keys, citext, jsonb."""
    steps = []

    def c(name, body, **kw):
        steps.append(lambda: create(name, body, **kw))

    ident = "id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    byd = "id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    fk = lambda col, t, action="CASCADE": f"{col} integer NOT NULL REFERENCES {t} ON UPDATE CASCADE ON DELETE {action}"
    c("language", ["id serial PRIMARY KEY", "code varchar(3) NOT NULL UNIQUE", "name text NOT NULL"],
      extra_up="INSERT INTO language (code, name) VALUES ('und', 'Undetermined'), ('en', 'English'), ('de', 'Deutsch'), ('fr', 'Français');")
    c("local_user_language", [fk("local_user_id", "local_user"), fk("language_id", "language"),
                              "PRIMARY KEY (local_user_id, language_id)"])
    c("board_language", [fk("board_id", "board"), fk("language_id", "language"),
                         "PRIMARY KEY (board_id, language_id)"])
    c("tagline", [byd, "content text NOT NULL", "published timestamptz NOT NULL DEFAULT now()",
                  "updated_at timestamptz"])
    c("custom_emoji", [ident, "shortcode varchar(128) NOT NULL UNIQUE", "image_url text NOT NULL UNIQUE",
                       "alt_text text NOT NULL", "category text NOT NULL",
                       "published timestamptz NOT NULL DEFAULT now()",
                       "updated_at timestamptz NOT NULL DEFAULT now()"], updated=True)
    c("custom_emoji_keyword", [fk("custom_emoji_id", "custom_emoji"), "keyword varchar(128) NOT NULL",
                               "PRIMARY KEY (custom_emoji_id, keyword)"])
    c("registration_application", [ident, fk("local_user_id", "local_user"), "answer text NOT NULL",
                                   "admin_id integer REFERENCES person ON UPDATE CASCADE ON DELETE CASCADE",
                                   "deny_reason text", "published timestamptz NOT NULL DEFAULT now()",
                                   "UNIQUE (local_user_id)"])
    c("password_reset_request", [ident, fk("local_user_id", "local_user"), "token text NOT NULL UNIQUE",
                                 "published timestamptz NOT NULL DEFAULT now()"])
    c("email_verification", [ident, fk("local_user_id", "local_user"), "email citext NOT NULL",
                             "verification_token text NOT NULL DEFAULT encode(gen_random_bytes(24), 'base64')",
                             "published timestamptz NOT NULL DEFAULT now()"])
    c("login_token", ["token text PRIMARY KEY", fk("user_id", "local_user"),
                      "published timestamptz NOT NULL DEFAULT now()", "ip text", "user_agent text"])
    c("federation_allowlist", [fk("instance_id", "instance"), "published timestamptz NOT NULL DEFAULT now()",
                               "updated_at timestamptz", "PRIMARY KEY (instance_id)"])
    c("federation_blocklist", [fk("instance_id", "instance"), "published timestamptz NOT NULL DEFAULT now()",
                               "updated_at timestamptz", "expires timestamptz", "PRIMARY KEY (instance_id)"])
    c("sent_activity", ["id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "ap_id text NOT NULL UNIQUE",
                        "data jsonb NOT NULL", "sensitive boolean NOT NULL",
                        "published timestamptz NOT NULL DEFAULT now()"])
    c("received_activity", ["ap_id text PRIMARY KEY", "published timestamptz NOT NULL DEFAULT now()"])
    c("image_upload", [fk("local_user_id", "local_user"), "pictrs_alias text PRIMARY KEY",
                       "pictrs_delete_token text NOT NULL", "published timestamptz NOT NULL DEFAULT now()"])
    c("person_block", [fk("person_id", "person"), fk("target_id", "person"),
                       "published timestamptz NOT NULL DEFAULT now()", "PRIMARY KEY (person_id, target_id)"])
    c("board_block", [fk("person_id", "person"), fk("board_id", "board"),
                      "published timestamptz NOT NULL DEFAULT now()", "PRIMARY KEY (person_id, board_id)"])
    c("instance_block", [fk("person_id", "person"), fk("instance_id", "instance"),
                         "published timestamptz NOT NULL DEFAULT now()", "PRIMARY KEY (person_id, instance_id)"])
    c("person_mention", [ident, fk("recipient_id", "person"), fk("reply_id", "reply"),
                         "read boolean NOT NULL DEFAULT false", "published timestamptz NOT NULL DEFAULT now()",
                         "UNIQUE (recipient_id, reply_id)"])
    c("thread_report", [ident, fk("creator_id", "person"), fk("thread_id", "thread"),
                        "original_thread_name varchar(200) NOT NULL", "original_thread_url text",
                        "original_thread_body text", "reason text NOT NULL",
                        "resolved boolean NOT NULL DEFAULT false",
                        "resolver_id integer REFERENCES person ON UPDATE CASCADE ON DELETE CASCADE",
                        "published timestamptz NOT NULL DEFAULT now()", "updated_at timestamptz",
                        "UNIQUE (thread_id, creator_id)"])
    c("reply_report", [ident, fk("creator_id", "person"), fk("reply_id", "reply"),
                       "original_reply_text text NOT NULL", "reason text NOT NULL",
                       "resolved boolean NOT NULL DEFAULT false",
                       "resolver_id integer REFERENCES person ON UPDATE CASCADE ON DELETE CASCADE",
                       "published timestamptz NOT NULL DEFAULT now()", "updated_at timestamptz",
                       "UNIQUE (reply_id, creator_id)"])
    c("private_message_report", [ident, fk("creator_id", "person"), fk("private_message_id", "private_message"),
                                 "original_pm_text text NOT NULL", "reason text NOT NULL",
                                 "resolved boolean NOT NULL DEFAULT false",
                                 "resolver_id integer REFERENCES person ON UPDATE CASCADE ON DELETE CASCADE",
                                 "published timestamptz NOT NULL DEFAULT now()", "updated_at timestamptz"])
    c("admin_purge_person", [ident, fk("admin_person_id", "person"), "reason text",
                             "when_ timestamptz NOT NULL DEFAULT now()"])
    c("admin_purge_board", [ident, fk("admin_person_id", "person"), "reason text",
                            "when_ timestamptz NOT NULL DEFAULT now()"])
    c("admin_purge_thread", [ident, fk("admin_person_id", "person"), fk("board_id", "board"), "reason text",
                             "when_ timestamptz NOT NULL DEFAULT now()"])
    c("mod_feature_thread", [ident, fk("mod_person_id", "person"), fk("thread_id", "thread"),
                             "featured boolean NOT NULL DEFAULT true", "is_featured_board boolean NOT NULL DEFAULT true",
                             "when_ timestamptz NOT NULL DEFAULT now()"])
    c("mod_hide_board", [ident, fk("mod_person_id", "person"), fk("board_id", "board"), "reason text",
                         "hidden boolean NOT NULL DEFAULT false", "when_ timestamptz NOT NULL DEFAULT now()"])
    c("mod_transfer_board", [ident, fk("mod_person_id", "person"), fk("other_person_id", "person"),
                             fk("board_id", "board"), "when_ timestamptz NOT NULL DEFAULT now()"])
    c("poll", [ident, fk("thread_id", "thread"), "question text NOT NULL", "multiple_choice boolean NOT NULL DEFAULT false",
               "closes_at timestamptz", "published timestamptz NOT NULL DEFAULT now()", "UNIQUE (thread_id)"])
    c("poll_option", [ident, fk("poll_id", "poll"), "position smallint NOT NULL", "label varchar(200) NOT NULL",
                      "UNIQUE (poll_id, position)"])
    c("poll_vote", [fk("poll_option_id", "poll_option"), fk("person_id", "person"),
                    "published timestamptz NOT NULL DEFAULT now()", "PRIMARY KEY (poll_option_id, person_id)"])
    c("tag", [ident, "ap_id text NOT NULL UNIQUE", "name text NOT NULL", fk("board_id", "board"),
              "published timestamptz NOT NULL DEFAULT now()", "updated_at timestamptz",
              "deleted boolean NOT NULL DEFAULT false"])
    c("thread_tag", [fk("thread_id", "thread"), fk("tag_id", "tag"), "published timestamptz NOT NULL DEFAULT now()",
                     "PRIMARY KEY (thread_id, tag_id)"])
    c("oauth_provider", [ident, "issuer text NOT NULL", "client_id text NOT NULL UNIQUE", "client_secret text NOT NULL",
                         "scopes text NOT NULL", "auto_verify_email boolean NOT NULL DEFAULT true",
                         "enabled boolean NOT NULL DEFAULT true", "published timestamptz NOT NULL DEFAULT now()",
                         "updated_at timestamptz NOT NULL DEFAULT now()"], updated=True)
    c("oauth_account", [fk("local_user_id", "local_user"), fk("oauth_provider_id", "oauth_provider", "RESTRICT"),
                        "oauth_user_id text NOT NULL", "published timestamptz NOT NULL DEFAULT now()",
                        "PRIMARY KEY (oauth_provider_id, local_user_id)", "UNIQUE (oauth_provider_id, oauth_user_id)"])
    return steps



def s_constraint_maintenance():
    """Constraints PostgreSQL named itself, dropped by that name years later."""
    mig("registration_application_admin_set_null", """
-- deleting an admin must not delete the applications they reviewed
ALTER TABLE registration_application DROP CONSTRAINT registration_application_admin_id_fkey;
ALTER TABLE registration_application
    ADD CONSTRAINT registration_application_admin_id_fkey FOREIGN KEY (admin_id)
    REFERENCES person (id) ON UPDATE CASCADE ON DELETE SET NULL;
""", """
ALTER TABLE registration_application DROP CONSTRAINT registration_application_admin_id_fkey;
ALTER TABLE registration_application
    ADD FOREIGN KEY (admin_id) REFERENCES person (id) ON UPDATE CASCADE ON DELETE CASCADE;
""")
    mig("instance_domain_case_insensitive", """
ALTER TABLE instance DROP CONSTRAINT instance_domain_key;
CREATE UNIQUE INDEX idx_instance_domain_lower ON instance (lower(domain));
""", """
DROP INDEX idx_instance_domain_lower;
ALTER TABLE instance ADD CONSTRAINT instance_domain_key UNIQUE (domain);
""")
    mig("open_reports_index", """
CREATE INDEX ON thread_report (resolved);
CREATE INDEX ON reply_report (resolved);
""", """
DROP INDEX reply_report_resolved_idx;
DROP INDEX thread_report_resolved_idx;
""")


def s_partial_report_indexes():
    mig("partial_open_reports_index", """
-- only unresolved reports are ever listed
DROP INDEX thread_report_resolved_idx;
DROP INDEX reply_report_resolved_idx;
CREATE INDEX idx_thread_report_open ON thread_report (published DESC) WHERE NOT resolved;
CREATE INDEX idx_reply_report_open ON reply_report (published DESC) WHERE NOT resolved;
ALTER TABLE poll_option DROP CONSTRAINT poll_option_poll_id_position_key;
ALTER TABLE poll_option ADD UNIQUE (poll_id, position) DEFERRABLE INITIALLY DEFERRED;
""", """
ALTER TABLE poll_option DROP CONSTRAINT poll_option_poll_id_position_key;
ALTER TABLE poll_option ADD UNIQUE (poll_id, position);
DROP INDEX idx_reply_report_open;
DROP INDEX idx_thread_report_open;
CREATE INDEX ON thread_report (resolved);
CREATE INDEX ON reply_report (resolved);
""")


def s_late_maintenance():
    mig("tagline_id_always_generated", """
ALTER TABLE tagline ALTER COLUMN id SET GENERATED ALWAYS;
""", """
ALTER TABLE tagline ALTER COLUMN id SET GENERATED BY DEFAULT;
""")
    mig("thread_tag_constraint_names", """
ALTER TABLE thread_tag RENAME CONSTRAINT thread_tag_tag_id_fkey TO thread_tag_tag_fk;
ALTER TABLE ONLY thread_tag RENAME CONSTRAINT thread_tag_thread_id_fkey TO thread_tag_thread_fk;
""", """
ALTER TABLE thread_tag RENAME CONSTRAINT thread_tag_thread_fk TO thread_tag_thread_id_fkey;
ALTER TABLE thread_tag RENAME CONSTRAINT thread_tag_tag_fk TO thread_tag_tag_id_fkey;
""")
    create("notification", [
        "id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "recipient_id integer NOT NULL REFERENCES person ON UPDATE CASCADE ON DELETE CASCADE",
        '"type" varchar(40) NOT NULL',
        "reply_id integer REFERENCES reply ON UPDATE CASCADE ON DELETE CASCADE",
        "private_message_id integer REFERENCES private_message ON UPDATE CASCADE ON DELETE CASCADE",
        "read boolean NOT NULL DEFAULT false",
        "published timestamptz NOT NULL DEFAULT now()",
        "CHECK (num_nonnulls(reply_id, private_message_id) = 1)",
    ], cols=["type"])


def s_late_maintenance_2():
    mig("tag_deletion_restricted", """
-- a tag in use cannot be deleted any more
ALTER TABLE thread_tag
    DROP CONSTRAINT thread_tag_tag_fk,
    ADD CONSTRAINT thread_tag_tag_fk FOREIGN KEY (tag_id) REFERENCES tag (id) ON UPDATE CASCADE ON DELETE RESTRICT;
""", """
ALTER TABLE thread_tag
    DROP CONSTRAINT thread_tag_tag_fk,
    ADD CONSTRAINT thread_tag_tag_fk FOREIGN KEY (tag_id) REFERENCES tag (id) ON UPDATE CASCADE ON DELETE CASCADE;
""")
    mig("reply_depth_maintained_by_app", """
-- depth is written by the federation code now (remote replies arrive without their parents)
ALTER TABLE reply ALTER COLUMN depth DROP EXPRESSION;
ALTER TABLE reply ALTER COLUMN depth SET DEFAULT 0;
""", """
ALTER TABLE reply DROP COLUMN depth;
ALTER TABLE reply ADD COLUMN depth integer GENERATED ALWAYS AS (nlevel(path) - 2) STORED;
""")

def ev(n):
    return lambda: evolve(n)


LATE = s_late_tables()

STEPS = [
    s_extensions, s_core, ev(3), s_board, ev(4), s_thread, ev(3), s_reply, ev(4), s_saved,
    s_private_message, ev(5), s_site, s_utility_schema,
    *[s_mod_table(i) for i in range(len(MOD_TABLES))], ev(8),
    s_rename_user_to_person, ev(6), s_local_user, s_secret, ev(8), s_aggregates, s_hot_rank, ev(6),
    s_views, s_enums, ev(8), s_enum_add_values, s_registration_mode, ev(6), s_identity("site"),
    s_identity("board_moderator"), ev(6), s_generated_columns, s_matview, ev(8), s_do_blocks,
    s_rebuild_thread_saved, ev(6), s_composite_votes, s_fillfactor, ev(6), s_rls, s_grants, ev(6),
    s_donations, s_concurrent_indexes, s_person_views_r, ev(6), s_enum_rename_value,
    *LATE[:8], ev(12), *LATE[8:16], ev(12), s_enum_remove_value, *LATE[16:24], ev(14),
    s_identity("instance"), *LATE[24:], s_constraint_maintenance, ev(15), s_partial_report_indexes, ev(8), s_late_maintenance, ev(8), s_late_maintenance_2, ev(15), s_identity("language"), ev(55),
]


def write():
    if ROOT.exists():
        shutil.rmtree(ROOT / "migrations", ignore_errors=True)
    (ROOT / "migrations").mkdir(parents=True, exist_ok=True)
    (ROOT / "src").mkdir(exist_ok=True)
    (ROOT / "Cargo.toml").write_text(
        '[package]\nname = "agora"\nversion = "0.19.3"\nedition = "2021"\n\n'
        "[dependencies]\n"
        'diesel = { version = "2.2", features = ["postgres", "chrono", "serde_json", "uuid"] }\n'
        'diesel_migrations = "2.2"\nchrono = "0.4"\nserde_json = "1"\nuuid = "1"\n'
    )
    (ROOT / "diesel.toml").write_text(
        "# For documentation on how to configure this file,\n"
        "# see https://diesel.rs/guides/configuring-diesel-cli\n\n"
        '[print_schema]\nfile = "src/schema.rs"\n'
        'custom_type_derives = ["diesel::query_builder::QueryId", "Clone"]\n\n'
        '[migrations_directory]\ndir = "migrations"\n'
    )
    d = ROOT / "migrations" / "00000000000000_diesel_initial_setup"
    d.mkdir()
    (d / "up.sql").write_text(INITIAL_UP)
    (d / "down.sql").write_text(INITIAL_DOWN)
    seen = set()
    for m in MIGS:
        CLOCK[0] += datetime.timedelta(hours=rng.randint(20, 200), minutes=rng.randint(0, 59),
                                       seconds=rng.randint(0, 59))
        name = m.name[:60]
        while name in seen:
            name += "_2"
        seen.add(name)
        d = ROOT / "migrations" / f"{CLOCK[0]:%Y-%m-%d-%H%M%S}_{name}"
        d.mkdir()
        (d / "up.sql").write_text(m.up)
        (d / "down.sql").write_text(m.down)
        if m.no_tx:
            (d / "metadata.toml").write_text("run_in_transaction = false\n")
    print(f"wrote {len(MIGS) + 1} migrations to {ROOT}")


INITIAL_UP = """-- This file was automatically created by Diesel to setup helper functions
-- and other internal bookkeeping. This file is safe to edit, any future
-- changes will be added to existing projects as new migrations.




-- Sets up a trigger for the given table to automatically set a column called
-- `updated_at` whenever the row is modified (unless `updated_at` was included
-- in the modified columns)
--
-- # Example
--
-- ```sql
-- CREATE TABLE users (id SERIAL PRIMARY KEY, updated_at TIMESTAMP NOT NULL DEFAULT NOW());
--
-- SELECT diesel_manage_updated_at('users');
-- ```
CREATE OR REPLACE FUNCTION diesel_manage_updated_at(_tbl regclass) RETURNS VOID AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER set_updated_at BEFORE UPDATE ON %s
                    FOR EACH ROW EXECUTE PROCEDURE diesel_set_updated_at()', _tbl);
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION diesel_set_updated_at() RETURNS trigger AS $$
BEGIN
    IF (
        NEW IS DISTINCT FROM OLD AND
        NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
    ) THEN
        NEW.updated_at := current_timestamp;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

INITIAL_DOWN = """-- This file was automatically created by Diesel to setup helper functions
-- and other internal bookkeeping. This file is safe to edit, any future
-- changes will be added to existing projects as new migrations.

DROP FUNCTION IF EXISTS diesel_manage_updated_at(_tbl regclass);
DROP FUNCTION IF EXISTS diesel_set_updated_at();
"""

if __name__ == "__main__":
    for step in STEPS:
        step()
    write()
