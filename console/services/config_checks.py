"""What every section of a configuration document is checked with: the error list, the plan
of writes it fills in, and the small type checks each section repeats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models

from providers import ownership
from providers.choices import ProviderKind
from providers.models import Connection, ModelAlias, Provider
from skills.models import Skill


@dataclass
class ConnectionPlan:
    path: str
    connection: Connection  # the existing row with the document applied, or a new row
    is_new: bool
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Write:
    """One row a document section asks for: matched by `lookup`, given `values`."""

    path: str
    model: type[models.Model]
    lookup: dict[str, Any]
    values: dict[str, Any]


@dataclass
class Plan:
    integrations: list[tuple[Provider, str]] = field(default_factory=list)
    connections: list[ConnectionPlan] = field(default_factory=list)
    mappings: list[tuple[str, ModelAlias, str, str]] = field(default_factory=list)
    instance_provider: Provider | None = None
    skill_policies: list[tuple[str, Skill, Provider]] = field(default_factory=list)
    overrides: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    governance: list[Write] = field(default_factory=list)


class DocumentChecker:
    """The state of one walk over a document: errors so far and the writes it asks for."""

    def __init__(self, doc: Any, *, actor: Any = None) -> None:
        self.doc = doc
        self.manages_platform = ownership.manages_platform(actor)
        self.errors: list[str] = []
        self.plan = Plan()
        self.providers = {p.kind: p for p in Provider.objects.all()}
        # connection name -> (provider kind, owner), from the document and then the database
        self.known_connections: dict[str, tuple[str, str]] = {}

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    # -- helpers -------------------------------------------------------------------------
    def expect_object(self, value: Any, path: str) -> bool:
        if not isinstance(value, dict):
            self.error(path, "must be an object")
            return False
        return True

    def expect_list(self, value: Any, path: str) -> bool:
        if not isinstance(value, list):
            self.error(path, "must be a list")
            return False
        return True

    def unknown_keys(self, value: dict, allowed: set[str], path: str) -> None:
        for key in value:
            if key not in allowed:
                self.error(f"{path}.{key}" if path else str(key), "unknown key")

    def expect_string(self, value: Any, path: str, *, max_length: int | None = None) -> bool:
        if not isinstance(value, str) or not value.strip():
            self.error(path, "must be a non-empty string")
            return False
        if max_length and len(value) > max_length:
            self.error(path, f"must be at most {max_length} characters")
            return False
        return True

    def provider_of(self, value: Any, path: str) -> Provider | None:
        if not isinstance(value, str) or value not in ProviderKind.values:
            self.error(path, f"unknown provider {value!r}; one of {', '.join(ProviderKind.values)}")
            return None
        provider = self.providers.get(value)
        if provider is None:
            self.error(path, f"provider {value} is not in the catalogue; run seed_catalog first")
        return provider
