"""Governance: data privacy masking and Guardian screening of a 4 KB prompt, in process.

One round is what a call pays before and after its provider call: mask the rendered prompt
(every built-in pattern plus the record's person names) into a fresh vault, screen it with
the three built-in Guardian checks (normalisation included: its per-process cache is cleared
each round, so no round reuses the last one's view) and restore the placeholders in a
1 KB answer. The target is the data privacy and Guardian issue's: masking + guardrails
≤ 1 ms p50 for a 4 KB prompt.

Pure Python and no database, so it also runs alone: `python -m bench.governance`.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import Row, fmt_pcts, percentile
from skills.governance.custom import name_pattern
from skills.governance.detectors import BUILTIN_DETECTORS
from skills.governance.guardian import Guardian
from skills.governance.masking import Masker, Vault
from skills.governance.normalise import normalise
from skills.governance.patterns import BUILTIN_PATTERNS

TARGET_P50_MS = 1.0
RUNS = 2000

_RECORD = """Incident INC0012345 — priority 2 — opened 2024-03-05 10:42:17 by the service desk.
Caller: Ada Lovelace (ada.lovelace@example.com, +44 20 7946 0958), Finance, building B.
Short description: Outlook crashes when opening attachments larger than 10 MB.
Affected host: fin-ws-0042 at 10.20.30.41; mail gateway 192.168.10.5.
Work notes:
- 10:55 Agent Grace Hopper asked the caller to restart Outlook in safe mode; no change.
- 11:20 Reinstalled the Office click-to-run client (build 16.0.17328.20162); crash persists.
- 11:48 Event log shows faulting module mso20win32client.dll, exception 0xc0000005.
- 12:05 Similar reports from two other users in Finance after the 2024-03-04 patch window.
- 12:30 Change CHG0030021 (Office update ring 2) scheduled for 2024-03-06T22:00:00Z.
"""
_INSTRUCTIONS = """You are a service desk assistant. Summarise the incident below for the
resolver group in at most five sentences: what is broken, who is affected, what has been
tried, the likely cause and the recommended next step. Keep ticket and change numbers as they
are. Do not include personal data beyond what the resolver needs.
"""


def prompt(size: int = 4096) -> str:
    """A realistic rendered prompt of `size` characters with a few PII items."""
    text = _INSTRUCTIONS
    while len(text) < size:
        text += "\n" + _RECORD
    return text[:size]


ANSWER = (
    "Outlook crashes for [PERSON_1] ([EMAIL_1]) and two other Finance users when opening "
    "attachments over 10 MB, since the 2024-03-04 patch window. Safe mode and a reinstall "
    "did not help; the event log points at mso20win32client.dll (0xc0000005) on [IPV4_1]. "
    "The likely cause is the Office update in ring 2; CHG0030021 should be held and the "
    "build rolled back for Finance. Contact the caller at [PHONE_1] once done. "
) * 2


def measure(runs: int = RUNS) -> dict[str, list[float]]:
    """Per round, in ms: mask, screen, restore and their total."""
    text = prompt()
    masker = Masker(
        [*BUILTIN_PATTERNS.values(), name_pattern(["Ada Lovelace", "Grace Hopper"])]  # type: ignore[list-item]
    )
    guardian = Guardian(BUILTIN_DETECTORS)
    out: dict[str, list[float]] = {"mask": [], "screen": [], "restore": [], "total": []}
    for i in range(runs + 20):
        normalise.cache_clear()
        t0 = time.perf_counter()
        vault = Vault()
        masked = masker.mask(text, vault)
        t1 = time.perf_counter()
        findings = guardian.screen(masked)
        t2 = time.perf_counter()
        vault.restore(ANSWER)
        t3 = time.perf_counter()
        if findings:
            raise AssertionError(f"the benign prompt was flagged: {findings}")
        if i >= 20:  # warm-up rounds dropped
            out["mask"].append((t1 - t0) * 1000)
            out["screen"].append((t2 - t1) * 1000)
            out["restore"].append((t3 - t2) * 1000)
            out["total"].append((t3 - t0) * 1000)
    return out


def rows(runs: int = RUNS) -> list[Row]:
    samples = measure(runs)
    total = samples["total"]
    vault = Vault()
    Masker(list(BUILTIN_PATTERNS.values())).mask(prompt(), vault)
    return [
        Row(
            "governance",
            f"mask + Guardian screen + restore, 4 KB prompt ({len(vault)} PII values, "
            f"3 checks, 1 KB answer) p50/p95 (n={runs})",
            fmt_pcts(total),
            f"≤ {TARGET_P50_MS:g} ms p50",
            percentile(total, 50) <= TARGET_P50_MS,
        ),
        Row(
            "governance",
            "parts p50/p95: mask · screen (normalisation included) · restore",
            " · ".join(fmt_pcts(samples[k]) for k in ("mask", "screen", "restore")),
        ),
    ]


def run(ctx: Any) -> list[Row]:
    return rows()


if __name__ == "__main__":
    for row in rows():
        print(" | ".join(row.cells()))
