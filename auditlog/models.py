"""The configuration audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.audit import AuditAction, AuditSource


class AuditEvent(models.Model):
    """One configuration change: who, when, what, from where, and a field diff (secrets only as set, changed or removed)."""

    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=8, choices=AuditSource.choices)
    action = models.CharField(max_length=8, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="audit_time"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_time"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label or 'system'} {self.action} {self.object_type} {self.object_repr}"
