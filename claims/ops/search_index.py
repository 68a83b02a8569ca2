"""SQLite's full-text index (FTS5) over claims, quotes and sources: ranked search, phrases and
stemming on the embedded database, as PostgreSQL's full-text search gives them.

The index is an FTS5 "external content" table per searched table: it stores only the index, and
reads the text from the table itself. Triggers keep it in step with every insert, update and
delete, whoever writes (the services, a restore, the generator). It is derived data, like a
database index, so it lives outside the migrations: after every `migrate` it is (re)made if
missing. That matters because Django alters an SQLite table by rebuilding it, which drops the
table's triggers; a missing trigger is remade here and the index rebuilt from the table.

PostgreSQL needs none of this (`to_tsvector` at query time, ranked by `ts_rank`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DatabaseError

from claims.models import Claim, Excerpt, Source
from claims.querysets import full_text_index

TOKENIZER = "porter unicode61 remove_diacritics 2"


@dataclass(frozen=True)
class Indexed:
    table: str
    columns: tuple[str, ...]

    @property
    def index(self) -> str:
        return full_text_index(self.table)


def _indexed() -> list[Indexed]:
    """What each searchable model's queryset searches (`search_fields`), in its table."""
    return [
        Indexed(model._meta.db_table, model.objects.none().search_fields)
        for model in (Claim, Excerpt, Source)
    ]


def _statements(indexed: Indexed) -> tuple[str, list[tuple[str, str]]]:
    """The CREATE of the index, and each trigger's (name, CREATE)."""
    columns = ", ".join(indexed.columns)
    new = ", ".join(f"new.{column}" for column in indexed.columns)
    old = ", ".join(f"old.{column}" for column in indexed.columns)
    fts, table = indexed.index, indexed.table
    create = (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({columns}, "
        f"content='{table}', content_rowid='id', tokenize='{TOKENIZER}')"
    )
    remove = f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', old.id, {old});"
    add = f"INSERT INTO {fts}(rowid, {columns}) VALUES (new.id, {new});"
    triggers = [
        (f"{fts}_insert", f"AFTER INSERT ON {table} BEGIN {add} END"),
        (f"{fts}_delete", f"AFTER DELETE ON {table} BEGIN {remove} END"),
        (f"{fts}_update", f"AFTER UPDATE OF {columns} ON {table} BEGIN {remove} {add} END"),
    ]
    return create, [(name, f"CREATE TRIGGER {name} {body}") for name, body in triggers]


def ensure_search_index(connection) -> list[str]:
    """Make the index and its triggers where missing; rebuild an index that lacked a trigger.
    Returns the indexes rebuilt. Does nothing on other databases."""
    if connection.vendor != "sqlite":
        return []
    rebuilt = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        existing = {name for (name,) in cursor.fetchall()}
        for indexed in _indexed():
            create, triggers = _statements(indexed)
            cursor.execute(create)
            missing = [(name, sql) for name, sql in triggers if name not in existing]
            for _, sql in missing:
                cursor.execute(sql)
            if missing:
                cursor.execute(f"INSERT INTO {indexed.index}({indexed.index}) VALUES ('rebuild')")
                rebuilt.append(indexed.index)
    return rebuilt


def search_index_problems(connection) -> list[str]:
    """What is wrong with the index (for `verify_ledger`): a missing trigger, or an index that
    does not agree with its table (FTS5's own integrity check)."""
    if connection.vendor != "sqlite":
        return []
    problems = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        existing = {name for (name,) in cursor.fetchall()}
        for indexed in _indexed():
            _, triggers = _statements(indexed)
            problems += [
                f"search index trigger {name} is missing"
                for name, _ in triggers
                if name not in existing
            ]
            try:
                check = f"INSERT INTO {indexed.index}({indexed.index}, rank) VALUES (%s, 1)"
                cursor.execute(check, ["integrity-check"])
            except DatabaseError as error:  # FTS5 reports a mismatch as a database error
                problems.append(f"search index {indexed.index} disagrees with its table: {error}")
    return problems


def connect_signals() -> None:
    from django.db.models.signals import post_migrate

    post_migrate.connect(_after_migrate, dispatch_uid="claims-search-index")


def _after_migrate(sender, app_config=None, using="default", **kwargs):
    from django.db import connections

    if app_config is not None and app_config.label == "claims":
        ensure_search_index(connections[using])
