"""Rotating a connection's secrets: test the new values first, keep the old ones on failure.

An administrator replacing a key wants to know the new one works before the old one is gone.
`rotate_secrets` puts the new values on an in-memory copy, runs the ordinary connection test
on it (a history row and outbound rows like any test), and saves only if the test passed — or
if the administrator confirmed saving anyway. The save is an ordinary model save, so the audit
trail records it the usual way: which secrets changed, never their values.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.crypto import SecretDecryptionError
from providers.adapters.base import Diagnosis
from providers.models import Connection
from providers.services import test_connection

# A non-secret setting that travels with a secret: a new AWS secret key usually comes with
# its own access key id.
COMPANION_SETTINGS: dict[str, tuple[str, ...]] = {"aws_bedrock": ("access_key_id",)}


@dataclass(frozen=True)
class Rotation:
    saved: bool
    diagnosis: Diagnosis | None  # None when the test was skipped (confirmed without one)


def candidate(
    connection: Connection, secrets: dict[str, Any], settings: dict[str, str] | None = None
) -> Connection:
    """A copy of `connection` carrying the new values, validated, not saved."""
    new = copy.copy(connection)
    new.secret_hints = dict(connection.secret_hints or {})
    for name, value in (settings or {}).items():
        if value:
            setattr(new, name, value)
    try:
        new.secrets = dict(connection.secrets)
        new.set_secrets(secrets)
    except SecretDecryptionError:
        # The stored secrets are unreadable anyway: the ones entered now replace them all.
        new.set_secrets(secrets, replace=True)
    new.full_clean(exclude=["secrets"])
    return new


def rotate_secrets(
    connection: Connection,
    secrets: dict[str, Any],
    *,
    settings: dict[str, str] | None = None,
    user: Any = None,
    save_if_failed: bool = False,
) -> Rotation:
    """Test `connection` with the new `secrets`; save them if it works or if confirmed.

    Raises ValidationError when nothing would change or the new values are invalid.
    """
    if not any(v not in (None, "") for v in secrets.values()):
        raise ValidationError("Enter at least one new secret.")
    new = candidate(connection, secrets, settings)
    diagnosis = test_connection(new, user=user, unsaved=True)
    if not diagnosis.ok and not save_if_failed:
        return Rotation(saved=False, diagnosis=diagnosis)
    with transaction.atomic():
        fields = ["secrets", "secret_hints", "secret_version", "updated_at"]
        fields += [n for n in (settings or {}) if (settings or {})[n]]
        new.save(update_fields=fields)
    connection.refresh_from_db()
    return Rotation(saved=True, diagnosis=diagnosis)
