"""Masking with stable placeholders, restoring whole and streamed answers, JSON arguments."""

from __future__ import annotations

import random

import pytest

from skills.governance.custom import name_pattern
from skills.governance.errors import GovernanceError
from skills.governance.masking import Masker, StreamRestorer, Vault, mask_json, restore_json
from skills.governance.patterns import BUILTIN_PATTERNS, Pattern

ALL = Masker(list(BUILTIN_PATTERNS.values()))
PII = [
    "ada@example.com", "grace.hopper@example.org", "+44 20 7946 0958", "(555) 123-4567",
    "4111 1111 1111 1111", "GB82 WEST 1234 5698 7654 32", "123-45-6789", "AB 12 34 56 C",
    "2341 2341 2346", "192.168.1.10", "2001:db8::1",
]  # fmt: skip
FILLER = [
    "the",
    "printer",
    "on",
    "floor",
    "3",
    "is",
    "down;",
    "INC0012345",
    "2024-01-15",
    "v1.2.3",
    "[note]",
    "—",
    "é",
    "\n",
]


def test_each_value_gets_a_stable_placeholder_within_the_call():
    vault = Vault()
    a = ALL.mask("mail ada@example.com, then ada@example.com again", vault)
    b = ALL.mask("cc ada@example.com and bob@example.com", vault)
    assert a == "mail [EMAIL_1], then [EMAIL_1] again"
    assert b == "cc [EMAIL_1] and [EMAIL_2]"
    assert vault.counts() == {"email": 2}
    assert vault.restore(a + b) == (
        "mail ada@example.com, then ada@example.com againcc ada@example.com and bob@example.com"
    )


def test_counts_never_hold_values():
    vault = Vault()
    ALL.mask(" ".join(PII), vault)
    counts = vault.counts()
    assert sum(counts.values()) == len(PII)
    assert not any(v in repr(counts) for v in PII)


def test_the_longest_overlapping_match_wins():
    vault = Vault()
    # The 16-digit card contains a Verhoeff-valid 12-digit Aadhaar-shaped run.
    assert ALL.mask("card 4111 1111 1111 1111 ok", vault) == "card [CARD_1] ok"


def test_placeholders_already_in_the_text_are_never_issued():
    vault = Vault()
    masked = ALL.mask("earlier answer said [EMAIL_1]; now ada@example.com", vault)
    assert masked == "earlier answer said [EMAIL_1]; now [EMAIL_2]"
    assert vault.restore("[EMAIL_1] / [EMAIL_2]") == "[EMAIL_1] / ada@example.com"


def test_an_issued_placeholder_quoted_in_a_later_text_is_masked_too():
    vault = Vault()
    ALL.mask("ada@example.com", vault)
    later = ALL.mask("the user typed [EMAIL_1] literally", vault)
    assert "[EMAIL_1]" not in later
    assert vault.restore(later) == "the user typed [EMAIL_1] literally"
    assert vault.counts() == {"email": 1}


def test_text_that_only_looks_like_a_placeholder_is_left_alone():
    vault = Vault()
    ALL.mask("ada@example.com", vault)
    assert vault.restore("[EMAIL_9] [email_1] [EMAIL_1") == "[EMAIL_9] [email_1] [EMAIL_1"


def _generated(seed: int) -> str:
    rnd = random.Random(seed)
    parts = [
        rnd.choice(PII) if rnd.random() < 0.3 else rnd.choice(FILLER)
        for _ in range(rnd.randint(0, 40))
    ]
    return " ".join(parts)


@pytest.mark.parametrize("seed", range(200))
def test_mask_then_restore_gives_back_the_text(seed):
    text = _generated(seed)
    vault = Vault()
    masked = ALL.mask(text, vault)
    assert not any(v in masked for v in PII)
    assert vault.restore(masked) == text


TEXT = "Hi [PERSON_1], mail [EMAIL_1] or [EMAIL_2]; card [CARD_1].[EMAIL_1]][[EMAIL_"


def _stream_vault() -> tuple[Vault, str]:
    vault = Vault()
    masker = Masker([*BUILTIN_PATTERNS.values(), name_pattern(["Ada Lovelace"])])  # type: ignore[list-item]
    masker.mask("Ada, ada@example.com, bob@example.com, 4111 1111 1111 1111", vault)
    return vault, vault.restore(TEXT)


def test_the_stream_restores_across_every_single_split():
    vault, expected = _stream_vault()
    for i in range(len(TEXT) + 1):
        r = StreamRestorer(vault)
        assert r.feed(TEXT[:i]) + r.feed(TEXT[i:]) + r.flush() == expected, i


@pytest.mark.parametrize("seed", range(50))
def test_the_stream_restores_across_random_many_splits_and_holds_back_little(seed):
    vault, expected = _stream_vault()
    rnd = random.Random(seed)
    cuts = sorted(rnd.sample(range(len(TEXT)), rnd.randint(1, 20)))
    r = StreamRestorer(vault)
    out = []
    for a, b in zip([0, *cuts], [*cuts, len(TEXT)], strict=True):
        out.append(r.feed(TEXT[a:b]))
        assert len(r._held) < max(map(len, vault.placeholders))
    assert "".join(out) + r.flush() == expected


def test_the_stream_passes_text_straight_through_with_an_empty_vault():
    r = StreamRestorer(Vault())
    assert r.feed("a [EMA") == "a [EMA"
    assert r.flush() == ""


def test_json_arguments_are_masked_and_restored_values_only():
    vault = Vault()
    args = {
        "email": "ada@example.com",
        "to": ["ada@example.com", {"ip": "10.0.0.1"}],
        "n": 3,
        "ok": True,
        "x": None,
    }
    masked = mask_json(args, ALL, vault)
    assert masked == {
        "email": "[EMAIL_1]",
        "to": ["[EMAIL_1]", {"ip": "[IPV4_1]"}],
        "n": 3,
        "ok": True,
        "x": None,
    }
    assert restore_json(masked, vault) == args


def test_a_failing_pattern_fails_closed_naming_the_pattern_not_the_text():
    def boom(value: str) -> bool:
        raise RuntimeError(value)

    broken = Pattern("emp", "Employee", BUILTIN_PATTERNS["email"].regex, "EMP", boom)
    with pytest.raises(GovernanceError) as err:
        Masker([broken]).mask("secret ada@example.com", Vault())
    assert err.value.control == "privacy"
    assert "emp" in str(err.value)
    assert "ada@example.com" not in str(err.value)
    assert "secret" not in str(err.value)


@pytest.mark.parametrize("bad", [b"ada@example.com", {1: "x"}, object()])
def test_json_masking_refuses_what_is_not_json_rather_than_pass_it_unmasked(bad):
    with pytest.raises(GovernanceError) as err:
        mask_json({"arg": bad}, ALL, Vault())
    assert err.value.control == "privacy"
    assert "ada@example.com" not in str(err.value)


def test_masking_a_non_text_fails_closed():
    with pytest.raises(GovernanceError, match="cannot mask a bytes"):
        ALL.mask(b"ada@example.com", Vault())  # type: ignore[arg-type]


ADVERSARIAL_UNITS = [
    "1",
    "1 ",
    "1-",
    "1.",
    "a@",
    "@a",
    ":",
    "1:",
    ":1",
    "+1 ",
    "(1",
    "AB12 ",
    "ad ",
    "[EMAIL_1]",
    "\u200b",
    "\u00e91",
]


@pytest.mark.parametrize("unit", ADVERSARIAL_UNITS)
def test_repetitive_input_costs_a_bounded_time(unit):
    """No built-in pattern backtracks catastrophically: 20 KB of one repeated unit is
    masked well within a second (a 4 KB prompt takes under a millisecond)."""
    import time

    text = (unit * (20_000 // len(unit) + 1))[:20_000]
    masker = Masker([*BUILTIN_PATTERNS.values(), name_pattern(["Ada Lovelace"])])  # type: ignore[list-item]
    start = time.perf_counter()
    masker.mask(text, Vault())
    assert time.perf_counter() - start < 2.0


def test_the_stream_releases_brackets_that_cannot_become_a_placeholder():
    vault, _ = _stream_vault()
    r = StreamRestorer(vault)
    assert r.feed("see [note] and [no") == "see [note] and [no"
    assert r.feed("w [EM") == "w "
    assert r.feed("AIL_1] done") == "[EMAIL_1] done".replace(
        "[EMAIL_1]", vault.original("[EMAIL_1]") or ""
    )


def test_many_matches_are_masked_quickly_and_each_once():
    import time

    text = " ".join(f"user{i}@example.com" for i in range(3000))
    vault = Vault()
    start = time.perf_counter()
    masked = ALL.mask(text, vault)
    assert time.perf_counter() - start < 2.0
    assert vault.counts() == {"email": 3000}
    assert vault.restore(masked) == text
