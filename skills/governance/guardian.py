"""Guardian: screening a call's text for prompt injection, offensiveness and sensitive topics.

A detector is anything with a `name`, the `check` it serves and `detect(text)`; the built-in
ones (skills.governance.detectors) are deterministic pattern sets, and an organisation can
name its own by dotted path, for example one that asks a classifier model through its own
BYOK connection (`ClassifierDetector` adapts any such call). Findings carry the check, the
category and the rule, never the matched text: they are logged, and the text may be the
very thing being kept out of the logs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from skills.governance.errors import GovernanceError

CHECKS = ("prompt_injection", "offensive", "sensitive_topic")
MODES = ("off", "log", "block")


@dataclass(frozen=True)
class Finding:
    """One rule of one check that fired; `score` in [0, 1] is the rule's confidence."""

    check: str
    category: str
    rule: str
    score: float


@runtime_checkable
class Detector(Protocol):
    name: str
    check: str

    def detect(self, text: str) -> list[Finding]: ...


def _is_detector(obj: object) -> bool:
    return (
        isinstance(getattr(obj, "name", None), str)
        and getattr(obj, "check", None) in CHECKS
        and callable(getattr(obj, "detect", None))
    )


def load_detector(dotted_path: str) -> Detector:
    """The detector at `dotted_path` ("package.module.attr" or "package.module:attr"): an
    instance, or a class or factory called without arguments."""
    module_name, sep, attr = dotted_path.partition(":")
    if not sep:
        module_name, _, attr = dotted_path.rpartition(".")
    if not module_name or not attr:
        raise GovernanceError("guardian", f"detector {dotted_path!r} is not a dotted path")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise GovernanceError(
            "guardian", f"detector {dotted_path!r} could not be imported ({type(exc).__name__})"
        ) from None
    target = getattr(module, attr, None)
    if target is None:
        raise GovernanceError("guardian", f"detector {dotted_path!r} does not exist")
    if isinstance(target, type) or (not _is_detector(target) and callable(target)):
        try:
            target = target()
        except Exception as exc:
            raise GovernanceError(
                "guardian",
                f"detector {dotted_path!r} could not be created ({type(exc).__name__})",
            ) from None
    if not _is_detector(target):
        raise GovernanceError(
            "guardian",
            f"{dotted_path!r} is not a detector (needs name, check in {', '.join(CHECKS)}, "
            "and detect(text))",
        )
    assert isinstance(target, Detector)
    return target


class Guardian:
    """Runs detectors over a text; any detector error fails the call closed."""

    def __init__(self, detectors: Iterable[Detector]) -> None:
        self.detectors: tuple[Detector, ...] = tuple(detectors)

    def screen(self, text: str, checks: Iterable[str] | None = None) -> list[Finding]:
        """Findings of every detector (or only those of `checks`). A detector that raises
        or returns anything but findings raises GovernanceError("guardian", "<name>
        failed") with neither the text nor the detector's own message (which may quote
        it)."""
        wanted = None if checks is None else set(checks)
        findings: list[Finding] = []
        for detector in self.detectors:
            if wanted is not None and detector.check not in wanted:
                continue
            try:
                found = detector.detect(text)
                if not isinstance(found, list) or not all(isinstance(f, Finding) for f in found):
                    raise TypeError("not a list of findings")
            except Exception as exc:
                raise GovernanceError(
                    "guardian", f"{detector.name} failed ({type(exc).__name__})"
                ) from None
            findings.extend(found)
        return findings


def decide(findings: Sequence[Finding], modes: Mapping[str, str]) -> tuple[bool, list[Finding]]:
    """(blocked?, findings kept): a check's findings are dropped when its mode is "off" (or
    absent), kept when "log", and block the call when "block". An unknown mode fails
    closed: it counts as "block"."""
    kept: list[Finding] = []
    blocked = False
    for finding in findings:
        mode = modes.get(finding.check, "off")
        if mode == "off":
            continue
        kept.append(finding)
        if mode != "log":
            blocked = True
    return blocked, kept


class ClassifierDetector:
    """A detector backed by a classifier: `classify(text)` returns category → score (for
    instance from a moderation model reached through the organisation's own connection);
    each category at or above `threshold` is a finding."""

    def __init__(
        self,
        name: str,
        check: str,
        classify: Callable[[str], Mapping[str, float]],
        threshold: float = 0.5,
    ) -> None:
        if check not in CHECKS:
            raise GovernanceError("guardian", f"detector {name!r}: unknown check {check!r}")
        self.name = name
        self.check = check
        self._classify = classify
        self.threshold = threshold

    def detect(self, text: str) -> list[Finding]:
        scores = self._classify(text)
        return [
            Finding(self.check, category, f"{self.name}:{category}", float(score))
            for category, score in sorted(scores.items())
            if float(score) >= self.threshold
        ]
