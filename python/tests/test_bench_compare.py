"""`kube-sre-gym bench compare` against the Python reference server (openenv-core's echo
environment, python/bench/reference_echo.py) for one short level. Needs openenv-core 0.3.x with
its server (python/ci.sh's core030 venv); elsewhere it is skipped."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from typing import Iterator

import pytest

from ksg import REPO, free_port, server_binary


@pytest.fixture(scope="module")
def reference() -> Iterator[str]:
    pytest.importorskip("openenv.cli.commands.init")
    pytest.importorskip("uvicorn")
    port = free_port()
    log = open(os.environ.get("KSG_TEST_LOGS", "/tmp") + f"/reference-echo-{port}.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "python" / "bench" / "reference_echo.py"), "--port", str(port),
         "--max-sessions", "8"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"the reference server exited with {proc.returncode}"
            try:
                with opener.open(url + "/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the reference server was not healthy after 120 s"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(server_binary()), "bench", "compare", *args],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "RUST_LOG": "warn"},
    )


def test_compare_prints_both_servers_and_their_ratio(reference):
    r = bench("--python-url", reference, "--sessions", "1,4", "--duration", "1s")
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines() if re.match(r"^\s+\d+\s", line)]
    assert [row[0] for row in rows] == ["1", "4"], r.stdout
    for row in rows:
        ours, theirs, ratio = float(row[2]), float(row[5]), row[8]
        assert ours > 0 and theirs > 0
        assert ratio.endswith("x") and float(ratio[:-1]) == pytest.approx(ours / theirs, rel=0.05, abs=0.1)


def test_compare_refuses_a_wrong_action_shape(reference):
    # The echo environment takes `message`; `command` steps are all refused, so no ratio.
    r = bench("--python-url", reference, "--python-action-field", "command", "--sessions", "1", "--duration", "1s")
    assert r.returncode != 0
    assert "refused" in r.stderr and "reference at 1 sessions: 0 steps" in r.stderr, r.stderr
