from __future__ import annotations

import pytest

from core.errors import ErrorCode
from providers.adapters.base import ErrorKind


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_it_has_a_code_for_every_provider_error_kind(kind: ErrorKind) -> None:
    assert ErrorCode.for_provider(kind.value) == f"provider_{kind.value}"


def test_it_refuses_a_kind_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="provider_nonsense"):
        ErrorCode.for_provider("nonsense")


def test_every_code_has_a_message() -> None:
    assert all(code.label and code.label != code.value for code in ErrorCode)
