"""Masking a call's text with stable placeholders, and restoring them in the answer.

One `Vault` serves one call: every text of the call (system prompt, messages, tool-call
arguments) is masked into the same vault, so the same e-mail address is `[EMAIL_1]` wherever
it appears, and the answer (whole or streamed) is restored from it. Only masked text leaves
the process or reaches a log; the vault itself is never stored.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TypeAlias

from skills.governance.errors import GovernanceError
from skills.governance.patterns import Pattern

JSON: TypeAlias = dict[str, "JSON"] | list["JSON"] | str | int | float | bool | None

# Anything shaped like a placeholder; restoring looks each one up, so text that merely looks
# like one (and is not in the vault) is left as it is.
_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_]*_\d+\]")
LITERAL_KIND = "LITERAL"


class Vault:
    """Placeholder ↔ original for one call.

    Placeholders are `[KIND_n]`, numbered per kind in order of first appearance. A
    placeholder-shaped token already present in a masked text is never issued, and if a later
    text holds an issued placeholder literally, that literal is itself masked (kind LITERAL),
    so restoring can never turn the user's own text into someone's data.
    """

    def __init__(self) -> None:
        self._by_original: dict[tuple[str, str], str] = {}
        self._by_placeholder: dict[str, str] = {}
        self._keys: dict[str, str] = {}  # placeholder -> pattern key
        self._next: Counter[str] = Counter()
        self._reserved: set[str] = set()

    def __len__(self) -> int:
        return len(self._by_placeholder)

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(self._by_placeholder)

    def reserve(self, text: str) -> None:
        """Keep placeholder-shaped tokens of `text` from ever being issued."""
        if "[" in text:
            self._reserved.update(_PLACEHOLDER.findall(text))

    def placeholder(self, original: str, kind: str, key: str) -> str:
        """The placeholder for `original`: the one it already has, or a new one."""
        found = self._by_original.get((kind, original))
        if found is not None:
            return found
        while True:
            self._next[kind] += 1
            candidate = f"[{kind}_{self._next[kind]}]"
            if candidate not in self._reserved and candidate not in self._by_placeholder:
                break
        self._by_original[(kind, original)] = candidate
        self._by_placeholder[candidate] = original
        self._keys[candidate] = key
        return candidate

    def original(self, placeholder: str) -> str | None:
        return self._by_placeholder.get(placeholder)

    def restore(self, text: str) -> str:
        """`text` with every issued placeholder replaced by its original, in one pass."""
        if not self._by_placeholder or "[" not in text:
            return text
        table = self._by_placeholder
        return _PLACEHOLDER.sub(lambda m: table.get(m.group(), m.group()), text)

    def counts(self) -> dict[str, int]:
        """How many distinct values of each pattern key were masked (never the values)."""
        out: Counter[str] = Counter(
            key for key in self._keys.values() if key != LITERAL_KIND.lower()
        )
        return dict(sorted(out.items()))


class Masker:
    """Masks texts with a set of patterns (the built-ins chosen, customs, record names)."""

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        self.patterns = tuple(patterns)

    def spans(self, text: str) -> list[tuple[int, int, Pattern]]:
        """Non-overlapping validated matches, in text order.

        Where matches overlap, the longest wins, then the earliest, then the pattern listed
        first (a card number beats the Aadhaar-shaped 12 digits inside it).
        """
        found: list[tuple[int, int, int, Pattern]] = []
        scoped: dict[int, list[tuple[int, int]]] = {}  # a shared scope is scanned once
        for rank, pattern in enumerate(self.patterns):
            try:
                ranges = None
                if pattern.scope is not None:
                    key = id(pattern.scope)
                    if key not in scoped:
                        scoped[key] = pattern.ranges(text)
                    ranges = scoped[key]
                matched = pattern.matches(text, ranges)
            except Exception as exc:
                raise GovernanceError(
                    "privacy", f"pattern {pattern.key!r} failed ({type(exc).__name__})"
                ) from None
            found.extend((start, end, rank, pattern) for start, end in matched)
        if not found:
            return []
        found.sort(key=lambda f: (f[0] - f[1], f[0], f[2]))
        taken: list[tuple[int, int, Pattern]] = []
        covered = bytearray(len(text))  # linear in matches, where pairwise checks are not
        for start, end, _rank, pattern in found:
            if covered.find(1, start, end) < 0:
                taken.append((start, end, pattern))
                covered[start:end] = b"\x01" * (end - start)
        taken.sort(key=lambda t: t[0])
        return taken

    def mask(self, text: str, vault: Vault) -> str:
        """`text` with every match replaced by its placeholder in `vault`. Any failure is a
        GovernanceError("privacy", ...): the call must not go out half-masked."""
        if not isinstance(text, str):
            raise GovernanceError("privacy", f"cannot mask a {type(text).__name__}")
        try:
            return self._mask(text, vault)
        except GovernanceError:
            raise
        except Exception as exc:
            raise GovernanceError("privacy", f"masking failed ({type(exc).__name__})") from None

    def _mask(self, text: str, vault: Vault) -> str:
        vault.reserve(text)
        spans = self.spans(text)
        if vault.placeholders and "[" in text:
            spans = _with_literals(text, spans, vault)
        if not spans:
            return text
        out: list[str] = []
        last = 0
        for start, end, pattern in spans:
            out.append(text[last:start])
            original = text[start:end]
            if pattern is _LITERAL:
                out.append(vault.placeholder(original, LITERAL_KIND, LITERAL_KIND.lower()))
            else:
                out.append(vault.placeholder(original, pattern.placeholder_kind, pattern.key))
            last = end
        out.append(text[last:])
        return "".join(out)


_LITERAL = Pattern("literal", "Literal placeholder", _PLACEHOLDER, LITERAL_KIND)


def _with_literals(
    text: str, spans: list[tuple[int, int, Pattern]], vault: Vault
) -> list[tuple[int, int, Pattern]]:
    """Add the literal occurrences of issued placeholders (outside other matches)."""
    issued = vault.placeholders
    extra = [
        (m.start(), m.end(), _LITERAL)
        for m in _PLACEHOLDER.finditer(text)
        if m.group() in issued and all(m.end() <= s or m.start() >= e for s, e, _ in spans)
    ]
    return sorted(spans + extra, key=lambda t: t[0]) if extra else spans


class StreamRestorer:
    """Restores placeholders in a streamed answer, across chunk boundaries.

    Only a tail that could still become an issued placeholder is held back; everything
    before it is restored and released at once, so the stream is delayed by at most one
    placeholder's length. Made once the call's texts are masked (it reads the vault's
    placeholders when created).
    """

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._held = ""
        self._longest = max((len(p) for p in vault.placeholders), default=0)

    def _could_become(self, tail: str) -> bool:
        return (
            "]" not in tail
            and len(tail) < self._longest
            and any(p.startswith(tail) for p in self._vault.placeholders)
        )

    def feed(self, chunk: str) -> str:
        text = self._held + chunk
        if not self._longest:
            self._held = ""
            return text
        cut = text.rfind("[")
        if cut >= 0 and self._could_become(text[cut:]):
            self._held = text[cut:]
            text = text[:cut]
        else:
            self._held = ""
        return self._vault.restore(text)

    def flush(self) -> str:
        """The held-back tail (at the end of the stream it can only be itself)."""
        text, self._held = self._held, ""
        return self._vault.restore(text)


def mask_json(value: JSON, masker: Masker, vault: Vault) -> JSON:
    """Mask every string value of a JSON-like structure (tool-call arguments); keys are the
    tool's schema and stay as they are. Anything that is not JSON (bytes, objects) is
    refused rather than passed through unmasked."""
    if isinstance(value, str):
        return masker.mask(value, vault)
    if isinstance(value, list | tuple):
        return [mask_json(v, masker, vault) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise GovernanceError("privacy", "cannot mask an object with non-text keys")
        return {k: mask_json(v, masker, vault) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float):
        return value
    raise GovernanceError("privacy", f"cannot mask a {type(value).__name__}")


def restore_json(value: JSON, vault: Vault) -> JSON:
    """Restore every string value of a JSON-like structure (a tool call the model made)."""
    if isinstance(value, str):
        return vault.restore(value)
    if isinstance(value, list):
        return [restore_json(v, vault) for v in value]
    if isinstance(value, dict):
        return {k: restore_json(v, vault) for k, v in value.items()}
    return value
