from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from sandbox.devserver import _prepare

pytestmark = pytest.mark.django_db


def test_it_prints_working_demo_logins_on_every_start(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path
    first = _prepare("http://127.0.0.1:8900")
    assert [label for label, _, _ in first] == [
        "BYOK administrator",
        "BYOK operator",
        "BYOK auditor",
        "Data steward",
        "Platform operator",
        "Django admin",
    ]
    for _, username, password in first:
        assert authenticate(username=username, password=password) is not None
    assert _prepare("http://127.0.0.1:8900") == first
    assert oct((tmp_path / "demo-logins.json").stat().st_mode & 0o777) == "0o600"


def test_it_does_not_print_a_password_changed_since(settings, tmp_path) -> None:
    from django.contrib.auth.models import User

    settings.VAR_DIR = tmp_path
    _prepare("http://127.0.0.1:8900")
    user = User.objects.get(username="operator")
    user.set_password("my-own-password-42")
    user.save()
    logins = {name: pw for _, name, pw in _prepare("http://127.0.0.1:8900")}
    assert logins["operator"].startswith("(changed")
