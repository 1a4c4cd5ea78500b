"""The thin commands: readable one-line failures, and what they print on success."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from console.services.config_io import export_document
from providers.models import Connection
from tests.console.test_config_io import AZURE_KEY, catalogue, example  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_a_file_and_says_what_changed(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(example()))
    out, _ = run("byok_import", str(path))
    assert "4 connections created" in out
    assert Connection.objects.count() == 4
    out, _ = run("byok_import", str(path))
    assert "nothing to change" in out


def test_it_prints_each_error_and_fails_without_writing(tmp_path: Path) -> None:
    doc = example()
    doc["connections"][0]["credentials"] = {}
    doc["alias_mappings"][0]["alias"] = "gpt_huge"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("byok_import", str(path), stdout=StringIO(), stderr=err)
    assert str(exc.value) == f"2 error(s) in {path}; nothing was imported."
    assert err.getvalue().splitlines() == [
        "connections[0].credentials.api_key: required for azure_openai (or give entra_token)",
        "alias_mappings[0].alias: unknown model alias 'gpt_huge'",
    ]
    assert not Connection.objects.exists()


def test_it_fails_with_one_line_on_a_missing_file_or_invalid_json(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"^.*missing\.json: no such file$"):
        run("byok_import", str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": 1,')
    with pytest.raises(CommandError) as exc:
        run("byok_import", str(broken))
    assert str(exc.value).startswith(f"{broken}: not valid JSON (")
    assert "\n" not in str(exc.value)


def test_it_exits_non_zero_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "byok_import", str(tmp_path / "nope.json")],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "DEBUG": "1"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"CommandError: {tmp_path / 'nope.json'}: no such file"
    ]


def test_it_exports_to_stdout_or_a_file_without_secrets(tmp_path: Path) -> None:
    run("byok_import", _write(tmp_path, example()))
    out, _ = run("byok_export")
    assert json.loads(out) == export_document()
    assert AZURE_KEY not in out
    target = tmp_path / "export.json"
    _, err = run("byok_export", "--out", str(target))
    assert json.loads(target.read_text()) == export_document()
    assert str(target) in err


def test_it_reports_an_unwritable_export_target(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot write the file"):
        run("byok_export", "--out", str(tmp_path / "no" / "such" / "dir.json"))


def test_seed_catalog_says_nothing_changed_on_a_rerun() -> None:
    out, _ = run("seed_catalog")
    assert out.strip() == "Catalogue: nothing to change."


def test_seed_demo_prints_passwords_once(settings) -> None:
    settings.BYOK_ALLOWED_ENDPOINTS = ["http://127.0.0.1:*"]
    out, _ = run("seed_demo", "--sandbox-url", "http://127.0.0.1:8900")
    assert "Created user admin with password " in out
    assert "Created user auditor with password " in out
    out, _ = run("seed_demo")
    assert "password " not in out.replace("its password is unchanged", "")
    assert "User operator exists; its password is unchanged." in out


def test_seed_demo_fails_with_one_line_on_a_host_not_allowed(settings) -> None:
    settings.BYOK_ALLOWED_ENDPOINTS = []
    with pytest.raises(CommandError) as exc:
        run("seed_demo", "--sandbox-url", "http://127.0.0.1:8900")
    assert str(exc.value) == (
        "The sandbox http://127.0.0.1:8900 is not in BYOK_ALLOWED_ENDPOINTS; add it "
        "(e.g. BYOK_ALLOWED_ENDPOINTS=http://127.0.0.1:8900) and run again."
    )


def _write(tmp_path: Path, doc: dict) -> str:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc))
    return str(path)
