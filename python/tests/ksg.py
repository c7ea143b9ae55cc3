"""Test helpers: start the kube-sre-gym server binary, talk raw JSON to it, pick incidents.

The binary is `$KSG_SERVER_BIN`, else `target/release/kube-sre-gym`, else `target/debug/...`
(relative to the repository root, or to `$CARGO_TARGET_DIR`).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parents[2]


def server_binary() -> Path:
    env = os.environ.get("KSG_SERVER_BIN")
    if env:
        p = Path(env)
        if not p.is_file():
            raise FileNotFoundError(f"KSG_SERVER_BIN={env} is not a file")
        return p
    roots = [Path(os.environ["CARGO_TARGET_DIR"])] if os.environ.get("CARGO_TARGET_DIR") else []
    roots.append(REPO / "target")
    for root in roots:
        for profile in ("release", "debug"):
            p = root / profile / "kube-sre-gym"
            if p.is_file():
                return p
    raise FileNotFoundError(
        "no kube-sre-gym binary: build it (cargo build --release -p kube-sre-gym) "
        "or set KSG_SERVER_BIN"
    )


SERVER_ENV = {"PORT", "MAX_CONCURRENT_ENVS", "API_KEY", "CURRICULUM_FILE", "GYM_MODE", "MAX_STEPS",
              "EVAL_MIN_DIFFICULTY"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `kube-sre-gym serve` process on a free loopback port."""

    def __init__(self, *args: str, api_key: Optional[str] = None, env: Optional[Dict[str, str]] = None):
        self.port = free_port()
        self.api_key = api_key
        self.args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), *args]
        if api_key is not None:
            self.args += ["--api-key", api_key]
        self.proc: Optional[subprocess.Popen] = None
        self.log_path: Optional[Path] = None
        self.extra_env = env or {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self, timeout_s: float = 60.0) -> "Server":
        log_dir = Path(os.environ.get("KSG_TEST_LOGS", "/tmp"))
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"kube-sre-gym-serve-{self.port}.log"
        log = open(self.log_path, "wb")
        # The binary reads these as defaults for its flags: a test says what it wants itself.
        env = {k: v for k, v in os.environ.items() if k not in SERVER_ENV}
        env.update(self.extra_env)
        env.setdefault("RUST_LOG", "warn")
        self.proc = subprocess.Popen(
            [str(server_binary()), *self.args], stdout=log, stderr=subprocess.STDOUT, env=env
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                status, _, _ = http(self, "GET", "/health", timeout=2)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"server not healthy after {timeout_s} s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:] if self.log_path else ""
        except OSError:
            return ""

    def terminate(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def http(
    server: Server,
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: Optional[bytes] = None,
    headers: Optional[Dict[str, str]] = None,
    key: Optional[str] = "default",
    timeout: float = 30,
) -> Tuple[int, Dict[str, str], bytes]:
    """One HTTP request; returns (status, headers, body). `key="default"` sends the server's key."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    h = {"Content-Type": "application/json"} if data is not None else {}
    if key == "default":
        key = server.api_key
    if key is not None:
        h["Authorization"] = f"Bearer {key}"
    h.update(headers or {})
    req = urllib.request.Request(server.base_url + path, data=data, method=method, headers=h)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def http_json(server: Server, method: str, path: str, body: Any = None, **kw: Any) -> Tuple[int, Any]:
    status, _, data = http(server, method, path, body, **kw)
    try:
        return status, json.loads(data)
    except ValueError:
        return status, data.decode(errors="replace")


# ---------------------------------------------------------------------------------------------
# Incidents and their fixes, read from the CLI (ground truth stays in the test, never in a frame)


@dataclass
class Fix:
    incident: str
    fault: str  # e.g. oom-limit:payments/payment-api
    commands: List[str]


def _fix_commands(mechanism: str, namespace: str, workload: str) -> Optional[List[str]]:
    """A known repair per warmup mechanism (the routes of crates/gym/tests/catalogue.rs)."""
    kind, _, name = workload.rpartition("/")
    kind = kind or "deployment"
    target = f"{kind}/{name}"
    if mechanism == "oom-limit":
        return [f"kubectl set resources {target} -n {namespace} --limits=memory=512Mi --requests=memory=128Mi"]
    if mechanism == "failing-command":
        return [
            f"kubectl patch {target} -n {namespace} --type json "
            """-p '[{"op":"remove","path":"/spec/template/spec/containers/0/command"}]'"""
        ]
    if mechanism == "missing-image-tag":
        return [f"kubectl rollout undo {target} -n {namespace}"]
    if mechanism == "scaled-to-zero":
        return [f"kubectl scale {target} -n {namespace} --replicas=2"]
    return None


FAULTS_RE = re.compile(r"faults=\[([^\]]*)\]")
FAULT_RE = re.compile(r"^([a-z][a-z0-9-]*):([a-z0-9-]+)/([a-z0-9-]+)$")


def cli(*args: str, timeout: float = 120) -> str:
    out = subprocess.run(
        [str(server_binary()), *args], capture_output=True, text=True, timeout=timeout, check=True
    )
    return out.stdout


def warmup_fixes(
    count: int = 40,
    split: str = "test",
    mechanisms: Tuple[str, ...] = ("oom-limit", "failing-command", "scaled-to-zero", "missing-image-tag"),
) -> List[Fix]:
    """Warmup incidents with one fault of a mechanism we know a fix for, from the CLI's listing
    (`scenarios list` prints each incident's faults; the page and the frames never do)."""
    fixes = []
    listing = cli("scenarios", "list", "--tier", "warmup", "--split", split, "--count", str(count))
    for line in listing.splitlines():
        m = FAULTS_RE.search(line)
        if not m:
            continue
        faults = [f.strip() for f in m.group(1).split(",") if f.strip()]
        if len(faults) != 1:
            continue
        fm = FAULT_RE.match(faults[0])
        if not fm or fm.group(1) not in mechanisms:
            continue
        commands = _fix_commands(*fm.groups())
        if commands:
            fixes.append(Fix(line.split()[0], faults[0], commands))
    return fixes
