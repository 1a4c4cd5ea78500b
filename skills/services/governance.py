"""The governance gate a prompt passes before any provider call: privacy, Guardian, budgets.

For one call, `gate_for` reads the controls that apply (the privacy policies of the skill
and provider, the Guardian settings of the skill or instance) and builds a `Gate`:

- `mask` replaces personal data with stable placeholders (`[EMAIL_1]`) in everything that
  is sent; `restore` puts the originals back in the answer shown to the user. Only masked
  text is sent, logged or stored.
- `screen` runs the Guardian checks on the masked text; a check in block mode that flags it
  refuses the call (`GuardrailBlocked`), one in log mode records its categories on the trace.
- `reserve` takes the call's reservation on every budget that applies
  (`skills.services.budgets`).

Every control fails closed: an error inside one raises `GovernanceFailed` naming the
control, and the call is not sent. Neither error carries the prompt's text.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from core.errors import ErrorCode
from core.unitofwork import DATABASE_UNAVAILABLE
from providers.models import Provider
from skills.choices import GovernanceScope, GuardrailMode
from skills.governance.custom import custom_pattern, name_pattern
from skills.governance.detectors import BUILTIN_DETECTORS
from skills.governance.errors import GovernanceError
from skills.governance.guardian import Finding, Guardian, decide, load_detector
from skills.governance.masking import Masker, StreamRestorer, Vault, restore_json
from skills.governance.patterns import BUILTIN_PATTERNS, Pattern
from skills.models import DataPattern, GuardrailSetting, PrivacyPolicy, Record, Skill
from skills.services import budgets
from skills.services.errors import SkillError
from skills.services.resolution import ResolvedRoute
from skills.services.resolution_cache import cached_controls

logger = logging.getLogger(__name__)
GUARDIAN_PAGE = "Settings > Now Assist Guardian"


class GuardrailBlocked(SkillError):
    code = ErrorCode.GUARDRAIL_BLOCKED


class GovernanceFailed(SkillError):
    code = ErrorCode.GOVERNANCE_FAILED


class BudgetRefused(SkillError):
    code = ErrorCode.BUDGET_EXCEEDED


def failed(control: str, what: str) -> GovernanceFailed:
    return GovernanceFailed(
        f"The {control} control failed ({what}), so the call was not sent; "
        "the worker log has details."
    )


@dataclass
class Gate:
    """The controls of one call, read once, and what they did (for the trace)."""

    masker: Masker | None
    guardian: Guardian | None
    modes: dict[str, str]
    vault: Vault = field(default_factory=Vault)
    trace: list[dict] = field(default_factory=list)

    def mask(self, text: str) -> str:
        if self.masker is None or not text:
            return text
        try:
            return self.masker.mask(text, self.vault)
        except Exception:
            logger.exception("privacy masking failed")
            raise failed("data privacy", "masking") from None

    def restore(self, text: str) -> str:
        return self.vault.restore(text) if self.masker is not None and text else text

    def stream_restorer(self) -> StreamRestorer | None:
        """A restorer for an answer streamed in pieces (None: nothing was masked)."""
        return StreamRestorer(self.vault) if self.masker is not None else None

    def restore_data(self, value: Any) -> Any:
        """`restore` over the strings of a JSON-like value (an agent's tool arguments)."""
        return restore_json(value, self.vault) if self.masker is not None else value

    def screen(self, text: str) -> list[Finding]:
        """Guardian on (masked) `text`: raises `GuardrailBlocked`, else returns the findings."""
        if self.guardian is None:
            return []
        try:
            blocked, findings = decide(self.guardian.screen(text), self.modes)
        except GovernanceError as exc:
            logger.error("Guardian failed: %s", exc.message)
            raise failed("Guardian", exc.message) from None
        except Exception:
            logger.exception("Guardian failed")
            raise failed("Guardian", "a detector raised an error") from None
        for finding in findings:
            mode = self.modes.get(finding.check, GuardrailMode.OFF)
            self._add(
                "guardian",
                finding.check,
                f"{finding.category} ({finding.rule}); {'blocked' if blocked and mode == GuardrailMode.BLOCK else 'logged'}",
            )
        if blocked:
            checks = sorted({f.check for f in findings if self.modes.get(f.check) == "block"})
            categories = sorted({f.category for f in findings if f.check in checks})
            raise GuardrailBlocked(
                "Now Assist Guardian blocked this request: it was flagged for "
                f"{', '.join(c.replace('_', ' ') for c in checks)} "
                f"({', '.join(categories)}). Rephrase the request, or review the "
                f"{GUARDIAN_PAGE} settings."
            )
        return findings

    def reserve(
        self,
        run_id: uuid.UUID,
        route: ResolvedRoute,
        text: str,
        max_tokens: int,
        *,
        skill_id: int | None,
        user_id: int | None,
    ) -> budgets.Hold | None:
        """Reserve the call's worst case on the budgets that apply (None: none applies)."""
        try:
            applying = budgets.applicable(route, skill_id, user_id)
            if not applying:
                return None
            hold = budgets.reserve(run_id, applying, budgets.estimate(route, text, max_tokens))
        except budgets.BudgetExceeded as exc:
            self._add("budget", "refused", exc.message)
            raise BudgetRefused(exc.message) from None
        except DATABASE_UNAVAILABLE:
            raise  # the run goes back to the queue, as for any write of the run
        except Exception:
            logger.exception("budget check failed")
            raise failed("budget", "the budget check raised an error") from None
        for line in hold.lines:
            self._add("budget", "reserved", line)
        return hold

    def record_masking(self) -> None:
        counts = self.vault.counts() if self.masker is not None else {}
        if self.masker is not None:
            summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
            self._add("privacy", "masked", summary or "nothing to mask")

    def _add(self, step: str, value: str, reason: str) -> None:
        self.trace.append({"step": step, "value": value, "reason": reason})


def gate_for(
    skill: Skill | None, provider: Provider, record: Record | None, trace: list[dict]
) -> Gate:
    """Read the controls that apply to a call of `skill` (None: an agent) on `provider`.

    What the controls do is appended to `trace`, the run's resolution trace.
    """
    try:
        patterns, name_fields, modes, detectors = cached_controls(
            skill.pk if skill is not None else None,
            provider.pk,
            lambda: _controls(skill, provider),
        )
        if record is not None and name_fields:
            names = [str(record.fields.get(f, "")) for f in name_fields]
            found = name_pattern(n for n in names if n.strip())
            if found is not None:
                patterns = [*patterns, found]
    except GovernanceError as exc:
        logger.error("governance settings unusable: %s", exc.message)
        raise failed(exc.control, exc.message) from None
    except Exception:
        logger.exception("governance settings could not be read")
        raise failed("governance", "its settings could not be read") from None
    return Gate(
        masker=Masker(patterns) if patterns else None,
        guardian=Guardian(detectors) if detectors else None,
        modes=modes,
        trace=trace,
    )


def _scoped(skill: Skill | None) -> Q:
    if skill is None:
        return Q(scope=GovernanceScope.INSTANCE)
    return Q(scope=GovernanceScope.INSTANCE) | Q(scope=GovernanceScope.SKILL, skill=skill)


def _controls(
    skill: Skill | None, provider: Provider
) -> tuple[list[Pattern], list[str], dict[str, str], Sequence[Any]]:
    patterns, name_fields = _patterns(skill, provider)
    modes, detectors = _guardrails(skill)
    return patterns, name_fields, modes, detectors


def _patterns(skill: Skill | None, provider: Provider) -> tuple[list[Pattern], list[str]]:
    policies = PrivacyPolicy.objects.filter(_scoped(skill), is_active=True).filter(
        Q(provider__isnull=True) | Q(provider=provider)
    )
    keys: set[str] = set()
    name_fields: set[str] = set()
    for policy in policies:
        keys.update(policy.patterns)
        name_fields.update(policy.name_fields)
    patterns = [BUILTIN_PATTERNS[k] for k in sorted(keys) if k in BUILTIN_PATTERNS]
    for custom in DataPattern.objects.filter(key__in=keys, is_active=True):
        patterns.append(custom_pattern(custom.key, custom.label, custom.regex))
    return patterns, sorted(name_fields)


def _guardrails(skill: Skill | None) -> tuple[dict[str, str], Sequence[Any]]:
    """Each check's mode (a skill's own setting over the instance's) and its detectors."""
    chosen: dict[str, GuardrailSetting] = {}
    for setting in GuardrailSetting.objects.filter(_scoped(skill)).order_by("scope"):
        # "instance" sorts before "skill": a skill's own setting replaces the instance's.
        chosen[setting.kind] = setting
    modes = {kind: s.mode for kind, s in chosen.items() if s.mode != GuardrailMode.OFF}
    detectors: list[Any] = []
    for kind in sorted(modes):
        path = chosen[kind].detector
        detectors.extend(
            [load_detector(path)] if path else [d for d in BUILTIN_DETECTORS if d.check == kind]
        )
    return modes, detectors
