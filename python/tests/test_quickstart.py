"""The original README's quick start, run as a script with this venv's OpenEnv."""

from __future__ import annotations

import subprocess
import sys

from ksg import REPO


def test_quick_start_runs_unchanged(server):
    out = subprocess.run([sys.executable, str(REPO / "python" / "examples" / "quickstart.py"), server.base_url],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines and lines[0].strip(), "the alert is printed first"
    assert "NAMESPACE" in out.stdout
    assert "steps: 3" in lines[-1]
    assert lines[-2].startswith("reward: ")
