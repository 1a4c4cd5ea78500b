"""Custom data patterns (an organisation's own regex), the console's test box, record names.

Python's regex engine backtracks and cannot be interrupted, so a pattern that backtracks
catastrophically would stall every call it screens. A custom regex is therefore refused
unless it passes a static check of its parse tree (no unbounded repeat around a
variable-width repeat, no repeated alternation whose branches can start alike, no empty
match, bounded length) and then a timing probe on adversarial inputs grown step by step, so
that the probe itself stops long before an exponential pattern would run away.
"""

from __future__ import annotations

import importlib
import re
import string
import time
from collections.abc import Iterable
from typing import Any

from skills.governance.errors import GovernanceError
from skills.governance.patterns import Pattern

MAX_REGEX_LENGTH = 500
MAX_SAMPLE_LENGTH = 10_000
MAX_MATCHES = 100
# A sane pattern matches a few thousand characters in microseconds; one probe above this
# means backtracking.
PROBE_LIMIT_S = 0.05
PROBE_SIZES = (*range(4, 33, 2), 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048)
_OUTER_REPEAT_LIMIT = 10

# The stdlib's own regex parser (what re.compile uses); private but stable across 3.11+.
_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT}
_WORD = set(map(ord, string.ascii_letters + string.digits + "_"))
_CATEGORIES = {
    _c.CATEGORY_DIGIT: set(map(ord, string.digits)),
    _c.CATEGORY_SPACE: set(map(ord, " \t\n\r\f\v")),
    _c.CATEGORY_WORD: _WORD,
}
_ANY: frozenset[int] = frozenset(range(0x110000))  # stands for "cannot tell"


def _refuse(key: str, why: str) -> GovernanceError:
    return GovernanceError("privacy", f"custom pattern {key!r} refused: {why}")


def _first_chars(sub: Any) -> frozenset[int]:
    """The characters a (sub)pattern can start with; `_ANY` when it cannot be told."""
    for op, av in sub:
        if op == _c.LITERAL:
            return frozenset({av})
        if op == _c.IN:
            chars: set[int] = set()
            for iop, iav in av:
                if iop == _c.LITERAL:
                    chars.add(iav)
                elif iop == _c.RANGE and iav[1] - iav[0] < 512:
                    chars.update(range(iav[0], iav[1] + 1))
                elif iop == _c.CATEGORY and iav in _CATEGORIES:
                    chars |= _CATEGORIES[iav]
                else:
                    return _ANY
            return frozenset(chars)
        if op == _c.SUBPATTERN:
            return _first_chars(av[3])
        if op == _c.AT:
            continue  # anchors take no character
        return _ANY
    return _ANY


def _check_tree(key: str, sub: Any, inside_unbounded: bool = False) -> None:
    for op, av in sub:
        if op in _REPEATS:
            low, high, body = av
            if inside_unbounded and low != high:
                raise _refuse(key, "a variable repeat inside a repeat (like (a+)+)")
            unbounded = high == _c.MAXREPEAT or high > _OUTER_REPEAT_LIMIT
            if unbounded:
                _check_branches(key, body)
            _check_tree(key, body, inside_unbounded or unbounded)
        elif op == _c.SUBPATTERN:
            _check_tree(key, av[3], inside_unbounded)
        elif op == _c.BRANCH:
            for alt in av[1]:
                _check_tree(key, alt, inside_unbounded)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            _check_tree(key, av[1], inside_unbounded)
        elif op == _c.ATOMIC_GROUP:
            _check_tree(key, av, inside_unbounded)
        elif op == _c.GROUPREF_EXISTS:
            _check_tree(key, av[1], inside_unbounded)
            if av[2] is not None:
                _check_tree(key, av[2], inside_unbounded)


def _check_branches(key: str, body: Any) -> None:
    """A repeated alternation whose branches can start with the same character (like
    (a|ab)*) has exponentially many ways to split a string."""
    for op, av in body:
        if op == _c.SUBPATTERN:
            _check_branches(key, av[3])
        elif op == _c.BRANCH:
            alts = av[1]
            if any(alt.getwidth()[0] == 0 for alt in alts):
                raise _refuse(key, "a repeated alternation whose branches overlap or can be empty")
            firsts = [_first_chars(alt) for alt in alts]
            for i, a in enumerate(firsts):
                for b in firsts[i + 1 :]:
                    if a & b:
                        raise _refuse(
                            key, "a repeated alternation whose branches overlap (like (a|a)*)"
                        )


def _probe_chars(sub: Any) -> list[str]:
    """Characters the pattern mentions, to build inputs that make it try hardest."""
    found: list[str] = []

    def walk(node: Any) -> None:
        for op, av in node:
            if op == _c.LITERAL and chr(av) not in found:
                found.append(chr(av))
            elif op == _c.IN:
                for iop, iav in av:
                    if iop == _c.LITERAL:
                        found.append(chr(iav))
                    elif iop == _c.RANGE:
                        found.append(chr(iav[0]))
            elif op in _REPEATS:
                walk(av[2])
            elif op == _c.SUBPATTERN:
                walk(av[3])
            elif op == _c.BRANCH:
                for alt in av[1]:
                    walk(alt)

    walk(sub)
    return list(dict.fromkeys([*found[:6], "a", "1", " "]))


def _probe(key: str, compiled: re.Pattern[str], chars: list[str]) -> None:
    """Time the pattern on growing runs of each character and each pair, ended by a
    character it cannot match; refuse as soon as one run is too slow."""
    units = chars + [a + b for a in chars[:4] for b in chars[:4] if a != b]
    for unit in units:
        for size in PROBE_SIZES:
            text = (unit * size)[:size] + "\x00"
            start = time.perf_counter()
            compiled.search(text)
            if time.perf_counter() - start > PROBE_LIMIT_S:
                raise _refuse(key, "it backtracks catastrophically on repetitive input")


def check_regex(key: str, regex: str) -> re.Pattern[str]:
    """The compiled regex, or `GovernanceError("privacy", ...)` saying why it is refused."""
    if not regex:
        raise _refuse(key, "the regular expression is empty")
    if len(regex) > MAX_REGEX_LENGTH:
        raise _refuse(key, f"longer than {MAX_REGEX_LENGTH} characters")
    try:
        tree = _parser.parse(regex)
        compiled = re.compile(regex)
    except re.error as exc:
        raise _refuse(
            key, f"invalid regular expression ({exc.msg} at position {exc.pos})"
        ) from None
    except RecursionError:
        raise _refuse(key, "nested too deeply") from None
    if tree.getwidth()[0] == 0:
        raise _refuse(key, "it can match empty text")
    _check_tree(key, tree)
    _probe(key, compiled, _probe_chars(tree))
    return compiled


def _kind(key: str) -> str:
    kind = re.sub(r"[^A-Z0-9]+", "_", key.upper()).strip("_")
    return kind if kind[:1].isalpha() else f"CUSTOM_{kind}".rstrip("_")


def custom_pattern(key: str, label: str, regex: str) -> Pattern:
    """A data pattern from an organisation's regex, once it has passed `check_regex`."""
    return Pattern(key, label, check_regex(key, regex), _kind(key))


def try_pattern(regex: str, sample: str) -> list[tuple[int, int, str]]:
    """The console's test box: (start, end, text) of each match in the sample, at most
    `MAX_MATCHES`, in the sample's first `MAX_SAMPLE_LENGTH` characters; a refused regex
    raises as it would on saving."""
    compiled = check_regex("test", regex)
    out: list[tuple[int, int, str]] = []
    for m in compiled.finditer(sample[:MAX_SAMPLE_LENGTH]):
        out.append((m.start(), m.end(), m.group()))
        if len(out) >= MAX_MATCHES:
            break
    return out


def name_pattern(names: Iterable[str]) -> Pattern | None:
    """A pattern for the person names of a record's name fields: each full name and each
    of its parts of two characters or more, case-insensitive, as whole words. None when
    there is no name."""
    terms: set[str] = set()
    for name in names:
        full = " ".join((name or "").split())
        if len(full) < 2:
            continue
        terms.add(full.casefold())
        terms.update(p.casefold() for p in re.split(r"[\s,]+", full) if len(p) >= 2)
    if not terms:
        return None
    # Longest first, so "Ada Lovelace" is masked whole rather than as two parts. Case is
    # spelt out as classes ([aA]) rather than a flag, and the word boundary before a name is
    # a lookbehind after its first letter: the regex then starts with a character class,
    # which the engine skips ahead to in C (see Pattern).
    ordered = sorted(terms, key=lambda t: (-len(t), t))
    firsts = sorted({c for t in ordered for c in (t[0].lower(), t[0].upper())})
    lead = "[" + "".join(re.escape(c) for c in firsts) + "]"
    body = "|".join(f"(?<={_char(t[0])}){''.join(_char(ch) for ch in t[1:])}" for t in ordered)
    regex = re.compile(rf"{lead}(?<!\w{lead})(?:{body})(?!\w)")
    return Pattern("person_name", "Person name", regex, "PERSON")


def _char(ch: str) -> str:
    if ch.isspace():
        return r"\s+"
    low, up = ch.lower(), ch.upper()
    if low != up and len(low) == len(up) == 1:
        return f"[{re.escape(low)}{re.escape(up)}]"
    return re.escape(ch)
