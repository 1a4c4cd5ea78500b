"""The `governance` section of the configuration document: Guardian settings, data patterns,
privacy policies, allowed providers and budgets.

```json
"governance": {
  "guardrails": [{"check": "prompt_injection", "mode": "block", "skill": "…", "detector": "…"}],
  "data_patterns": [{"key": "employee_id", "label": "Employee id", "regex": "E\\d{6}"}],
  "privacy_policies": [{"name": "…", "patterns": ["email"], "name_fields": ["caller"],
                        "skill": "…", "provider": "…"}],
  "allowed_providers": [{"provider": "aws_bedrock", "regions": ["eu-central-1"], "skill": "…"}],
  "budgets": [{"name": "…", "scope": "provider", "target": "azure_openai", "period": "day",
               "metric": "cost", "limit": "25", "soft_percent": 80}]
}
```

Rows are matched by their natural key (scope + skill + check, pattern key, policy name,
scope + skill + provider, budget name) and written with `upsert.sync`, so the models' own
validation answers; a failing row's messages carry its path.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from console.services.config_checks import DocumentChecker, Write
from providers.models import Connection
from skills.choices import BudgetScope, GovernanceScope
from skills.models import (
    Budget,
    DataPattern,
    GuardrailSetting,
    PrivacyPolicy,
    ProviderAllowance,
    Skill,
)

SECTIONS = ("guardrails", "data_patterns", "privacy_policies", "allowed_providers", "budgets")


def plan_governance(checker: DocumentChecker, value: Any) -> None:
    """Check the section and add its writes to the checker's plan."""
    if not checker.expect_object(value, "governance"):
        return
    checker.unknown_keys(value, set(SECTIONS), "governance")
    planners = {
        "guardrails": _guardrail,
        "data_patterns": _pattern,
        "privacy_policies": _policy,
        "allowed_providers": _allowance,
        "budgets": _budget,
    }
    for name in SECTIONS:
        items = value.get(name, [])
        path = f"governance.{name}"
        if not checker.expect_list(items, path):
            continue
        for i, item in enumerate(items):
            item_path = f"{path}[{i}]"
            if checker.expect_object(item, item_path):
                write = planners[name](checker, item, item_path)
                if write is not None:
                    checker.plan.governance.append(write)


def _skill(checker: DocumentChecker, item: dict, path: str) -> tuple[bool, Skill | None]:
    if "skill" not in item:
        return True, None
    key = item["skill"]
    skill = Skill.objects.filter(key=key).first() if isinstance(key, str) else None
    if skill is None:
        checker.error(f"{path}.skill", f"unknown skill {key!r}")
        return False, None
    return True, skill


def _scope(skill: Skill | None) -> str:
    return GovernanceScope.SKILL if skill is not None else GovernanceScope.INSTANCE


def _names(checker: DocumentChecker, item: dict, key: str, path: str) -> list[str] | None:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        checker.error(f"{path}.{key}", "must be a list of strings")
        return None
    return value


def _text(checker: DocumentChecker, item: dict, key: str, path: str, default: str = "") -> Any:
    value = item.get(key, default)
    if not isinstance(value, str):
        checker.error(f"{path}.{key}", "must be a string")
        return None
    return value


def _active(checker: DocumentChecker, item: dict, path: str) -> bool | None:
    value = item.get("active", True)
    if not isinstance(value, bool):
        checker.error(f"{path}.active", "must be true or false")
        return None
    return value


def _guardrail(checker: DocumentChecker, item: dict, path: str) -> Write | None:
    checker.unknown_keys(item, {"check", "mode", "skill", "detector"}, path)
    ok, skill = _skill(checker, item, path)
    check = _text(checker, item, "check", path)
    mode = _text(checker, item, "mode", path, "log")
    detector = _text(checker, item, "detector", path)
    if not ok or None in (check, mode, detector):
        return None
    lookup = {"scope": _scope(skill), "skill": skill, "kind": check}
    return Write(path, GuardrailSetting, lookup, {"mode": mode, "detector": detector})


def _pattern(checker: DocumentChecker, item: dict, path: str) -> Write | None:
    checker.unknown_keys(item, {"key", "label", "regex", "active"}, path)
    key, label = _text(checker, item, "key", path), _text(checker, item, "label", path)
    regex, active = _text(checker, item, "regex", path), _active(checker, item, path)
    if None in (key, label, regex, active):
        return None
    values = {"label": label or key, "regex": regex, "is_active": active}
    return Write(path, DataPattern, {"key": key}, values)


def _policy(checker: DocumentChecker, item: dict, path: str) -> Write | None:
    allowed = {"name", "skill", "provider", "patterns", "name_fields", "active"}
    checker.unknown_keys(item, allowed, path)
    ok, skill = _skill(checker, item, path)
    provider = None
    if "provider" in item:
        provider = checker.provider_of(item["provider"], f"{path}.provider")
        ok = ok and provider is not None
    name = _text(checker, item, "name", path)
    patterns = _names(checker, item, "patterns", path)
    name_fields = _names(checker, item, "name_fields", path)
    active = _active(checker, item, path)
    if not ok or None in (name, patterns, name_fields, active):
        return None
    values = {
        "scope": _scope(skill),
        "skill": skill,
        "provider": provider,
        "patterns": patterns,
        "name_fields": name_fields,
        "is_active": active,
    }
    return Write(path, PrivacyPolicy, {"name": name}, values)


def _allowance(checker: DocumentChecker, item: dict, path: str) -> Write | None:
    checker.unknown_keys(item, {"provider", "regions", "skill", "active"}, path)
    ok, skill = _skill(checker, item, path)
    provider = checker.provider_of(item.get("provider"), f"{path}.provider")
    regions = _names(checker, item, "regions", path)
    active = _active(checker, item, path)
    if not ok or provider is None or regions is None or active is None:
        return None
    lookup = {"scope": _scope(skill), "skill": skill, "provider": provider}
    return Write(path, ProviderAllowance, lookup, {"regions": regions, "is_active": active})


def _budget(checker: DocumentChecker, item: dict, path: str) -> Write | None:
    allowed = {"name", "scope", "target", "period", "metric", "limit", "soft_percent", "active"}
    checker.unknown_keys(item, allowed, path)
    name, scope = _text(checker, item, "name", path), _text(checker, item, "scope", path)
    period, metric = _text(checker, item, "period", path), _text(checker, item, "metric", path)
    active = _active(checker, item, path)
    if None in (name, scope, period, metric, active):
        return None
    limit = _decimal(checker, item.get("limit"), f"{path}.limit")
    soft = item.get("soft_percent", 80)
    if not isinstance(soft, int) or isinstance(soft, bool) or not 0 <= soft <= 100:
        checker.error(f"{path}.soft_percent", "must be a whole number from 0 to 100")
        return None
    targets = _budget_target(checker, scope, item.get("target"), f"{path}.target")
    if limit is None or targets is None:
        return None
    values = {
        "scope": scope,
        **targets,
        "period": period,
        "metric": metric,
        "limit": limit,
        "soft_percent": soft,
        "is_active": active,
    }
    return Write(path, Budget, {"name": name}, values)


def _decimal(checker: DocumentChecker, value: Any, path: str) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, str, float)):
        checker.error(path, "must be a number (or a string holding one)")
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        checker.error(path, "must be a number")
        return None
    if not number.is_finite() or not Decimal(0) < number < Decimal("1e10"):
        checker.error(path, "must be more than 0 and less than 10,000,000,000")
        return None
    return number


def _budget_target(
    checker: DocumentChecker, scope: str, target: Any, path: str
) -> dict[str, Any] | None:
    """The provider, connection, skill or user a budget limits, as model field values."""
    found: dict[str, Any] = {"provider": None, "connection": None, "skill": None, "user": None}
    if scope == BudgetScope.INSTANCE or scope not in BudgetScope.values:
        return found  # an unknown scope is the model's error, with its choices
    if scope == BudgetScope.PROVIDER:
        found["provider"] = checker.provider_of(target, path)
        return found if found["provider"] is not None else None
    lookups: dict[str, tuple[type[models.Model], str]] = {
        BudgetScope.CONNECTION: (Connection, "name"),
        BudgetScope.SKILL: (Skill, "key"),
        BudgetScope.USER: (get_user_model(), "username"),
    }
    model, field = lookups[scope]
    row = (
        model._default_manager.filter(**{field: target}).first()
        if isinstance(target, str)
        else None
    )
    if row is None:
        checker.error(path, f"unknown {scope} {target!r}")
        return None
    found[scope] = row
    return found


# -- export --------------------------------------------------------------------------------


def export_governance() -> dict[str, Any]:
    """The governance section as `plan_governance` reads it back."""

    def skill_of(row: Any) -> dict[str, str]:
        return {"skill": row.skill.key} if row.skill_id else {}

    return {
        "guardrails": [
            {"check": g.kind, "mode": g.mode, **skill_of(g)}
            | ({"detector": g.detector} if g.detector else {})
            for g in GuardrailSetting.objects.select_related("skill").order_by("scope", "kind")
        ],
        "data_patterns": [
            {"key": p.key, "label": p.label, "regex": p.regex, "active": p.is_active}
            for p in DataPattern.objects.order_by("key")
        ],
        "privacy_policies": [
            {
                "name": p.name,
                **skill_of(p),
                **({"provider": p.provider.kind} if p.provider_id else {}),
                "patterns": p.patterns,
                "name_fields": p.name_fields,
                "active": p.is_active,
            }
            for p in PrivacyPolicy.objects.select_related("skill", "provider").order_by("name")
        ],
        "allowed_providers": [
            {
                "provider": a.provider.kind,
                **skill_of(a),
                "regions": a.regions,
                "active": a.is_active,
            }
            for a in ProviderAllowance.objects.select_related("skill", "provider").order_by(
                "scope", "skill__key", "provider__kind"
            )
        ],
        "budgets": [_export_budget(b) for b in Budget.objects.order_by("name")],
    }


def _export_budget(budget: Budget) -> dict[str, Any]:
    target = budget.target
    names = {
        BudgetScope.PROVIDER: lambda t: t.kind,
        BudgetScope.CONNECTION: lambda t: t.name,
        BudgetScope.SKILL: lambda t: t.key,
        BudgetScope.USER: lambda t: t.get_username(),
    }
    item: dict[str, Any] = {"name": budget.name, "scope": budget.scope}
    if target is not None:
        item["target"] = names[BudgetScope(budget.scope)](target)
    item.update(
        period=budget.period,
        metric=budget.metric,
        limit=f"{budget.limit.normalize():f}",
        soft_percent=budget.soft_percent,
        active=budget.is_active,
    )
    return item
