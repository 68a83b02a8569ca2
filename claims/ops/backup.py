"""Backup and restore: the whole ledger as a portable, versioned, checksummed JSON Lines dump.

A dump is one JSON object per line, UTF-8:

- a header: ``{"format": "claim-ledger", "version": 1, "exported_at": …, "models": […]}``;
- one line per row, in the header's model order and then by primary key:
  ``{"model": "claims.source", "pk": 3, "fields": {…}, "sha256": …}``, where ``sha256`` is the
  SHA-256 of the canonical JSON of the model, pk and fields (sorted keys, no white space,
  UTF-8, not ASCII-escaped), so one changed character names its line;
- a footer: ``{"records": N, "sha256": …}``, the SHA-256 of every line before it, so a dump cut
  short, reordered or edited (even with its record checksums recomputed) is refused;
- and, when the exporting server has a dump key (`LEDGER_DUMP_KEY`), a ``signature`` in the
  footer: the key's id and an HMAC-SHA256 of that checksum. Checksums alone only catch accidents:
  anyone can recompute them. A signed dump imports only where the same key is set, and a server
  with a key refuses an unsigned dump unless told to accept it (`--accept-unsigned`): an unsigned
  dump is as trustworthy as whoever handed it over, and `import_ledger` says which it was.

What is in it: every model of the claims app with its history (the Historical* tables), the
accounts (with their groups and permissions, by name, since migrations create groups and
permissions with ids of their own in each database) and the groups' permissions. Account
password hashes are included on purpose: a restore must leave editors able to log in, so the
dump is a full backup and has to be kept as secret as the database itself. Left out: API tokens
(clients log in again after a restore), sessions, the admin's log and login-attempt records.

`import_ledger` restores a dump into an empty, migrated database, inside one transaction: any
error (a checksum, a truncated file, a broken reference, a failed `verify_ledger` check) rolls
everything back, so a database is either fully restored or unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from simple_history.utils import get_history_model_for_model

from claims.models import (
    ChangeRequest,
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    Publisher,
    ReviewEvent,
    Source,
    SourceItem,
    Speaker,
)
from claims.ops.integrity import find_problems
from claims.services.restore import memberships_restore, restored_rows_insert
from ledger.cache import ledger_changed

FORMAT = "claim-ledger"
# 2: voices (an excerpt's voice and intermediary, affiliations and stored roots; speakers
# written before publishers, which may speak for one).
VERSION = 2
SUPPORTED_VERSIONS = frozenset({2})

# In the order a restore writes them, so that every reference points backwards in the file.
LEDGER_MODELS: tuple[type[models.Model], ...] = (
    Speaker,
    Publisher,
    Source,
    SourceItem,
    Excerpt,
    Dispute,
    Claim,
    Evidence,
    ReviewEvent,
    ChangeRequest,
)
HISTORY_MODELS: tuple[type[models.Model], ...] = tuple(
    get_history_model_for_model(model) for model in LEDGER_MODELS if hasattr(model, "history")
)
DUMPED_MODELS: tuple[type[models.Model], ...] = (Group, User, *LEDGER_MODELS, *HISTORY_MODELS)
# The rows whose presence makes a database "not empty". Groups are not among them: migrations
# create the Editors and Reviewers groups in every database.
DATA_MODELS: tuple[type[models.Model], ...] = (User, *LEDGER_MODELS, *HISTORY_MODELS)

# Rows per INSERT (fewer where the database limits query parameters), and bytes of record lines
# held before writing them, so that a batch of long source texts stays a modest statement.
BATCH_ROWS = 500
BATCH_BYTES = 4_000_000
EXPORT_CHUNK = 200

MESSAGE_EMPTY = "The dump is empty: not even a header line."
MESSAGE_NOT_A_DUMP = (
    "Line 1 is not the header of a claim-ledger dump ({reason}). "
    "Import a file written by `manage.py export_ledger`."
)
MESSAGE_UNSUPPORTED_VERSION = (
    "This dump is format version {found}; this ledger reads version {supported}. "
    "Restore it with the release of the ledger that wrote it."
)
MESSAGE_MODELS_DIFFER = (
    "The header's models do not match format version {version}: "
    "missing {missing}, unexpected {unexpected}."
)
MESSAGE_BAD_JSON = "Line {line} is not a JSON object: {error}."
MESSAGE_BAD_LINE = (
    "Line {line} is neither a record (model, pk, fields, sha256) nor the footer "
    "(records, sha256); its keys are {keys}."
)
MESSAGE_UNKNOWN_MODEL = "Line {line}: {model!r} is not one of the dump's models."
MESSAGE_OUT_OF_ORDER = (
    "Line {line}: a {model} record after {previous} records; "
    "records come in the header's model order."
)
MESSAGE_RECORD_CHECKSUM = (
    "Line {line} ({record}) does not match its checksum: the record hashes to {actual}, "
    "but the line says {expected}. The dump was changed or damaged after it was written."
)
MESSAGE_FILE_CHECKSUM = (
    "The dump's lines hash to {actual}, but its footer (line {line}) says {expected}: lines "
    "were changed, added, removed or reordered after the dump was written."
)
MESSAGE_RECORD_COUNT = (
    "The footer (line {line}) says the dump holds {expected} records; it holds {actual}."
)
MESSAGE_NO_FOOTER = (
    "The dump ends at line {line} without its footer: it is truncated "
    "(an interrupted export or copy?)."
)
MESSAGE_CUT_LINE = "Line {line} is cut off (it has no line end): the dump is truncated."
MESSAGE_AFTER_FOOTER = "Line {line} comes after the footer (line {footer}); a dump ends there."
MESSAGE_FIELDS_DIFFER = (
    "Line {line} ({record}): its fields do not match this ledger's {model}: "
    "missing {missing}, unexpected {unexpected}."
)
MESSAGE_BAD_VALUE = "Line {line} ({record}), field {field!r}: {error}"
MESSAGE_UNKNOWN_GROUP = (
    "Line {line} ({record}): the group {group!r} is neither in the dump nor in this database."
)
MESSAGE_UNKNOWN_PERMISSION = (
    "Line {line} ({record}): the permission {permission} does not exist in this database. "
    "Run `manage.py migrate` before importing."
)
MESSAGE_NOT_EMPTY = (
    "This database already holds ledger data ({rows}). A dump is restored into an empty "
    "database only, so that nothing is merged or overwritten: create a new database, run "
    "`manage.py migrate`, and import into that."
)
MESSAGE_BROKEN_RULE = "The records on lines {first}–{last} ({model}) break a database rule: {error}"
MESSAGE_BROKEN_REFERENCE = "The restored records refer to rows that are not in the dump: {error}"
MESSAGE_PROBLEMS = (
    "The restored ledger fails verify_ledger's checks ({count} problem(s)):\n{problems}"
)


class BackupError(Exception):
    """A dump cannot be restored; the message says what is wrong and where."""


class DumpFormatError(BackupError):
    """Not a dump this ledger reads, or a line that is not a well-formed record."""


class ChecksumMismatch(BackupError):
    """A record, or the file as a whole, is not what was written."""


class TruncatedDump(BackupError):
    """The dump stops before its footer."""


class DatabaseNotEmpty(BackupError):
    """The target database already holds a ledger; a restore never merges."""


class RestoreRejected(BackupError):
    """The records were read intact but do not make a valid ledger."""


class SignatureRefused(BackupError):
    """The dump's signature is missing, made with another key, or does not match."""


MESSAGE_UNSIGNED = (
    "This dump is not signed, and this server has a dump key (LEDGER_DUMP_KEY): an unsigned dump "
    "is as trustworthy as whoever handed it over. Import it with --accept-unsigned if you trust "
    "its source."
)
MESSAGE_NO_KEY = (
    "This dump is signed with key {key}, and this server has no dump key to check it with: set "
    "LEDGER_DUMP_KEY to the key it was exported with."
)
MESSAGE_OTHER_KEY = "This dump is signed with key {key}; this server's key is {ours}."
MESSAGE_BAD_SIGNATURE = (
    "This dump's signature does not match its contents: it was changed after it was signed "
    "(with key {key})."
)


def key_id(key: str) -> str:
    """A short public name for a dump key (never the key itself)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def signature_of(checksum: str, key: str) -> dict[str, str]:
    mac = hmac.new(key.encode("utf-8"), checksum.encode("ascii"), hashlib.sha256).hexdigest()
    return {"key": key_id(key), "hmac": mac}


def _check_signature(footer: dict[str, Any], *, accept_unsigned: bool) -> str:
    """The id of the key that signed the dump ("" if unsigned, where that is accepted)."""
    key = settings.LEDGER_DUMP_KEY
    signature = footer.get("signature")
    if not signature:
        if key and not accept_unsigned:
            raise SignatureRefused(MESSAGE_UNSIGNED)
        return ""
    if not isinstance(signature, dict) or set(signature) != {"key", "hmac"}:
        raise SignatureRefused(MESSAGE_BAD_SIGNATURE.format(key="unknown"))
    if not key:
        raise SignatureRefused(MESSAGE_NO_KEY.format(key=signature["key"]))
    if signature["key"] != key_id(key):
        raise SignatureRefused(MESSAGE_OTHER_KEY.format(key=signature["key"], ours=key_id(key)))
    expected = signature_of(footer["sha256"], key)["hmac"]
    if not hmac.compare_digest(str(signature["hmac"]), expected):
        raise SignatureRefused(MESSAGE_BAD_SIGNATURE.format(key=signature["key"]))
    return signature["key"]


@dataclass(frozen=True)
class BackupSummary:
    """How many rows of each model a dump holds, and the checksum in its footer."""

    counts: dict[str, int]
    sha256: str
    signed_by: str = ""  # the id of the key that signed it; "" for an unsigned dump

    @property
    def records(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        return [f"{label}: {count}" for label, count in self.counts.items()]


def canonical_json(value: Any) -> bytes:
    """The one byte string a JSON value is hashed and written as."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def record_sha256(*, model: str, pk: Any, fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json({"model": model, "pk": pk, "fields": fields})).hexdigest()


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


# -- export -----------------------------------------------------------------------------------


def export_ledger(stream: BinaryIO) -> BackupSummary:
    """Write the whole ledger to `stream` (binary) as a dump; return what it holds."""
    digest = hashlib.sha256()
    counts: dict[str, int] = {}

    def write(line: bytes) -> None:
        stream.write(line)
        digest.update(line)

    with _snapshot():
        header = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": timezone.now().astimezone(UTC).isoformat(),
            "models": [_label(model) for model in DUMPED_MODELS],
        }
        write(canonical_json(header) + b"\n")
        for model in DUMPED_MODELS:
            label = _label(model)
            counts[label] = 0
            for pk, fields in _rows(model):
                record = {"model": label, "pk": pk, "fields": fields}
                record["sha256"] = record_sha256(model=label, pk=pk, fields=fields)
                write(canonical_json(record) + b"\n")
                counts[label] += 1
    footer: dict[str, Any] = {"records": sum(counts.values()), "sha256": digest.hexdigest()}
    if settings.LEDGER_DUMP_KEY:
        footer["signature"] = signature_of(footer["sha256"], settings.LEDGER_DUMP_KEY)
    stream.write(canonical_json(footer) + b"\n")
    signed_by = footer["signature"]["key"] if "signature" in footer else ""
    return BackupSummary(counts=counts, sha256=footer["sha256"], signed_by=signed_by)


@contextmanager
def _snapshot() -> Iterator[None]:
    """One transaction, so that a dump taken while editors work is one consistent moment.

    On PostgreSQL the transaction is REPEATABLE READ (one snapshot for every query; READ
    COMMITTED would let evidence written mid-export refer to a claim the dump lacks). On SQLite a
    transaction reads one snapshot already; with this project's IMMEDIATE transactions, writers
    wait (up to the busy timeout) while an export runs.
    """
    own_transaction = not connection.in_atomic_block
    if own_transaction:
        # Connect (and run any pending health check) now, so that the first statement of the
        # transaction below is SET TRANSACTION, as PostgreSQL requires.
        with connection.cursor():
            pass
    with transaction.atomic():
        if own_transaction and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _rows(model: type[models.Model]) -> Iterator[tuple[Any, dict[str, Any]]]:
    if model is Group:
        yield from _group_rows()
        return
    queryset = model._base_manager.order_by("pk")
    if model is User:
        queryset = queryset.prefetch_related("groups", "user_permissions__content_type")
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    for row in queryset.iterator(chunk_size=EXPORT_CHUNK):
        values = {field.name: _to_json(field.value_from_object(row)) for field in fields}
        if model is User:
            values["groups"] = sorted(group.name for group in row.groups.all())
            values["user_permissions"] = sorted(
                list(permission.natural_key()) for permission in row.user_permissions.all()
            )
        yield row.pk, values


def _group_rows() -> Iterator[tuple[None, dict[str, Any]]]:
    # Groups travel by name, with no pk: each database's migrations create the Editors and
    # Reviewers groups with ids of their own, and a restore matches them by name.
    groups = Group.objects.order_by("name").prefetch_related("permissions__content_type")
    for group in groups:
        permissions = sorted(list(p.natural_key()) for p in group.permissions.all())
        yield None, {"name": group.name, "permissions": permissions}


def _to_json(value: Any) -> Any:
    # Full precision, in UTC: a restored timestamp is the same instant to the microsecond
    # (Django's own JSON encoder would cut microseconds to milliseconds).
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | bool):
        return value
    raise TypeError(f"The dump format has no representation for {type(value).__name__} values.")


# -- import -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    line: int
    size: int
    model: type[models.Model]
    pk: Any
    fields: dict[str, Any]

    @property
    def name(self) -> str:
        key = self.fields.get("name") if self.pk is None else self.pk
        return f"{_label(self.model)} {key}"


def import_ledger(stream: BinaryIO, *, accept_unsigned: bool = False) -> BackupSummary:
    """Restore the dump in `stream` (binary) into this empty database, or change nothing."""
    with transaction.atomic():
        _refuse_non_empty_database()
        reader = _DumpReader(stream, accept_unsigned=accept_unsigned)
        writer = _RowWriter()
        for record in reader.records():
            writer.add(record)
        writer.flush()
        try:
            connection.check_constraints(table_names=writer.tables())
        except IntegrityError as error:
            raise RestoreRejected(MESSAGE_BROKEN_REFERENCE.format(error=error)) from error
        problems = list(find_problems())
        if problems:
            raise RestoreRejected(
                MESSAGE_PROBLEMS.format(count=len(problems), problems="\n".join(problems))
            )
        # Last, once nothing can fail: PostgreSQL does not roll back a sequence change.
        _reset_sequences()
        # Raw inserts send no signals: tell the response cache the ledger changed.
        ledger_changed()
    return BackupSummary(counts=reader.counts, sha256=reader.sha256, signed_by=reader.signed_by)


def _refuse_non_empty_database() -> None:
    rows = {_label(model): model._base_manager.count() for model in DATA_MODELS}
    held = [f"{count} {label}" for label, count in rows.items() if count]
    if held:
        shown = ", ".join(held[:3]) + (f" and {len(held) - 3} more tables" if held[3:] else "")
        raise DatabaseNotEmpty(MESSAGE_NOT_EMPTY.format(rows=shown))


def _reset_sequences() -> None:
    # Rows keep their ids, so that references survive; the next id PostgreSQL hands out must
    # then come after them. (SQLite derives it from the table and needs nothing.)
    through = [User.groups.through, User.user_permissions.through, Group.permissions.through]
    statements = connection.ops.sequence_reset_sql(no_style(), [*DUMPED_MODELS, *through])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class _DumpReader:
    """Reads a dump line by line, checking each record before handing it on."""

    def __init__(self, stream: BinaryIO, *, accept_unsigned: bool = False):
        self.stream = stream
        self.accept_unsigned = accept_unsigned
        self.signed_by = ""
        self.digest = hashlib.sha256()
        self.models = {_label(model): model for model in DUMPED_MODELS}
        self.counts: dict[str, int] = {label: 0 for label in self.models}
        self.sha256 = ""

    def records(self) -> Iterator[_Record]:
        lines = enumerate(self.stream, start=1)
        first = next(lines, None)
        if first is None:
            raise TruncatedDump(MESSAGE_EMPTY)
        self._check_header(*first)
        order = list(self.models)
        position = 0
        line_number = 1
        for line_number, line in lines:
            data = self._parse(line_number, line)
            if set(data) in ({"records", "sha256"}, {"records", "sha256", "signature"}):
                self._check_footer(line_number, data)
                extra = next(lines, None)
                if extra is not None:
                    raise DumpFormatError(
                        MESSAGE_AFTER_FOOTER.format(line=extra[0], footer=line_number)
                    )
                return
            if set(data) != {"model", "pk", "fields", "sha256"}:
                raise DumpFormatError(MESSAGE_BAD_LINE.format(line=line_number, keys=sorted(data)))
            label = data["model"]
            if not isinstance(label, str) or label not in self.models:
                raise DumpFormatError(MESSAGE_UNKNOWN_MODEL.format(line=line_number, model=label))
            if order.index(label) < position:
                raise DumpFormatError(
                    MESSAGE_OUT_OF_ORDER.format(
                        line=line_number, model=label, previous=order[position]
                    )
                )
            position = order.index(label)
            if not isinstance(data["fields"], dict):
                raise DumpFormatError(
                    MESSAGE_BAD_LINE.format(line=line_number, keys=f"fields: {data['fields']!r}")
                )
            record = _Record(line_number, len(line), self.models[label], data["pk"], data["fields"])
            actual = record_sha256(model=label, pk=record.pk, fields=record.fields)
            if actual != data["sha256"]:
                raise ChecksumMismatch(
                    MESSAGE_RECORD_CHECKSUM.format(
                        line=line_number, record=record.name, actual=actual, expected=data["sha256"]
                    )
                )
            self.digest.update(line)
            self.counts[label] += 1
            yield record
        raise TruncatedDump(MESSAGE_NO_FOOTER.format(line=line_number))

    def _parse(self, line_number: int, line: bytes) -> dict[str, Any]:
        if not line.endswith(b"\n"):
            raise TruncatedDump(MESSAGE_CUT_LINE.format(line=line_number))
        try:
            data = json.loads(line)
        except ValueError as error:  # also UnicodeDecodeError: not UTF-8
            raise DumpFormatError(MESSAGE_BAD_JSON.format(line=line_number, error=error)) from error
        if not isinstance(data, dict):
            raise DumpFormatError(
                MESSAGE_BAD_JSON.format(line=line_number, error=f"found {type(data).__name__}")
            )
        return data

    def _check_header(self, line_number: int, line: bytes) -> None:
        try:
            header = self._parse(line_number, line)
        except DumpFormatError as error:
            reason = "it is not a JSON object"
            raise DumpFormatError(MESSAGE_NOT_A_DUMP.format(reason=reason)) from error
        if header.get("format") != FORMAT:
            reason = f"its format is {header.get('format')!r}, not {FORMAT!r}"
            raise DumpFormatError(MESSAGE_NOT_A_DUMP.format(reason=reason))
        if header.get("version") not in SUPPORTED_VERSIONS:
            raise DumpFormatError(
                MESSAGE_UNSUPPORTED_VERSION.format(
                    found=header.get("version"),
                    supported=" or ".join(str(v) for v in sorted(SUPPORTED_VERSIONS)),
                )
            )
        found = header.get("models")
        found = found if isinstance(found, list) else []
        if found != list(self.models):
            raise DumpFormatError(
                MESSAGE_MODELS_DIFFER.format(
                    version=VERSION,
                    missing=sorted(set(self.models) - set(found)) or "none",
                    unexpected=sorted(set(found) - set(self.models)) or "none",
                )
            )
        self.digest.update(line)

    def _check_footer(self, line_number: int, footer: dict[str, Any]) -> None:
        records = sum(self.counts.values())
        if footer["records"] != records:
            raise ChecksumMismatch(
                MESSAGE_RECORD_COUNT.format(
                    line=line_number, expected=footer["records"], actual=records
                )
            )
        actual = self.digest.hexdigest()
        if footer["sha256"] != actual:
            raise ChecksumMismatch(
                MESSAGE_FILE_CHECKSUM.format(
                    line=line_number, actual=actual, expected=footer["sha256"]
                )
            )
        self.sha256 = actual
        self.signed_by = _check_signature(footer, accept_unsigned=self.accept_unsigned)


class _RowWriter:
    """Turns records into rows and has `claims.services.restore` write them in batches, exactly
    as they were exported (raw: no save(), no timestamps stamped, no signals; see there)."""

    def __init__(self) -> None:
        self.batch: list[_Record] = []
        self.batch_bytes = 0
        self.written: set[type[models.Model]] = set()
        self.permissions: dict[tuple[str, str, str], int] = {}
        self.groups: dict[str, int] = {}

    def add(self, record: _Record) -> None:
        if self.batch and (
            record.model is not self.batch[0].model
            or len(self.batch) >= BATCH_ROWS
            or self.batch_bytes >= BATCH_BYTES
        ):
            self.flush()
        if record.model is Group:
            self._restore_group(record)
            return
        self.batch.append(record)
        self.batch_bytes += record.size

    def flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch, self.batch_bytes = self.batch, [], 0
        model = batch[0].model
        self.written.add(model)
        fields = model._meta.concrete_fields
        rows = [self._instance(record, fields) for record in batch]
        size = max(1, min(BATCH_ROWS, connection.ops.bulk_batch_size(fields, rows)))
        try:
            # A savepoint, so that PostgreSQL can go on (to roll back) after a refused INSERT.
            with transaction.atomic():
                restored_rows_insert(model=model, rows=rows, fields=fields, batch_size=size)
                if model is User:
                    self._restore_memberships(batch)
        except IntegrityError as error:
            raise RestoreRejected(
                MESSAGE_BROKEN_RULE.format(
                    first=batch[0].line, last=batch[-1].line, model=_label(model), error=error
                )
            ) from error

    def tables(self) -> list[str]:
        return [model._meta.db_table for model in self.written]

    def _instance(self, record: _Record, fields) -> models.Model:
        model = record.model
        expected = {field.name for field in fields if not field.primary_key}
        if model is User:
            expected |= {"groups", "user_permissions"}
        if set(record.fields) != expected:
            raise DumpFormatError(
                MESSAGE_FIELDS_DIFFER.format(
                    line=record.line,
                    record=record.name,
                    model=_label(model),
                    missing=sorted(expected - set(record.fields)) or "none",
                    unexpected=sorted(set(record.fields) - expected) or "none",
                )
            )
        values = {}
        for field in fields:
            raw = record.pk if field.primary_key else record.fields[field.name]
            try:
                values[field.attname] = field.to_python(raw)
            except ValidationError as error:
                raise DumpFormatError(
                    MESSAGE_BAD_VALUE.format(
                        line=record.line, record=record.name, field=field.name, error=error
                    )
                ) from error
        return model(**values)

    def _restore_group(self, record: _Record) -> None:
        if set(record.fields) != {"name", "permissions"} or record.pk is not None:
            raise DumpFormatError(
                MESSAGE_BAD_LINE.format(line=record.line, keys=sorted(record.fields))
            )
        group, _ = Group.objects.get_or_create(name=record.fields["name"])
        group.permissions.set(
            [self._permission(record, key) for key in record.fields["permissions"]]
        )
        self.written.add(Group)

    def _restore_memberships(self, batch: list[_Record]) -> None:
        if not self.groups:
            self.groups = dict(Group.objects.values_list("name", "pk"))
        memberships, grants = [], []
        for record in batch:
            for name in record.fields["groups"]:
                if not isinstance(name, str) or name not in self.groups:
                    raise RestoreRejected(
                        MESSAGE_UNKNOWN_GROUP.format(
                            line=record.line, record=record.name, group=name
                        )
                    )
                memberships.append(
                    User.groups.through(user_id=record.pk, group_id=self.groups[name])
                )
            for key in record.fields["user_permissions"]:
                grants.append(
                    User.user_permissions.through(
                        user_id=record.pk, permission_id=self._permission(record, key)
                    )
                )
        memberships_restore(memberships=memberships, grants=grants)

    def _permission(self, record: _Record, key: list[str]) -> int:
        if not self.permissions:
            self.permissions = {
                p.natural_key(): p.pk for p in Permission.objects.select_related("content_type")
            }
        valid = isinstance(key, list) and all(isinstance(part, str) for part in key)
        found = self.permissions.get(tuple(key)) if valid else None
        if found is None:
            raise RestoreRejected(
                MESSAGE_UNKNOWN_PERMISSION.format(
                    line=record.line, record=record.name, permission=".".join(map(str, key))
                )
            )
        return found
