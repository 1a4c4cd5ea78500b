"""Custom patterns: refused when they could stall a call, the test box, record names."""

from __future__ import annotations

import time

import pytest

from skills.governance.custom import (
    MAX_MATCHES,
    MAX_SAMPLE_LENGTH,
    check_regex,
    custom_pattern,
    name_pattern,
    try_pattern,
)
from skills.governance.errors import GovernanceError

CATASTROPHIC = [
    r"(a+)+$",
    r"(a*)*b",
    r"(a|a)*b",
    r"(a|ab)*c",
    r"^(a|aa)+$",
    r"(\w+\s?)+x",
    r"(x+x+)+y",
    r"(.*a){12}",
    r"([a-z0-9]+)*@",
    r"(?:\d+-?)+#",
    r"\d+\d+\d+x",  # no nesting: caught by the timing probe (polynomial)
    r"a.*a.*a.*b",  # the same
]


@pytest.mark.parametrize("regex", CATASTROPHIC)
def test_it_refuses_regexes_that_backtrack_catastrophically_and_quickly(regex):
    start = time.perf_counter()
    with pytest.raises(GovernanceError) as err:
        custom_pattern("emp", "Employee id", regex)
    assert time.perf_counter() - start < 2.0
    assert err.value.control == "privacy"
    assert "'emp'" in str(err.value)


@pytest.mark.parametrize(
    ("regex", "why"),
    [
        ("[", "invalid regular expression"),
        ("(abc", "invalid regular expression"),
        ("a{2,1}", "invalid regular expression"),
        ("", "empty"),
        ("a*", "can match empty text"),
        ("(?:x)?", "can match empty text"),
        ("\\b", "can match empty text"),
        ("a" * 501, "longer than"),
    ],
)
def test_it_refuses_bad_syntax_empty_matches_and_overlong_patterns(regex, why):
    with pytest.raises(GovernanceError, match=why):
        check_regex("k", regex)


@pytest.mark.parametrize(
    "regex",
    [
        r"EMP-\d{6}",
        r"(?i)\b[A-Z]{3}\d{7}\b",
        r"(?:foo|bar)+",
        r"\bEMP\d+@corp\b",
        r"[A-Z]{2}-\d{4}-[A-Z]",
    ],
)
def test_it_accepts_ordinary_patterns_and_names_their_kind(regex):
    p = custom_pattern("employee-id", "Employee id", regex)
    assert p.placeholder_kind == "EMPLOYEE_ID"
    assert p.regex.pattern == regex


def test_a_kind_always_starts_with_a_letter():
    assert custom_pattern("42", "x", "ab").placeholder_kind == "CUSTOM_42"


def test_the_test_box_returns_matches_bounded():
    assert try_pattern(r"EMP-\d{3}", "ids EMP-123 and EMP-456.") == [
        (4, 11, "EMP-123"),
        (16, 23, "EMP-456"),
    ]
    many = try_pattern("x", "x" * (MAX_SAMPLE_LENGTH * 2))
    assert len(many) == MAX_MATCHES
    late = try_pattern("y", "x" * MAX_SAMPLE_LENGTH + "y")
    assert late == []
    with pytest.raises(GovernanceError):
        try_pattern("(a+)+", "aaaa")


def test_name_pattern_masks_full_names_and_parts_as_whole_words():
    p = name_pattern(["Ada  Lovelace", "", "J", "Grace Hopper"])
    assert p is not None
    assert p.key == "person_name"
    assert p.placeholder_kind == "PERSON"
    text = "ada lovelace asked Grace; LOVELACE replied. Adamant Hoppers. Grace\nHopper"
    spans = [text[s:e] for s, e in p.matches(text)]
    assert spans == ["ada lovelace", "Grace", "LOVELACE", "Grace\nHopper"]


def test_name_pattern_escapes_and_returns_none_without_names():
    assert name_pattern([]) is None
    assert name_pattern(["", " ", "x"]) is None
    p = name_pattern(["O'Brien (Ops)"])
    assert p is not None
    assert [m.group() for m in p.regex.finditer("ask o'brien (ops) now")] == ["o'brien (ops)"]
