"""LiteLLM's own virtualenv (var/bench-litellm), installed from requirements/bench-litellm.lock.

LiteLLM is what users would pick instead of the console, so the bench times it, but it is
never a dependency of the product: it gets a virtualenv of its own, installed with `uv` from
a pinned lock file whose every artifact carries a hash (`--require-hashes`), and is only ever
run as a separate process (`bench/litellm_driver.py`). The virtualenv is rebuilt when the lock
changes (its hash is kept in a stamp file). To update the pin, edit the `.in` file and run
`uv pip compile requirements/bench-litellm.in --generate-hashes --python-version 3.11
-o requirements/bench-litellm.lock`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.env import ROOT

VENV = ROOT / "var" / "bench-litellm"
LOCK = ROOT / "requirements" / "bench-litellm.lock"
STAMP = VENV / ".installed"
INSTALL_TIMEOUT_S = 600


def python() -> Path:
    return VENV / "bin" / "python"


def ensure() -> tuple[Path | None, str]:
    """(the virtualenv's python, "") once installed and current; (None, why) when it cannot be."""
    if not LOCK.exists():
        return None, f"{LOCK.relative_to(ROOT)} is missing"
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if python().exists() and STAMP.exists() and STAMP.read_text().strip() == digest:
        return python(), ""
    uv = shutil.which("uv")
    if uv is None:
        return None, "uv is not installed (`make install` brings it)"
    shutil.rmtree(VENV, ignore_errors=True)
    start = time.monotonic()
    steps = (
        # The bench's own interpreter, so both sides of the comparison run the same Python.
        [uv, "venv", "--quiet", "--python", os.path.realpath(sys.executable), str(VENV)],
        [uv, "pip", "sync", "--quiet", "--require-hashes", "--python", str(python()), str(LOCK)],
    )
    for step in steps:
        try:
            subprocess.run(
                step, check=True, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            shutil.rmtree(VENV, ignore_errors=True)
            return None, f"`uv {step[1]}` did not finish in {INSTALL_TIMEOUT_S} s (offline?)"
        except subprocess.CalledProcessError as exc:
            shutil.rmtree(VENV, ignore_errors=True)
            return None, f"`uv {step[1]}` failed (offline?): {_first_error(exc)}"
    STAMP.write_text(digest)
    print(
        f"  installed LiteLLM's virtualenv ({VENV.relative_to(ROOT)}) from "
        f"{LOCK.relative_to(ROOT)} in {time.monotonic() - start:.1f} s",
        flush=True,
    )
    return python(), ""


def _first_error(exc: subprocess.CalledProcessError) -> str:
    """uv's `error:` line and its hint (which says when the network was the cause), else the
    last line it printed."""
    lines = [ln.strip() for ln in (exc.stderr or exc.stdout or "").splitlines() if ln.strip()]
    picked = [ln for ln in lines if ln.lower().startswith(("error", "hint"))]
    return "; ".join(picked) if picked else (lines[-1] if lines else str(exc))
