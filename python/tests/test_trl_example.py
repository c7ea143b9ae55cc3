"""The TRL tool environment of examples/train_grpo.py, driven as TRL would (without TRL)."""

from __future__ import annotations

import importlib.util

import pytest

from ksg import REPO


def load_example(monkeypatch, url):
    monkeypatch.setenv("KSG_URL", url)
    spec = importlib.util.spec_from_file_location("train_grpo", REPO / "python" / "examples" / "train_grpo.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_tool_env_plays_an_incident(server, fix, monkeypatch):
    mod = load_example(monkeypatch, server.base_url)
    envs = [mod.KubeSreToolEnv() for _ in range(2)]
    # A GRPO group: the same row (incident) for every generation.
    alerts = [e.reset(prompt="...", incident=fix.incident) for e in envs]
    assert alerts[0] and alerts[0] == alerts[1]
    good, idle = envs
    assert "NAMESPACE" in good.kubectl("kubectl get pods -A")
    for c in fix.commands:
        good.kubectl(c)
    for _ in range(10):
        if good.done:
            break
        good.kubectl("kubectl get pods -A")
    assert good.done and good.reward > 0
    with pytest.raises(ValueError):
        good.kubectl("kubectl get ns")
    idle.kubectl("kubectl get ns")
    rewards = mod.reward_func([good, idle])
    assert rewards[0] > rewards[1]
