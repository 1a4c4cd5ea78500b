"""Configuration import/export: the one JSON document of DESIGN.md's public contract.

`validate_document` reports every problem with its JSON path; `import_document` writes
nothing unless the whole document is valid, then upserts by name in one transaction (a second
import of the same document changes nothing); `export_document` writes the same document
back, never with a secret. The commands and the REST API are thin callers of these three.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from console.services.config_checks import Plan
from console.services.config_connections import (
    DEFAULT_TIMEOUT,
    validation_messages,
)
from console.services.config_governance import export_governance
from console.services.config_plan import DOCUMENT_VERSION, Planner
from console.services.upsert import Tally, sync
from core.audit import AuditSource, audit_context
from providers import ownership
from providers.choices import ProviderKind
from providers.models import AliasMapping, Connection, Provider
from providers.specs import default_owner, spec_for
from skills.choices import OverrideScope, PolicyScope
from skills.models import ModelProviderPolicy, VersionOverride

__all__ = [
    "ConfigDocumentError",
    "ImportResult",
    "export_document",
    "import_document",
    "validate_document",
]


class ConfigDocumentError(Exception):
    """The document is invalid; `errors` holds one `path: message` line per problem."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} error(s) in the configuration document")


@dataclass
class ImportResult:
    """What an import changed; an import of an unchanged document changes nothing."""

    tally: Tally = field(default_factory=Tally)

    @property
    def changed(self) -> bool:
        return self.tally.changed

    def summary(self) -> str:
        return self.tally.summary()


def validate_document(doc: Any, *, actor: Any = None) -> list[str]:
    """Every problem of `doc` as `path: message` lines; empty when `actor` can import it."""
    return _plan(doc, actor)[0]


def _plan(doc: Any, actor: Any) -> tuple[list[str], Plan]:
    planner = Planner(doc, actor=actor)
    plan = planner.run()
    return planner.errors, plan


def import_document(
    doc: Any, *, actor: Any = None, source: str = AuditSource.IMPORT
) -> ImportResult:
    """Validate the whole document, then apply it in one transaction (all or nothing).

    Raises ConfigDocumentError with every problem found; nothing is written in that case.
    `actor` None is the system (commands); a tenant role cannot create or change platform
    (OEM) connections through a document (see providers.ownership).
    """
    with audit_context(actor=actor, source=source), transaction.atomic():
        errors, plan = _plan(doc, actor)
        if errors:
            raise ConfigDocumentError(errors)
        result = ImportResult()
        errors = _apply(plan, result.tally)
        if errors:  # a rule only the database knows; undo everything
            transaction.set_rollback(True)
            raise ConfigDocumentError(errors)
    return result


def _apply(plan: Plan, tally: Tally) -> list[str]:
    errors: list[str] = []
    for provider, mode in plan.integrations:
        if provider.integration_mode != mode:
            provider.integration_mode = mode
            provider.save()
            tally.updated["integrations"] += 1
    connections: dict[str, Connection] = {}
    for item in plan.connections:
        conn = item.connection
        if item.is_new or item.changed:
            try:
                conn.full_clean()
            except ValidationError as exc:
                errors.extend(validation_messages(exc, item.path))
                continue
            conn.save()
            (tally.created if item.is_new else tally.updated)["connections"] += 1
        connections[conn.name] = conn
    for path, alias, conn_name, model in plan.mappings:
        conn = connections.get(conn_name) or Connection.objects.get(name=conn_name)
        errors.extend(_map_alias(path, alias, conn, model, tally))
    if plan.instance_provider is not None:
        errors.extend(
            _save_policy(
                "model_providers.instance",
                PolicyScope.INSTANCE,
                None,
                plan.instance_provider,
                tally,
            )
        )
    for path, skill, provider in plan.skill_policies:
        errors.extend(_save_policy(path, PolicyScope.SKILL, skill, provider, tally))
    for path, override in plan.overrides:
        errors.extend(_save_override(path, override, tally))
    for write in plan.governance:
        errors.extend(
            _guarded(write.path, lambda w=write: sync(w.model, w.lookup, w.values, tally=tally))
        )
    return errors


def _guarded(path: str, write: Any) -> list[str]:
    try:
        write()
    except ValidationError as exc:
        return validation_messages(exc, path)
    return []


def _map_alias(path: str, alias: Any, conn: Connection, model: str, tally: Tally) -> list[str]:
    """One active mapping per alias: keep it if it matches, else retire it and map anew."""
    active = AliasMapping.objects.filter(alias=alias, is_active=True).first()
    if active and active.connection_id == conn.pk and active.model == model:
        return []

    def write() -> None:
        if active is not None:
            active.is_active = False
            active.save()
        mapping = AliasMapping.objects.filter(
            alias=alias, connection=conn, model=model, is_active=False
        ).first() or AliasMapping(alias=alias, connection=conn, model=model)
        created = mapping.pk is None
        mapping.is_active = True
        mapping.full_clean()
        mapping.save()
        (tally.created if created else tally.updated)["alias mappings"] += 1

    return _guarded(path, write)


def _save_policy(path: str, scope: str, skill: Any, provider: Provider, tally: Tally) -> list[str]:
    return _guarded(
        path,
        lambda: sync(
            ModelProviderPolicy,
            {"scope": scope, "skill": skill, "skill_group": ""},
            {"provider": provider, "is_active": True},
            tally=tally,
        ),
    )


def _save_override(path: str, override: dict[str, Any], tally: Tally) -> list[str]:
    skill = override["skill"]
    lookup = {
        "scope": OverrideScope.SKILL if skill else OverrideScope.INSTANCE,
        "skill": skill,
        "provider": override["provider"],
        "is_active": True,
    }
    values = {"model_version": override["model_version"], "variant_name": override["variant"]}
    return _guarded(path, lambda: sync(VersionOverride, lookup, values, tally=tally))


# -- export --------------------------------------------------------------------------------


def export_document(*, actor: Any = None) -> dict[str, Any]:
    """The current configuration as the import document; secrets are never included.

    A connection lists the names of its stored secrets under `credentials_set` so a reader
    knows what is configured, without any value or hint. Platform (OEM) connections are left
    out for tenant roles, as everywhere they read connections.
    """
    order = {kind: i for i, kind in enumerate(ProviderKind.values)}
    providers = sorted(Provider.objects.all(), key=lambda p: order.get(p.kind, 99))
    doc: dict[str, Any] = {
        "version": DOCUMENT_VERSION,
        "integrations": {p.kind: p.integration_mode for p in providers},
        "connections": [
            _export_connection(c)
            for c in ownership.visible_connections(
                actor, Connection.objects.select_related("provider").order_by("name")
            )
        ],
        "alias_mappings": [
            {"alias": m.alias.key, "connection": m.connection.name, "model": m.model}
            for m in AliasMapping.objects.filter(is_active=True)
            .select_related("alias", "connection")
            .order_by("alias__key")
        ],
        "model_providers": _export_policies(),
        "version_overrides": _export_overrides(),
        "governance": export_governance(),
    }
    return doc


def _export_connection(conn: Connection) -> dict[str, Any]:
    spec = spec_for(conn.provider.kind)
    item: dict[str, Any] = {"name": conn.name, "provider": conn.provider.kind}
    if conn.owner != default_owner(spec):
        item["owner"] = conn.owner
    for name in spec.settings:
        value = getattr(conn, name)
        if value:
            item[name] = value
    if conn.description:
        item["description"] = conn.description
    if not conn.is_active:
        item["is_active"] = False
    if conn.timeout_seconds != DEFAULT_TIMEOUT:
        item["timeout_seconds"] = conn.timeout_seconds
    # Names only, read from the hints so nothing is decrypted; never a value or a hint.
    if conn.secret_hints:
        item["credentials_set"] = sorted(conn.secret_hints)
    return item


def _export_policies() -> dict[str, Any]:
    section: dict[str, Any] = {}
    policies = ModelProviderPolicy.objects.filter(is_active=True).select_related(
        "provider", "skill"
    )
    instance = next((p for p in policies if p.scope == PolicyScope.INSTANCE), None)
    if instance is not None:
        section["instance"] = instance.provider.kind
    section["skills"] = {
        p.skill.key: p.provider.kind
        for p in sorted(policies, key=lambda p: p.skill.key if p.skill_id else "")
        if p.scope == PolicyScope.SKILL
    }
    return section


def _export_overrides() -> list[dict[str, Any]]:
    rows = []
    overrides = VersionOverride.objects.filter(is_active=True).select_related(
        "skill", "provider", "model_version"
    )
    for o in overrides:
        item: dict[str, Any] = {}
        if o.skill_id:
            item["skill"] = o.skill.key
        if o.provider_id:
            item["provider"] = o.provider.kind
        if o.model_version_id:
            item["model_version"] = o.model_version.name
        if o.variant_name:
            item["variant"] = o.variant_name
        rows.append(item)
    return sorted(rows, key=lambda r: (r.get("skill", ""), r.get("provider", "")))
