"""Text normalisation before screening, so obfuscated text reads like its plain form.

Attackers dodge phrase lists with fullwidth or Cyrillic look-alike letters, zero-width
characters, leetspeak ("1gn0re"), spaced letters ("i g n o r e") and base64-encoded
instructions. Screening runs on one normalised view (plus any decoded payloads), never on
the raw text; the view is cached because every detector of a call screens the same text.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Zero-width, bidi and soft-hyphen characters: invisible, used to split trigger words.
_INVISIBLE = dict.fromkeys(
    [
        173,
        847,
        1564,
        4447,
        4448,
        6068,
        6069,
        6158,
        12644,
        65279,
        *list(range(8203, 8208)),
        *list(range(8234, 8239)),
        *list(range(8288, 8304)),
    ]
)
# C0/C1 controls other than tab and newline become spaces.
_CONTROLS = {c: " " for c in [*range(0, 9), *range(11, 32), *range(127, 160)]}
# Cyrillic and Greek letters that look like Latin ones (after casefolding).
_HOMOGLYPHS = str.maketrans(
    {
        "\u0430": "a", "\u0432": "b", "\u0435": "e", "\u0451": "e", "\u043a": "k", "\u043c": "m", "\u043d": "h", "\u043e": "o",
        "\u0440": "p", "\u0441": "c", "\u0442": "t", "\u0443": "y", "\u0445": "x", "\u0456": "i", "\u0457": "i", "\u0458": "j",
        "\u0455": "s", "\u0501": "d", "\u0261": "g", "\u0578": "n", "\u03b1": "a", "\u03b2": "b", "\u03b5": "e", "\u03b7": "n",
        "\u03b9": "i", "\u03ba": "k", "\u03bd": "v", "\u03bf": "o", "\u03c1": "p", "\u03c4": "t", "\u03c5": "u", "\u03c7": "x",
    }
)  # fmt: skip
_TABLE = {**_INVISIBLE, **_CONTROLS}
# str.translate is fast only on ASCII text with an ASCII table; on other text it looks up
# every character (~1 ms for 4 KB). So each table is applied only when a regex search (a C
# scan) finds one of its characters.
_HAS_TABLE = re.compile("[" + "".join(re.escape(chr(c)) for c in _TABLE) + "]")
_HAS_HOMOGLYPH = re.compile("[" + "".join(re.escape(chr(c)) for c in _HOMOGLYPHS) + "]")
# Common leetspeak substitutions, applied to the whole view: rules are written over words,
# so "1gn0r3" must read "ignore"; numbers become letter soup, which no rule looks for.
_LEET = str.maketrans("0134578@$", "oieastbas")
_LEET_BYTES = bytes.maketrans(b"0134578@$", b"oieastbas")
_SPACED = re.compile(r"\b(?:[a-z][ .\-_*]){3,}[a-z]\b")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")
# Punctuation to spaces, so a plain split gives the words (str.translate's ASCII fast path).
_WORD_TABLE = str.maketrans({c: " " for c in string.punctuation if c != "_"})
MAX_PAYLOADS = 8


@dataclass(frozen=True)
class Normalised:
    """The screened view of a text, its set of words (detectors run a rule only when one of
    its trigger words is present) and the views of base64 payloads decoded from it."""

    text: str
    words: frozenset[str]
    decoded: tuple[Normalised, ...] = ()


def _words(view: str) -> frozenset[str]:
    if not view.isascii():  # trigger words are ASCII; keep translate on its fast path
        view = view.encode("ascii", "replace").decode("ascii")
    return frozenset(view.translate(_WORD_TABLE).split())


def _normalised(text: str, decoded: tuple[Normalised, ...] = ()) -> Normalised:
    view = _view(text)
    words = _words(view)
    # Three or more distinct lone letters (other than "a" and "i") may spell a spaced-out
    # word; only then is the slower joining pass worth its time.
    if len([w for w in words if len(w) == 1 and w not in "ai"]) >= 3:
        view = _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group()), view)
        words = _words(view)
    return Normalised(view, words, decoded)


def _decode(candidate: str) -> str | None:
    """The candidate as text when it is base64 of mostly printable UTF-8, else None."""
    padded = candidate + "=" * (-len(candidate) % 4)
    try:
        raw = base64.b64decode(padded, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    printable = sum(ch.isprintable() or ch in "\n\t" for ch in text)
    letters = sum(ch.isalpha() or ch == " " for ch in text)
    if not text or printable < 0.95 * len(text) or letters < 0.7 * len(text):
        return None
    return text


def _view(text: str) -> str:
    if _HAS_TABLE.search(text):
        text = text.translate(_TABLE)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).casefold()
        if _HAS_HOMOGLYPH.search(text):
            text = text.translate(_HOMOGLYPHS)
    else:
        text = text.lower()
    if text.isascii():
        text = text.translate(_LEET)
    else:  # through UTF-8 bytes: ASCII bytes never occur inside a multi-byte character
        text = text.encode("utf-8").translate(_LEET_BYTES).decode("utf-8")
    # Whitespace collapsed line by line (split/join run in C, unlike a regex pass).
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


@lru_cache(maxsize=64)
def normalise(text: str) -> Normalised:
    """NFKC, casefold, invisible and control characters out, look-alikes and leetspeak to
    letters, spaced letters joined, whitespace collapsed (newlines kept: some attacks are
    line-anchored), plus base64 payloads decoded and normalised the same way."""
    decoded: list[Normalised] = []
    long_token = any(len(token) >= 24 for token in text.split())
    for m in _BASE64.finditer(text) if long_token else ():
        plain = _decode(m.group())
        if plain is not None:
            decoded.append(_normalised(plain))
            if len(decoded) >= MAX_PAYLOADS:
                break
    return _normalised(text, tuple(decoded))
