"""Key rotation: re-encrypt every stored secret under the first key of BYOK_ENCRYPTION_KEYS.

The operator prepends a new key, runs `rotate_keys`, then may drop the old key once the report
shows nothing failed. Rows are rewritten with a conditional queryset UPDATE (the token is
re-wrapped, the secret never leaves the crypto module in plain form), so a rotation changes no
configuration and writes no per-row audit noise: one ROTATE event records the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction

from core import crypto
from core.audit import AuditAction, announce
from core.fields import Ciphertext, EncryptedJSONField

BATCH_SIZE = 500


@dataclass
class RotationReport:
    rotated: int = 0
    already_current: int = 0
    # "connection contoso": rows whose token no configured key opens (never the secret itself).
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedJSONField]]:
    """Every encrypted column in the project, so a new one is rotated without code changes."""
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, EncryptedJSONField):
                yield model, f


def rotate_all(batch_size: int = BATCH_SIZE) -> RotationReport:
    """Re-encrypt every encrypted value under the primary key; report what happened."""
    crypto.get_fernet()  # a malformed key list fails here, before any row is touched
    report = RotationReport()
    for model, enc_field in encrypted_fields():
        _rotate_column(model, enc_field, report, batch_size)
    announce(
        action=AuditAction.ROTATE,
        object_type="providers.encryption_keys",
        object_repr="BYOK_ENCRYPTION_KEYS",
        changes={
            "rotated": report.rotated,
            "already_current": report.already_current,
            "failed": report.failed,
        },
    )
    return report


def _rotate_column(
    model: type[models.Model], enc_field: EncryptedJSONField, report: RotationReport, size: int
) -> None:
    manager = model._base_manager
    column = enc_field.attname
    last_pk = None
    while True:
        rows = manager.order_by("pk")
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        batch = list(rows.values_list("pk", column)[:size])
        if not batch:
            return
        last_pk = batch[-1][0]
        with transaction.atomic():
            for pk, token in batch:
                if not isinstance(token, Ciphertext):
                    continue  # empty: nothing stored
                _rotate_row(manager, column, pk, token, report)


def _rotate_row(
    manager: models.Manager, column: str, pk: object, token: Ciphertext, report: RotationReport
) -> None:
    if crypto.encrypted_with_primary(token):
        report.already_current += 1
        return
    try:
        new_token = crypto.rotate(token)
    except crypto.SecretDecryptionError:
        report.failed.append(_label(manager.model, pk))
        return
    # Conditional: a row rewritten meanwhile was encrypted by its writer with the current key.
    changed = manager.filter(pk=pk, **{column: token}).update(**{column: Ciphertext(new_token)})
    if changed:
        report.rotated += 1
    else:
        report.already_current += 1


def _label(model: type[models.Model], pk: object) -> str:
    obj = model._base_manager.filter(pk=pk).first()
    return f"{model._meta.verbose_name} {obj if obj is not None else pk}"
