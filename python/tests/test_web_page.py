"""The /web page played to resolution in headless Chromium (python/browser/play.mjs).

Needs node, `npm ci` in python/browser and Debian's chromium. Without them the test is skipped,
unless KSG_REQUIRE_BROWSER=1 (as python/ci.sh sets), where it fails.
The screenshot goes to $KSG_SCREENSHOT (default target/web-screenshot.png).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ksg import REPO

BROWSER_DIR = REPO / "python" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def missing() -> str:
    if not shutil.which("node"):
        return "node is not installed"
    if not (BROWSER_DIR / "node_modules" / "playwright-core").is_dir():
        return "playwright-core is not installed (npm ci in python/browser)"
    if not Path(CHROMIUM).exists():
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    return ""


def test_play_an_incident_in_the_browser(server, fix):
    why = missing()
    if why:
        if os.environ.get("KSG_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    shot = Path(os.environ.get("KSG_SCREENSHOT", REPO / "target" / "web-screenshot.png")).resolve()
    shot.parent.mkdir(parents=True, exist_ok=True)
    args = ["node", str(BROWSER_DIR / "play.mjs"), "--url", server.base_url, "--incident", fix.incident,
            "--split", "test", "--tier", "warmup", "--screenshot", str(shot),
            # The fault as the CLI names it must not reach the page.
            "--forbid", fix.fault, "--forbid", fix.fault.split(":")[0]]
    for c in fix.commands:
        args += ["--fix", c]
    out = subprocess.run(args, capture_output=True, text=True, timeout=180, env=dict(os.environ, CHROMIUM=CHROMIUM))
    assert out.returncode == 0, f"{fix}\n{out.stdout}\n{out.stderr}"
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["incident"] == fix.incident
    assert "Resolved" in seen["status"]
    assert shot.is_file() and shot.stat().st_size > 10_000
