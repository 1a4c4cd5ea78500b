"""The governance section: its prompt is the 4 KB it claims, and it reports its two rows."""

from __future__ import annotations

from bench import governance
from bench.__main__ import DEFAULT_SECTIONS, SECTIONS
from skills.governance.masking import Masker, Vault
from skills.governance.patterns import BUILTIN_PATTERNS


def test_the_prompt_is_4_kb_and_holds_pii():
    text = governance.prompt()
    assert len(text) == 4096
    vault = Vault()
    Masker(list(BUILTIN_PATTERNS.values())).mask(text, vault)
    assert vault.counts() == {"email": 1, "ipv4": 2, "phone": 1}


def test_it_is_a_default_section_and_reports_its_rows():
    assert "governance" in SECTIONS
    assert "governance" in DEFAULT_SECTIONS
    rows = governance.rows(runs=20)
    assert [r.section for r in rows] == ["governance", "governance"]
    assert rows[0].target == "≤ 1 ms p50"
    assert rows[0].met in (True, False)
