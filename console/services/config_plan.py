"""Validate a configuration document and turn it into a plan of writes (nothing is saved).

The whole document is checked before anything is written, and every problem is reported as
one line with its JSON path (`connections[1].credentials.api_key: required for azure_openai`),
so an administrator fixes the file in one pass. The per-provider rules come from
`providers.specs` and `providers.endpoints`: the same ones the forms and models use.
"""

from __future__ import annotations

from typing import Any

from console.services.config_checks import DocumentChecker, Plan
from console.services.config_connections import SLUG, plan_connection
from console.services.config_governance import plan_governance
from providers.choices import ConnectionOwner, IntegrationMode
from providers.models import Connection, ModelAlias, ModelVersion, Provider
from providers.specs import spec_for
from skills.models import Skill, SkillVariant

DOCUMENT_VERSION = 1
TOP_KEYS = {
    "version",
    "integrations",
    "connections",
    "alias_mappings",
    "model_providers",
    "version_overrides",
    "governance",
}


class Planner(DocumentChecker):
    """Walks the document once, collecting errors and the writes it asks for."""

    # -- the document ----------------------------------------------------------------------
    def run(self) -> Plan:
        doc = self.doc
        if not self.expect_object(doc, "$"):
            return self.plan
        self.unknown_keys(doc, TOP_KEYS, "")
        if doc.get("version") != DOCUMENT_VERSION:
            self.error("version", f"must be {DOCUMENT_VERSION}")
        if "integrations" in doc:
            self._integrations(doc["integrations"])
        if "connections" in doc:
            self._connections(doc["connections"])
        for conn in Connection.objects.select_related("provider"):
            self.known_connections.setdefault(conn.name, (conn.provider.kind, conn.owner))
        if "alias_mappings" in doc:
            self._mappings(doc["alias_mappings"])
        if "model_providers" in doc:
            self._model_providers(doc["model_providers"])
        if "version_overrides" in doc:
            self._overrides(doc["version_overrides"])
        if "governance" in doc:
            plan_governance(self, doc["governance"])
        return self.plan

    def _integrations(self, value: Any) -> None:
        if not self.expect_object(value, "integrations"):
            return
        for kind, mode in value.items():
            path = f"integrations.{kind}"
            provider = self.provider_of(kind, path)
            if mode not in IntegrationMode.values:
                self.error(path, f"must be one of {', '.join(IntegrationMode.values)}")
                continue
            if provider is None:
                continue
            spec = spec_for(kind)
            if mode == IntegrationMode.BYOK and not spec.byok:
                self.error(path, f"{kind} is platform-managed and supports oem only")
            elif mode == IntegrationMode.OEM and not spec.oem:
                self.error(path, f"{kind} has no platform key and supports byok only")
            else:
                self.plan.integrations.append((provider, mode))

    def _connections(self, value: Any) -> None:
        if not self.expect_list(value, "connections"):
            return
        seen: set[str] = set()
        for i, item in enumerate(value):
            path = f"connections[{i}]"
            if not self.expect_object(item, path):
                continue
            name = item.get("name")
            if self.expect_string(name, f"{path}.name", max_length=100):
                if not SLUG.match(name):
                    self.error(f"{path}.name", "use letters, digits, - and _ only")
                elif name in seen:
                    self.error(f"{path}.name", f"duplicate connection name {name!r}")
                seen.add(name)
            plan_connection(self, item, path)

    def _mappings(self, value: Any) -> None:
        if not self.expect_list(value, "alias_mappings"):
            return
        aliases = {a.key: a for a in ModelAlias.objects.select_related("provider")}
        seen: set[str] = set()
        for i, item in enumerate(value):
            path = f"alias_mappings[{i}]"
            if not self.expect_object(item, path):
                continue
            self.unknown_keys(item, {"alias", "connection", "model"}, path)
            key, conn_name, model = item.get("alias"), item.get("connection"), item.get("model")
            ok = self.expect_string(model, f"{path}.model", max_length=200)
            alias = aliases.get(key) if isinstance(key, str) else None
            if alias is None:
                self.error(f"{path}.alias", f"unknown model alias {key!r}")
                ok = False
            elif key in seen:
                self.error(f"{path}.alias", f"{key} is mapped twice; one active mapping per alias")
                ok = False
            seen.add(key)
            known = self.known_connections.get(conn_name) if isinstance(conn_name, str) else None
            if known is None:
                self.error(f"{path}.connection", f"unknown connection {conn_name!r}")
                ok = False
            elif alias is not None:
                kind, owner = known
                if kind != alias.provider.kind:
                    self.error(
                        f"{path}.connection",
                        f"connection {conn_name} belongs to {kind}, but {key} is served by "
                        f"{alias.provider.kind}",
                    )
                    ok = False
                elif owner != ConnectionOwner.CUSTOMER:
                    self.error(f"{path}.connection", "aliases map to customer connections only")
                    ok = False
            if ok:
                self.plan.mappings.append((path, alias, conn_name, model))

    def _model_providers(self, value: Any) -> None:
        if not self.expect_object(value, "model_providers"):
            return
        self.unknown_keys(value, {"instance", "skills"}, "model_providers")
        if "instance" in value:
            self.plan.instance_provider = self.provider_of(
                value["instance"], "model_providers.instance"
            )
        skills_map = value.get("skills", {})
        if not self.expect_object(skills_map, "model_providers.skills"):
            return
        skills = {s.key: s for s in Skill.objects.filter(key__in=list(skills_map))}
        for key, kind in skills_map.items():
            path = f"model_providers.skills.{key}"
            provider = self.provider_of(kind, path)
            if key not in skills:
                self.error(path, f"unknown skill {key!r}")
            elif provider is not None:
                self.plan.skill_policies.append((path, skills[key], provider))

    def _overrides(self, value: Any) -> None:
        if not self.expect_list(value, "version_overrides"):
            return
        seen: set[tuple] = set()
        for i, item in enumerate(value):
            path = f"version_overrides[{i}]"
            if not self.expect_object(item, path):
                continue
            self.unknown_keys(item, {"skill", "model_version", "variant", "provider"}, path)
            planned = self._override(item, path)
            if planned is None:
                continue
            key = (planned["skill"], planned["provider"])
            if key in seen:
                self.error(path, "duplicate override for the same skill and provider")
                continue
            seen.add(key)
            self.plan.overrides.append((path, planned))

    def _override(self, item: dict, path: str) -> dict[str, Any] | None:
        ok = True
        skill = provider = version = None
        if "skill" in item:
            skill = (
                Skill.objects.filter(key=item["skill"]).first()
                if isinstance(item["skill"], str)
                else None
            )
            if skill is None:
                self.error(f"{path}.skill", f"unknown skill {item['skill']!r}")
                ok = False
        if "provider" in item:
            provider = self.provider_of(item["provider"], f"{path}.provider")
            ok = ok and provider is not None
        variant = item.get("variant", "")
        if "variant" in item and self.expect_string(variant, f"{path}.variant", max_length=60):
            if skill and not SkillVariant.objects.filter(skill=skill, name=variant).exists():
                self.error(f"{path}.variant", f"{skill.key} has no variant {variant!r}")
                ok = False
        elif "variant" in item:
            ok = False
        if "model_version" in item:
            version = self._model_version(item, provider, f"{path}.model_version")
            ok = ok and version is not None
        elif not variant:
            self.error(path, "give a model_version, a variant, or both")
            ok = False
        if not ok:
            return None
        return {"skill": skill, "provider": provider, "model_version": version, "variant": variant}

    def _model_version(
        self, item: dict, provider: Provider | None, path: str
    ) -> ModelVersion | None:
        name = item["model_version"]
        if not self.expect_string(name, path, max_length=120):
            return None
        candidates = list(ModelVersion.objects.filter(name=name).select_related("provider"))
        if provider is not None:
            candidates = [v for v in candidates if v.provider_id == provider.pk]
        if not candidates:
            where = f" for {provider.kind}" if provider else ""
            self.error(path, f"unknown model version {name!r}{where}")
            return None
        if len(candidates) > 1:
            self.error(path, f'{name} exists for several providers; add "provider"')
            return None
        version = candidates[0]
        if not version.selectable:
            self.error(path, f"{name} is {version.status} and cannot be chosen")
            return None
        return version
