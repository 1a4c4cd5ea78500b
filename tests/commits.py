"""Counting what a block of code makes the database make durable.

A commit is what costs on PostgreSQL (a write-ahead-log flush): an explicit COMMIT, or a write
statement run in autocommit, which commits itself. Reads in autocommit flush nothing and are
not counted as commits. Only meaningful where code runs outside a test's own transaction
(`django_db(transaction=True)`): inside one, commits are savepoints.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection

WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Counted:
    commits: int = 0
    statements: list[str] = field(default_factory=list)


@contextlib.contextmanager
def counting_commits() -> Iterator[Counted]:
    """Count this thread's commits and statements on the default database in the block."""
    counted = Counted()
    original = connection.commit

    def commit() -> None:
        counted.commits += 1
        original()

    def execute(run, sql, params, many, context):  # type: ignore[no-untyped-def]
        if sql.lstrip().upper().startswith("BEGIN"):  # SQLite's own; psycopg's is not seen
            return run(sql, params, many, context)
        counted.statements.append(sql)
        if not connection.in_atomic_block and sql.lstrip().upper().startswith(WRITES):
            counted.commits += 1
        return run(sql, params, many, context)

    connection.commit = commit  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(execute):
            yield counted
    finally:
        del connection.commit
