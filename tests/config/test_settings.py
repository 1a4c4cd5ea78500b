"""Settings come from the environment; production refuses to start without its secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'db': s.DATABASES['default']['ENGINE'], "
    "'broker': s.CELERY_BROKER_URL, 'keys': len(s.BYOK_ENCRYPTION_KEYS), "
    "'hsts': s.SECURE_HSTS_SECONDS, 'secure_cookie': s.SESSION_COOKIE_SECURE}))"
)


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BYOK_", "DATABASE_URL", "CELERY_", "SECRET_KEY", "DEBUG"))
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", "BYOK_VAR_DIR": str(tmp_path)})
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_refuses_to_start_in_production_without_encryption_keys(tmp_path: Path) -> None:
    result = _run(tmp_path, SECRET_KEY="x" * 50)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "BYOK_ENCRYPTION_KEYS is not set" in lines[0]
    assert "Traceback" not in result.stderr


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path: Path) -> None:
    result = _run(tmp_path)
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr


def test_it_creates_a_development_key_once_and_keeps_it(tmp_path: Path) -> None:
    first = _run(tmp_path, DEBUG="1")
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "encryption.key"
    key = key_file.read_text()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert _run(tmp_path, DEBUG="1").returncode == 0
    assert key_file.read_text() == key


def test_it_defaults_to_an_embedded_setup_with_safe_production_headers(tmp_path: Path) -> None:
    import json

    result = _run(tmp_path, SECRET_KEY="x" * 50, BYOK_ENCRYPTION_KEYS="a" * 43 + "=")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["db"] == "django.db.backends.sqlite3"
    assert info["broker"] == "filesystem://"
    assert info["debug"] is False
    assert info["hsts"] > 0
    assert info["secure_cookie"] is True


@pytest.mark.parametrize("level", ["verbose", "ALL"])
def test_it_rejects_an_unknown_outbound_log_level(tmp_path: Path, level: str) -> None:
    result = _run(tmp_path, DEBUG="1", OUTBOUND_LOG_LEVEL=level)
    assert result.returncode == 2
    assert "OUTBOUND_LOG_LEVEL" in result.stderr


def test_it_switches_to_postgres_and_redis_from_the_environment(tmp_path: Path) -> None:
    import json

    result = _run(
        tmp_path,
        DEBUG="1",
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/3",
    )
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["db"] == "django.db.backends.postgresql"
    assert info["broker"] == "redis://127.0.0.1:6379/3"


def test_it_refuses_a_malformed_encryption_key_without_echoing_it(tmp_path: Path) -> None:
    result = _run(tmp_path, SECRET_KEY="x" * 50, BYOK_ENCRYPTION_KEYS="not-a-key-SECRETISH")
    assert result.returncode == 2
    assert "entry 1 is not a Fernet key" in result.stderr
    assert "SECRETISH" not in result.stderr


def test_it_pools_postgres_connections_when_asked(tmp_path: Path) -> None:
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; print(json.dumps([d['CONN_MAX_AGE'], d['OPTIONS']['pool']]))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BYOK_", "DATABASE_URL"))}
    clean.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        BYOK_VAR_DIR=str(tmp_path),
        DEBUG="1",
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
        DB_POOL_MAX_SIZE="40",
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    import json

    max_age, pool = json.loads(result.stdout)
    assert max_age == 0
    assert pool["max_size"] == 40
