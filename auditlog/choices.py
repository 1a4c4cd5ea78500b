from __future__ import annotations

from django.db import models


class LogLevel(models.TextChoices):
    BASIC = "basic", "Basic"
    ELEVATED = "elevated", "Elevated"
    ALL = "all", "All"


class Purpose(models.TextChoices):
    INVOCATION = "invocation", "Skill invocation"
    AGENT = "agent", "Agent step"
    HEALTH_CHECK = "health_check", "Health check"
    CONNECTION_TEST = "connection_test", "Connection test"
    TOKEN = "token", "Credential exchange"


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    SWITCH = "switch", "Integration switched"
    ROTATE = "rotate", "Keys rotated"


class AuditSource(models.TextChoices):
    UI = "ui", "Console"
    API = "api", "REST API"
    ADMIN = "admin", "Django admin"
    IMPORT = "import", "Import"
    CLI = "cli", "Command line"
    SYSTEM = "system", "System"
