"""64 sessions at once, each with its own episode (OpenEnv's GenericEnvClient, one per thread)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from openenv.core import GenericEnvClient

from ksg import http

SESSIONS = 64
COMMANDS = ["kubectl get ns", "kubectl get pods -A", "kubectl get deployments -A", "kubectl get events -A"]


def active_sessions(server) -> float:
    _, _, body = http(server, "GET", "/metrics")
    for line in body.decode().splitlines():
        if line.startswith("kube_sre_gym_sessions_active") or line.startswith("sessions_active"):
            return float(line.split()[-1])
    raise AssertionError("no sessions_active gauge in /metrics")


def test_64_parallel_sessions_are_isolated(server):
    barrier = threading.Barrier(SESSIONS + 1, timeout=120)

    def run(i: int):
        c = GenericEnvClient(base_url=server.base_url)
        env = c.sync() if hasattr(c, "sync") else c
        with env:
            first = env.reset(seed=1000 + i % 8, episode_id=f"iso-{i}")
            barrier.wait()  # every session open and reset at once
            barrier.wait()  # the gauge has been read
            steps = 1 + i % 4
            for k in range(steps):
                r = env.step({"command": COMMANDS[(i + k) % len(COMMANDS)]})
                assert r.observation["steps_taken"] == k + 1
            state = env.state()
            return i, first.observation["command_output"], state

    with ThreadPoolExecutor(SESSIONS) as pool:
        futures = [pool.submit(run, i) for i in range(SESSIONS)]
        barrier.wait()
        active = active_sessions(server)
        barrier.wait()
        results = [f.result(timeout=300) for f in futures]

    assert active >= SESSIONS, active
    alerts_by_seed = {}
    for i, alert, state in results:
        assert state["episode_id"] == f"iso-{i}"
        assert state["step_count"] == 1 + i % 4
        alerts_by_seed.setdefault(i % 8, set()).add(alert)
    # Sessions reset with the same seed got the same incident, whatever the others did.
    assert all(len(a) == 1 for a in alerts_by_seed.values()), alerts_by_seed
