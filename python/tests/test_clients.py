"""The server driven by OpenEnv's own GenericEnvClient and by this package's typed client."""

from __future__ import annotations

import asyncio
import inspect
import json

import pytest

from openenv.core import GenericEnvClient
from openenv.core.env_client import EnvClient

from kube_sre_gym import KubeSreGymAction, KubeSreGymEnv, KubeSreGymObservation, KubeSreGymState

ASYNC_CLIENT = inspect.iscoroutinefunction(EnvClient.reset) or hasattr(EnvClient, "_dispatch")


def generic(server):
    c = GenericEnvClient(base_url=server.base_url)
    return c.sync() if hasattr(c, "sync") else c


def test_generic_client_reset_step_state_close(server):
    with generic(server) as env:
        r = env.reset(seed=3, episode_id="generic-1")
        assert r.done is False
        assert r.observation["command_output"]
        assert r.observation["active_alerts"]
        r = env.step({"command": "kubectl get pods -A"})
        assert "NAMESPACE" in r.observation["command_output"]
        assert isinstance(r.reward, float)
        state = env.state()
        assert state["episode_id"] == "generic-1" and state["step_count"] == 1


def test_generic_client_errors_are_runtime_errors(server):
    with generic(server) as env:
        with pytest.raises(RuntimeError, match=r"\(code: EXECUTION_ERROR\)"):
            env.step({"command": "kubectl get pods -A"})
        env.reset()
        with pytest.raises(RuntimeError, match=r"Invalid message \(code: VALIDATION_ERROR\)"):
            env.step({"cmd": "kubectl get pods"})
        with pytest.raises(RuntimeError, match=r"\(code: VALIDATION_ERROR\)"):
            env.step({"command": ""})
        # Still usable.
        assert env.step({"command": "kubectl get ns"}).observation["steps_taken"] == 1


@pytest.mark.skipif(not ASYNC_CLIENT, reason="this OpenEnv client is synchronous only")
def test_generic_client_async(server):
    async def main():
        async with GenericEnvClient(base_url=server.base_url) as env:
            r = await env.reset(episode_id="async-1")
            r = await env.step({"command": "kubectl get ns"})
            return r, await env.state()

    r, state = asyncio.run(main())
    assert "kube-system" in r.observation["command_output"]
    assert state["episode_id"] == "async-1"


def test_typed_quick_start(server):
    # The original README's quick start, against an incident of the payments shop.
    with KubeSreGymEnv(base_url=server.base_url) as client:
        obs = client.reset(fault_types=["oom_kill"], difficulty="warmup")
        assert isinstance(obs.observation, KubeSreGymObservation)
        assert obs.observation.command_output  # PagerDuty alert
        assert obs.observation.active_alerts
        obs = client.step(KubeSreGymAction(command="kubectl get pods -A"))
        assert "NAMESPACE" in obs.observation.command_output
        assert obs.observation.steps_taken == 1
        assert isinstance(obs.reward, float)
        assert "breakdown" in obs.observation.metadata
        state = client.state()
        assert isinstance(state, KubeSreGymState)
        assert state.step_count == 1 and state.tier == "warmup"
        assert not hasattr(state, "root_cause") and not hasattr(state, "correct_fix")


def test_typed_client_resolves_an_incident(server, fix):
    with KubeSreGymEnv(base_url=server.base_url) as client:
        r = client.reset(incident=fix.incident, episode_id="resolve-1")
        assert not r.done
        total = 0.0
        r = client.step(KubeSreGymAction(command="kubectl get pods -A"))
        total += r.reward
        for c in fix.commands:
            r = client.step(KubeSreGymAction(command=c))
            total += r.reward
        for _ in range(r.observation.max_steps):
            if r.done:
                break
            r = client.step(KubeSreGymAction(command="kubectl get pods -A"))
            total += r.reward
        assert r.done, f"{fix} not resolved: {r.observation.command_output}"
        meta = r.observation.metadata
        assert meta.get("resolved") is True and meta.get("terminated") is True, meta
        assert r.reward > 0, meta
        assert r.observation.active_alerts == []
        state = client.state()
        assert state.is_resolved and state.done
        assert abs(state.cumulative_reward - total) < 1e-6
        # A finished episode refuses steps until the next reset.
        with pytest.raises(RuntimeError, match="EXECUTION_ERROR"):
            client.step(KubeSreGymAction(command="kubectl get pods -A"))
        assert client.reset(incident=fix.incident).observation.steps_taken == 0


def test_typed_client_sync_wrapper(server):
    env = KubeSreGymEnv(base_url=server.base_url).sync()
    with env:
        assert env.reset().observation.command_output
        assert env.step(KubeSreGymAction(command="kubectl get ns")).observation.steps_taken == 1


@pytest.mark.skipif(not ASYNC_CLIENT, reason="this OpenEnv client is synchronous only")
def test_typed_client_async(server):
    async def main():
        async with KubeSreGymEnv(base_url=server.base_url) as client:
            r = await client.reset(episode_id="typed-async")
            r = await client.step(KubeSreGymAction(command="kubectl get ns"))
            return r, await client.state()

    r, state = asyncio.run(main())
    assert r.observation.steps_taken == 1 and state.episode_id == "typed-async"


def test_typed_client_sync_inside_a_running_loop(server):
    """As in a notebook: the synchronous quick start inside a running event loop."""

    async def main():
        with KubeSreGymEnv(base_url=server.base_url) as client:
            obs = client.reset()
            alert = obs.observation.command_output
            obs = client.step(KubeSreGymAction(command="kubectl get ns"))
            return alert, obs.observation.steps_taken, client.state().step_count

    alert, steps, count = asyncio.run(main())
    assert alert and steps == 1 and count == 1


def test_sessions_by_typed_client_are_apart(server):
    with KubeSreGymEnv(base_url=server.base_url) as a, KubeSreGymEnv(base_url=server.base_url) as b:
        a.reset(episode_id="a")
        b.reset(episode_id="b")
        a.step(KubeSreGymAction(command="kubectl get ns"))
        a.step(KubeSreGymAction(command="kubectl get pods -A"))
        assert (a.state().episode_id, a.state().step_count) == ("a", 2)
        assert (b.state().episode_id, b.state().step_count) == ("b", 0)


def _mcp_tool_client():
    try:
        from openenv.core.mcp_client import MCPToolClient
    except ImportError:
        pytest.skip("this OpenEnv has no MCPToolClient")
    return MCPToolClient


@pytest.mark.parametrize("production", [False, True])
def test_mcp_tool_client(server, production):
    """OpenEnv's MCPToolClient: tool calls as /ws steps, or (use_production_mode) JSON-RPC on
    POST /mcp in a session made by openenv/session/create, which starts its episode."""
    MCPToolClient = _mcp_tool_client()
    if production and not hasattr(MCPToolClient, "_ensure_production_session"):
        pytest.skip("this MCPToolClient has no production mode (openenv-core 0.2.x)")
    client = MCPToolClient(base_url=server.base_url)
    client.use_production_mode = production
    env = client.sync() if hasattr(client, "sync") else client
    with env:
        if not production:
            env.reset(episode_id="mcp-1")
        tools = env.list_tools()
        assert [t.name for t in tools] == ["kubectl"], tools
        assert "command" in tools[0].input_schema["properties"]
        out = env.call_tool("kubectl", command="kubectl get ns")
        text = out if isinstance(out, str) else json.dumps(out)
        assert "kube-system" in text, out
        with pytest.raises(RuntimeError):
            env.call_tool("nope", command="x")


def test_typed_client_with_api_key():
    """openenv 0.4+ clients send headers: the server's key as a Bearer token."""
    if "headers" not in inspect.signature(EnvClient.__init__).parameters:
        pytest.skip("this OpenEnv client cannot send headers")
    from ksg import Server

    with Server(api_key="t0ken") as s:
        with KubeSreGymEnv(base_url=s.base_url, headers={"Authorization": "Bearer t0ken"}) as client:
            assert client.reset().observation.command_output
        with pytest.raises(ConnectionError):
            with KubeSreGymEnv(base_url=s.base_url) as client:
                client.reset()
