"""Built-in data patterns: what the privacy policy can mask, each with its own validator.

A regular expression alone over-matches (any 16 digits, any four dotted numbers), so each
pattern whose data has a checksum or a range is validated after the match: Luhn for card
numbers, mod-97 for IBANs, Verhoeff for Aadhaar, octet and group ranges for IP addresses.
Each regex is written without nested or overlapping quantifiers, so matching stays linear.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_SHORTER = 4


@dataclass(frozen=True)
class Pattern:
    """One kind of data to mask.

    `hint`, when set, is a character every match contains: a text without it is skipped
    without running the regex (most prompts hold no "@", so the e-mail scan costs nothing).
    With `window` (characters before, after) as well, the regex runs only around each
    occurrence of the hint (or of `anchor`, a regex every match contains), for patterns
    whose first character could be almost anything. With `scope`, only inside the
    scope's matches: the number patterns share one scope, the runs of digits and
    separators, found once per text by the Masker.

    The built-in regexes begin with one character class and check what precedes it with a
    lookbehind placed after it: the regex engine then skips ahead to candidate characters
    in C, where a leading lookbehind would make it try every position (4 KB: ~25 µs a
    pattern instead of ~120).
    """

    key: str
    label: str
    regex: re.Pattern[str]
    placeholder_kind: str
    validate: Callable[[str], bool] | None = None
    hint: str | None = None
    window: tuple[int, int] | None = None
    anchor: re.Pattern[str] | None = None
    scope: re.Pattern[str] | None = None

    def ranges(self, text: str) -> list[tuple[int, int]]:
        """The stretches of `text` the regex runs on: all of it, the windows around the
        anchors, or the scope's matches (each with the character after it, which the regex's
        lookahead reads)."""
        if self.scope is not None:
            n = len(text)
            return [(m.start(), min(n, m.end() + 1)) for m in self.scope.finditer(text)]
        if self.window is None or (self.hint is None and self.anchor is None):
            return [(0, len(text))]
        before, after = self.window
        ranges: list[tuple[int, int]] = []
        anchor = self.anchor or re.compile(re.escape(self.hint or ""))
        for m in anchor.finditer(text):
            lo, hi = max(0, m.start() - before), min(len(text), m.start() + after)
            if ranges and lo <= ranges[-1][1]:
                ranges[-1] = (ranges[-1][0], hi)
            else:
                ranges.append((lo, hi))
        return ranges

    def matches(
        self, text: str, ranges: list[tuple[int, int]] | None = None
    ) -> list[tuple[int, int]]:
        """The validated spans of this pattern in `text`.

        A candidate that fails validation may hold a valid one: a greedy match can take in a
        neighbouring number ("+44 20 7946 0958 2024-01-15"). So its shorter prefixes ending
        at a word's end are tried, and the search resumes one character on, not after it.
        """
        if self.hint is not None and self.hint not in text:
            return []
        spans: list[tuple[int, int]] = []
        for lo, hi in self.ranges(text) if ranges is None else ranges:
            pos = max(lo, spans[-1][1]) if spans else lo
            while (m := self.regex.search(text, pos, hi)) is not None:
                start, end = m.span()
                # A match cut short by its window's edge is not a match in the whole text.
                cut_short = end == hi and hi < len(text)
                if (
                    end > start
                    and not cut_short
                    and (self.validate is None or self.validate(m.group()))
                ):
                    spans.append((start, end))
                    pos = end
                    continue
                cut = self._shorter(text, start, end) if self.validate is not None else None
                if cut is not None:
                    spans.append((start, cut))
                pos = cut if cut is not None else start + 1
        return spans

    def _shorter(self, text: str, start: int, end: int) -> int | None:
        """The end of the longest valid prefix of a failed match, trying at most
        `MAX_SHORTER` word ends (so repetitive text costs a bounded amount per candidate)."""
        assert self.validate is not None
        tries = 0
        for cut in range(end - 1, start, -1):
            after = text[cut]
            if not text[cut - 1].isalnum() or after.isalnum() or after == "_":
                continue
            if after in ".-" and text[cut + 1 : cut + 2].isdigit():
                continue
            if self.regex.fullmatch(text, start, cut) and self.validate(text[start:cut]):
                return cut
            tries += 1
            if tries >= MAX_SHORTER:
                break
        return None


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def luhn_ok(value: str) -> bool:
    """The Luhn check of payment card numbers (separators ignored)."""
    digits = _digits(value)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _card_ok(value: str) -> bool:
    digits = _digits(value)
    if not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    separators = {ch for ch in value if not ch.isdigit()}
    return len(separators) <= 1 and luhn_ok(digits)


# Lengths of the IBANs of the countries most often seen; other countries are held to the
# general 15..34 range (and the checksum, which alone rejects 96 in 97 random strings).
_IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28,
    "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MT": 31,
    "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24,
    "SA": 24, "AE": 23, "TR": 26, "IL": 23, "BR": 29,
}  # fmt: skip


def iban_ok(value: str) -> bool:
    """ISO 13616: the country's length and the mod-97 checksum."""
    iban = value.replace(" ", "").upper()
    expected = _IBAN_LENGTHS.get(iban[:2])
    if (expected is not None and len(iban) != expected) or not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


_VERHOEFF_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_VERHOEFF_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]


def verhoeff_ok(value: str) -> bool:
    """The Verhoeff checksum Aadhaar numbers carry in their last digit."""
    c = 0
    for i, ch in enumerate(reversed(_digits(value))):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][int(ch)]]
    return c == 0


def _separators_consistent(value: str) -> bool:
    return len({ch for ch in value if ch in " -"}) <= 1


def _phone_ok(value: str) -> bool:
    digits = _digits(value)
    return 7 <= len(digits) <= 15 and len(set(digits)) > 1


def _ipv4_ok(value: str) -> bool:
    parts = value.split(".")
    return all(p == "0" or (not p.startswith("0") and int(p) <= 255) for p in parts)


def _ipv6_ok(value: str) -> bool:
    if sum(ch.isalnum() for ch in value) < 2:
        return False
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


def _email_ok(value: str) -> bool:
    local = value.split("@", 1)[0]
    return not (local.startswith(".") or local.endswith(".") or ".." in local)


_P = re.compile
# What may not come right before a number's first digit (a word, a dotted version, a sign).
_NOT_AFTER = r"[\w.+-]"


def _first(cls: str, not_after: str = _NOT_AFTER) -> str:
    """`cls` as the regex's first character, not preceded by `not_after` (see Pattern)."""
    return f"{cls}(?<!{not_after}{cls})"


# Not followed by a word character or by more of a number ("-5", ".3").
_NA = r"(?![\w]|[.-]\d)"
# Four dotted numbers after "version", "build" or "release" are a version, not an address.
_NOT_VERSION = "".join(f"(?<!(?i:{w}) \\d)" for w in ("version", "build", "release", "ver"))
# Where any number pattern can match: a run of digits and separators, 7 characters or more.
NUMBER_SCOPE = _P(r"[+(\d][\d ().+-]{5,}\d")
_NINO_PREFIXES = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def _nino_ok(value: str) -> bool:
    return value[:2] not in _NINO_PREFIXES and _separators_consistent(value)


def _ssn_ok(value: str) -> bool:
    area, group, serial = value.split("-")
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


BUILTIN_PATTERNS: dict[str, Pattern] = {
    p.key: p
    for p in (
        Pattern(
            "email",
            "E-mail address",
            _P(
                # Atomic local part: from each start it is read once, never backtracked into.
                r"(?<![\w.%+-])(?>[A-Za-z0-9._%+-]{1,64})@(?:[A-Za-z0-9-]{1,63}\.){1,8}"
                r"[A-Za-z]{2,24}(?![\w-])"
            ),
            "EMAIL",
            _email_ok,
            hint="@",
            window=(65, 300),
        ),
        Pattern(
            "phone",
            "Phone number",
            # International (+CC ...), North American ((555) 123-4567, 555-123-4567) and
            # national trunk-prefixed (020 7946 0958) forms; separators are required outside
            # the "+" form so plain numbers, dates (4-2-2) and times never match. The first
            # character is read once, and each form checks which it was with a lookbehind.
            _P(
                _first(r"[+(\d]") + r"(?:(?<=\+)\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,4}){2,6}"
                r"|(?<=\()\d{3}\)[ ]?\d{3}[ .-]\d{4}"
                r"|(?<=\d)\d{2}([ .-])\d{3}\1\d{4}"
                r"|(?<=0)\d{2,4}[ -]\d{3,4}[ -]?\d{3,4})" + _NA
            ),
            "PHONE",
            _phone_ok,
            scope=NUMBER_SCOPE,
        ),
        Pattern(
            "card",
            "Payment card number",
            # 4-4-4-4 and 4-6-5 (4-6-4) groups with one separator, or 13 to 19 digits.
            _P(
                _first(r"\d")
                + r"(?:\d{3}([ -]?)\d{4}\1\d{4}\1\d{4}|\d{3}([ -]?)\d{6}\2\d{4,5}|\d{12,18})"
                + _NA
            ),
            "CARD",
            _card_ok,
            scope=NUMBER_SCOPE,
        ),
        Pattern(
            "iban",
            "IBAN",
            _P(_first("[A-Z]", r"\w") + r"[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"),
            "IBAN",
            iban_ok,
        ),
        Pattern(
            "us_ssn",
            "US Social Security number",
            _P(_first(r"\d") + r"\d{2}-\d{2}-\d{4}" + _NA),
            "SSN",
            _ssn_ok,
            scope=NUMBER_SCOPE,
        ),
        Pattern(
            "uk_nino",
            "UK National Insurance number",
            _P(
                _first("[A-CEGHJ-PR-TW-Z]", r"\w")
                + r"[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
            ),
            "NINO",
            _nino_ok,
        ),
        Pattern(
            "in_aadhaar",
            "Indian Aadhaar number",
            _P(_first("[2-9]") + r"\d{3}([ -]?)\d{4}\1\d{4}" + _NA),
            "AADHAAR",
            verhoeff_ok,
            scope=NUMBER_SCOPE,
        ),
        Pattern(
            "ipv4",
            "IPv4 address",
            _P(
                _first(r"\d", r"[\w.]")
                + _NOT_VERSION
                + r"\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![\w]|\.\d)"
            ),
            "IPV4",
            _ipv4_ok,
            hint=".",
            scope=NUMBER_SCOPE,
        ),
        Pattern(
            "ipv6",
            "IPv6 address",
            _P(
                r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}"
                r"(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4})(?![\w:.])"
            ),
            "IPV6",
            _ipv6_ok,
            hint=":",
            window=(46, 46),
            # Every IPv6 address has two colons at most four hex digits apart.
            anchor=_P(r":[0-9A-Fa-f]{0,4}:"),
        ),
    )
}
