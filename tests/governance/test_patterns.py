"""Each built-in data pattern: what it must find, and the near misses it must leave alone."""

from __future__ import annotations

import pytest

from skills.governance.patterns import BUILTIN_PATTERNS, iban_ok, luhn_ok, verhoeff_ok


def found(key: str, text: str) -> list[str]:
    return [text[s:e] for s, e in BUILTIN_PATTERNS[key].matches(text)]


HITS = {
    "email": [
        "ada.lovelace@example.com",
        "ops+alerts@mail.example.co.uk",
        "x_y%z@sub-1.example.org",
    ],
    "phone": [
        "+44 20 7946 0958",
        "+1 (415) 555-0132",
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "020 7946 0958",
        "+33 1 23 45 67 89",
        "+919876543210",
    ],
    "card": [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "5500 0000 0000 0004",
        "3782 822463 10005",
        "6011000990139424",
    ],
    "iban": [
        "GB82 WEST 1234 5698 7654 32",
        "GB82WEST12345698765432",
        "DE89 3704 0044 0532 0130 00",
        "FR14 2004 1010 0505 0001 3M02 606",
        "NL91ABNA0417164300",
    ],
    "us_ssn": ["123-45-6789", "078-05-1121"],
    "uk_nino": ["AB 12 34 56 C", "AB123456C", "JG103759A"],
    "in_aadhaar": ["2341 2341 2346", "234123412346", "4991-1866-5246"],
    "ipv4": ["192.168.1.10", "10.0.0.1", "255.255.255.255", "8.8.8.8"],
    "ipv6": [
        "2001:db8::1",
        "fe80::1ff:fe23:4567:890a",
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        "::ffff:192.0.2.128",
    ],
}

MISSES = {
    "email": ["user@localhost", "@handle", "a@b", "name@domain.c", "first..last@example.com"],
    "phone": [
        "2024-01-15",
        "2024-01-15T10:30:00Z",
        "10:30:00",
        "12345",
        "INC0012345",
        "555-1234",
        "1.2.3",
        "3.14159",
        "order 123456789",
        "555-123.4567",
        "000-000-0000",
    ],
    "card": [
        "4111 1111 1111 1112",
        "1234 5678 9012 3456",
        "0000 0000 0000 0000",
        "4111 1111-1111 1111",
        "41111111111111111111111",
    ],
    "iban": [
        "GB82 WEST 1234 5698 7654 33",
        "GB00 WEST 1234 5698 7654 32",
        "DE89 3704 0044 0532 0130",
        "XX12 ABCD",
    ],
    "us_ssn": [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "123-00-4567",
        "123-45-0000",
        "123456789",
        "1123-45-6789",
    ],
    "uk_nino": ["GB 12 34 56 C", "AB 12 34 56 E", "DA 12 34 56 C", "AB 12-34 56 C"],
    "in_aadhaar": ["2341 2341 2347", "1341 2341 2346", "2341 2341 23460"],
    "ipv4": [
        "256.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "v1.2.3.4",
        "01.02.03.04",
        "192.168.1",
        "10.0.19041.1234",
    ],
    "ipv6": ["10:30:00", "std::vector", "a:b", "::", "12:34:56:78", "fe80:::1"],
}


@pytest.mark.parametrize(("key", "value"), [(k, v) for k, vs in HITS.items() for v in vs])
def test_it_finds_each_true_positive_whole_inside_a_sentence(key, value):
    assert found(key, f"Please check {value}, thanks.") == [value]


@pytest.mark.parametrize(("key", "value"), [(k, v) for k, vs in MISSES.items() for v in vs])
def test_it_leaves_near_misses_alone(key, value):
    assert found(key, f"Please check {value} today") == []


def test_the_keys_are_the_interfaces():
    assert set(BUILTIN_PATTERNS) == {
        "email",
        "phone",
        "card",
        "iban",
        "us_ssn",
        "uk_nino",
        "in_aadhaar",
        "ipv4",
        "ipv6",
    }
    for key, p in BUILTIN_PATTERNS.items():
        assert p.key == key
        assert p.label
        assert p.placeholder_kind.isupper()


def test_the_checksums():
    assert luhn_ok("79927398713")
    assert not luhn_ok("79927398710")
    assert iban_ok("GB82WEST12345698765432")
    assert not iban_ok("GB82WEST12345698765431")
    assert verhoeff_ok("2363")
    assert not verhoeff_ok("2364")


def test_no_pattern_flags_a_plain_service_desk_text():
    text = (
        "INC0010234 opened 2024-03-05 10:42:17 by the service desk. Build 4.2.1.7 failed on "
        "node web-03 after upgrading to version 10.0.19041; priority 2, impact 3, 45 users. "
        "Change CHG0030021 scheduled for 2024-03-06T22:00:00Z, rollback in 15 minutes."
    )
    assert {k: found(k, text) for k in BUILTIN_PATTERNS} == {k: [] for k in BUILTIN_PATTERNS}


@pytest.mark.parametrize(("key", "value"), [(k, v) for k, vs in HITS.items() for v in vs])
def test_it_finds_each_value_alone_and_at_the_edges_of_the_text(key, value):
    assert found(key, value) == [value]
    assert found(key, f"({value})") == [value]


@pytest.mark.parametrize(
    "text", ["4111111111111111abc", "x4111 1111 1111 1111", "192.168.1.10a", "123-45-6789-1"]
)
def test_a_number_running_into_a_word_or_another_number_is_not_matched(text):
    assert {k: found(k, text) for k in BUILTIN_PATTERNS} == {k: [] for k in BUILTIN_PATTERNS}
