"""`make run`: one command that brings the whole console up on a bare machine.

Migrates, seeds the catalogue and the demo, then starts the provider sandbox, the web server,
a Celery worker and Celery beat as child processes, prints the URL and the demo logins, and
stops everything on Ctrl-C (or when any child dies).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB_PORT = int(os.environ.get("PORT", "8000"))
SANDBOX_PORT = int(os.environ.get("SANDBOX_PORT", "8900"))


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    origins = {o for o in env.get("BYOK_ALLOWED_ENDPOINTS", "").split(",") if o}
    sandbox = {
        f"{scheme}://{host}:{SANDBOX_PORT}"
        for scheme in ("http", "https")
        for host in ("127.0.0.1", "localhost")
    }
    env["BYOK_ALLOWED_ENDPOINTS"] = ",".join(sorted(origins | sandbox))
    env.setdefault("BYOK_SANDBOX_URL", f"http://127.0.0.1:{SANDBOX_PORT}")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _prepare(sandbox_url: str) -> list[tuple[str, str, str]]:
    """Migrate and seed; return (role, username, password) for the demo logins.

    A demo password is only known when the user is created; it is kept in var/ (mode 0600)
    so later starts can print it again. A password changed since is not printed.
    """
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from core.roles import Role
    from sandbox.demo import seed_demo

    call_command("migrate", interactive=False, verbosity=0)
    result = seed_demo(sandbox_url)
    store = Path(settings.VAR_DIR) / "demo-logins.json"
    known: dict[str, str] = json.loads(store.read_text()) if store.exists() else {}
    known.update(result.created_users)
    store.write_text(json.dumps(known, indent=2))
    store.chmod(0o600)

    logins = []
    roles = [(role.value, role.label) for role in Role] + [("", "Django admin")]
    for group, label in roles:
        users = (
            User.objects.filter(groups__name=group)
            if group
            else User.objects.filter(is_superuser=True)
        )
        user = users.order_by("id").first()
        if user is None:
            continue
        password = known.get(user.username, "")
        if not password or not user.check_password(password):
            password = f"(changed; reset with manage.py changepassword {user.username})"
        logins.append((label, user.username, password))
    return logins


def _wait_for(url: str, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return True
        except OSError:
            time.sleep(0.3)
    return False


def main() -> int:
    env = _environment()
    os.environ.update(env)
    os.chdir(ROOT)
    sandbox_url = f"http://127.0.0.1:{SANDBOX_PORT}"
    logins = _prepare(sandbox_url)

    celery = [sys.executable, "-m", "celery", "-A", "config"]
    children = {
        "sandbox": [sys.executable, "manage.py", "run_sandbox", "--port", str(SANDBOX_PORT)],
        "web": [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{WEB_PORT}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--access-logfile",
            "-",
        ],
        "worker": [*celery, "worker", "--pool", "threads", "--concurrency", "32", "-l", "INFO"],
        "beat": [*celery, "beat", "-l", "INFO"],
    }
    procs = {name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in children.items()}

    def stop(*_: object) -> None:
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        ready = _wait_for(f"http://127.0.0.1:{WEB_PORT}/login/")
        print("\n" + "=" * 64)
        print(f"BYOK Console {'is up' if ready else 'is starting'}: http://127.0.0.1:{WEB_PORT}/")
        print(f"Django admin: http://127.0.0.1:{WEB_PORT}/django-admin/")
        print(f"Provider sandbox: {sandbox_url}")
        for label, username, password in logins:
            print(f"  {label:<20} {username:<16} {password}")
        print("Ctrl-C stops everything.")
        print("=" * 64 + "\n", flush=True)
        while True:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"{name} stopped (exit {proc.returncode}); stopping the console.")
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
