"""The `/ws` protocol frame by frame (reference: OpenEnv protocol §2), with a raw WebSocket."""

from __future__ import annotations

import json
import math
import time

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as _connect

from ksg import Server

OBS_FIELDS = {"command_output", "cluster_status_summary", "active_alerts", "steps_taken", "max_steps", "hint"}
GROUND_TRUTH_KEYS = {"root_cause", "root_causes", "correct_fix", "ground_truth", "fault", "faults", "mechanism"}


def connect(url, **kw):
    """An open connection; entered, as websockets 17 wants (the test closes it itself)."""
    kw.setdefault("open_timeout", 10)
    kw.setdefault("proxy", None)
    return _connect(url, **kw).__enter__()


class Ws:
    """One session: send a frame, read its reply."""

    def __init__(self, server: Server, headers=None):
        self.conn = connect(server.ws_url, additional_headers=headers)

    def send(self, frame) -> None:
        self.conn.send(frame if isinstance(frame, str) else json.dumps(frame))

    def ask(self, frame, timeout: float = 60):
        self.send(frame)
        return json.loads(self.conn.recv(timeout=timeout))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Ws":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def keys_deep(v):
    if isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from keys_deep(x)
    elif isinstance(v, list):
        for x in v:
            yield from keys_deep(x)


def assert_observation_frame(reply):
    assert reply["type"] == "observation", reply
    data = reply["data"]
    assert set(data) >= {"observation", "reward", "done"}
    assert OBS_FIELDS <= set(data["observation"]), data["observation"].keys()
    assert "reward" not in data["observation"] and "done" not in data["observation"]
    assert isinstance(data["done"], bool)
    assert data["reward"] is None or (isinstance(data["reward"], (int, float)) and math.isfinite(data["reward"]))
    obs = data["observation"]
    assert isinstance(obs["command_output"], str)
    assert isinstance(obs["active_alerts"], list) and all(isinstance(a, str) for a in obs["active_alerts"])
    assert isinstance(obs["steps_taken"], int) and isinstance(obs["max_steps"], int)
    assert not GROUND_TRUTH_KEYS & set(keys_deep(data)), "ground truth in an observation"
    return data


def test_reset_step_state_close(server):
    with Ws(server) as ws:
        data = assert_observation_frame(ws.ask({"type": "reset", "data": {"seed": 7, "episode_id": "ep-1"}}))
        obs = data["observation"]
        assert obs["command_output"], "the reset observation carries the alert"
        assert obs["active_alerts"], "an alert is firing"
        assert obs["steps_taken"] == 0 and obs["max_steps"] > 0
        assert data["done"] is False

        state = ws.ask({"type": "state"})
        assert state["type"] == "state"
        assert state["data"]["episode_id"] == "ep-1"
        assert state["data"]["step_count"] == 0
        assert not GROUND_TRUTH_KEYS & set(keys_deep(state["data"])), "ground truth in state"

        data = assert_observation_frame(ws.ask({"type": "step", "data": {"command": "kubectl get pods -A"}}))
        assert "NAMESPACE" in data["observation"]["command_output"]
        assert data["observation"]["steps_taken"] == 1
        assert isinstance(data["reward"], (int, float))
        # Metadata (the reward breakdown) rides inside the observation and at the top level.
        meta = data["observation"].get("metadata") or data.get("metadata")
        assert isinstance(meta, dict) and "breakdown" in meta, data.keys()
        assert math.isclose(meta["breakdown"]["total"], data["reward"], abs_tol=1e-9)

        state = ws.ask({"type": "state"})["data"]
        assert state["step_count"] == 1 and state["episode_id"] == "ep-1"

        ws.send({"type": "close"})
        with pytest.raises(ConnectionClosed) as e:
            ws.conn.recv(timeout=10)
        assert e.value.rcvd is None or e.value.rcvd.code == 1000, "close frame code"


def test_step_with_metadata_and_reset_without_data(server):
    with Ws(server) as ws:
        assert_observation_frame(ws.ask({"type": "reset"}))
        assert_observation_frame(ws.ask({"type": "step", "data": {"command": "kubectl get ns", "metadata": {"k": 1}}}))


def test_same_seed_same_bytes(server):
    """Determinism: two sessions, same seed, same actions: the same observations."""
    outs = []
    for _ in range(2):
        with Ws(server) as ws:
            r = ws.ask({"type": "reset", "data": {"seed": 12345, "episode_id": "same"}})
            s = ws.ask({"type": "step", "data": {"command": "kubectl get pods -A"}})
            outs.append((r["data"]["observation"]["command_output"], r["data"]["observation"]["cluster_status_summary"],
                         s["data"]["observation"]["command_output"], s["data"]["reward"]))
    assert outs[0] == outs[1]


def test_invalid_json(server):
    with Ws(server) as ws:
        r = ws.ask("not json")
        assert r == {"type": "error", "data": {"message": "Invalid JSON: Expecting value: line 1 column 1 (char 0)", "code": "INVALID_JSON"}}
        # The connection stays open.
        assert_observation_frame(ws.ask({"type": "reset"}))


def test_unknown_type(server):
    with Ws(server) as ws:
        assert ws.ask({"type": "nope"}) == {"type": "error", "data": {"message": "Unknown message type: nope", "code": "UNKNOWN_TYPE"}}
        assert ws.ask({"data": {}}) == {"type": "error", "data": {"message": "Unknown message type: ", "code": "UNKNOWN_TYPE"}}
        assert ws.ask({"type": "state"})["type"] == "state"


@pytest.mark.parametrize(
    "frame, loc, kind",
    [
        ({"type": "step", "data": {"command": ""}}, ["command"], "string_too_short"),
        ({"type": "step", "data": {"message": "x", "command": "kubectl get pods"}}, ["message"], "extra_forbidden"),
        ({"type": "step", "data": {}}, ["command"], "missing"),
        ({"type": "step"}, ["data"], "missing"),
        ({"type": "state", "extra": 1}, ["extra"], "extra_forbidden"),
    ],
)
def test_validation_error(server, frame, loc, kind):
    with Ws(server) as ws:
        ws.ask({"type": "reset"})
        r = ws.ask(frame)
        assert r["type"] == "error", r
        assert r["data"]["code"] == "VALIDATION_ERROR"
        assert r["data"]["message"] == "Invalid message"
        errors = r["data"]["errors"]
        assert any(e["loc"] == loc and e["type"] == kind for e in errors), errors
        assert all({"type", "loc", "msg"} <= set(e) for e in errors)
        # The session survives.
        assert ws.ask({"type": "state"})["type"] == "state"


def test_execution_error_step_before_reset(server):
    with Ws(server) as ws:
        r = ws.ask({"type": "step", "data": {"command": "kubectl get pods -A"}})
        assert r["type"] == "error" and r["data"]["code"] == "EXECUTION_ERROR", r
        assert "reset" in r["data"]["message"]
        assert_observation_frame(ws.ask({"type": "reset"}))


def test_execution_error_bad_reset_option(server):
    with Ws(server) as ws:
        r = ws.ask({"type": "reset", "data": {"difficulty": "impossible"}})
        assert r["type"] == "error" and r["data"]["code"] == "EXECUTION_ERROR", r
        assert "difficulty" in r["data"]["message"]
        assert_observation_frame(ws.ask({"type": "reset", "data": {"difficulty": "warmup"}}))


def test_step_after_done_is_an_execution_error(server):
    with Ws(server) as ws:
        ws.ask({"type": "reset", "data": {"max_steps": 1}})
        r = ws.ask({"type": "step", "data": {"command": "kubectl get pods -A"}})
        assert r["data"]["done"] is True
        r = ws.ask({"type": "step", "data": {"command": "kubectl get pods -A"}})
        assert r["type"] == "error" and r["data"]["code"] == "EXECUTION_ERROR", r


def test_reset_options_pick_the_incident(server, fix):
    with Ws(server) as ws:
        ws.ask({"type": "reset", "data": {"incident": fix.incident}})
        state = ws.ask({"type": "state"})["data"]
        assert state["incident_id"] == fix.incident
        assert state["tier"] == "warmup"


def test_mcp_over_ws(server):
    with Ws(server) as ws:
        r = ws.ask({"type": "mcp", "data": {"jsonrpc": "2.0", "method": "tools/list", "params": {}, "id": 1}})
        assert r["type"] == "mcp" and r["data"]["jsonrpc"] == "2.0" and r["data"]["id"] == 1
        names = [t["name"] for t in r["data"]["result"]["tools"]]
        assert "kubectl" in names
        r = ws.ask({"type": "step", "data": {"type": "list_tools"}})
        assert r["type"] == "observation"
        assert "kubectl" in [t["name"] for t in r["data"]["observation"]["tools"]]
        r = ws.ask({"type": "mcp", "data": {"jsonrpc": "2.0", "method": "bogus", "id": 2}})
        assert r["data"]["error"]["code"] == -32601


def test_replies_keep_request_order(server):
    """Lockstep without request ids: frames sent back to back get their replies in order."""
    with Ws(server) as ws:
        frames = [{"type": "reset", "data": {"episode_id": "order"}}, {"type": "state"}, "bad json",
                  {"type": "step", "data": {"command": "kubectl get ns"}}, {"type": "nope"}, {"type": "state"}]
        for f in frames:
            ws.send(f)
        replies = [json.loads(ws.conn.recv(timeout=30)) for _ in frames]
        kinds = [r["type"] if r["type"] != "error" else r["data"]["code"] for r in replies]
        assert kinds == ["observation", "state", "INVALID_JSON", "observation", "UNKNOWN_TYPE", "state"]
        assert replies[1]["data"]["step_count"] == 0 and replies[5]["data"]["step_count"] == 1


def test_a_message_over_the_limit_closes_with_1009():
    with Server("--max-request-bytes", "65536") as s, Ws(s) as ws:
        ws.send({"type": "step", "data": {"command": "kubectl get ns " + "x" * 70000}})
        with pytest.raises(ConnectionClosed) as e:
            ws.conn.recv(timeout=10)
        assert e.value.rcvd is not None and e.value.rcvd.code == 1009


def test_ping_is_answered(server):
    with Ws(server) as ws:
        pong = ws.conn.ping()
        assert pong.wait(5), "no pong"


def test_capacity_reached():
    with Server("--max-sessions", "2") as s:
        a, b = Ws(s), Ws(s)
        a.ask({"type": "reset"})
        b.ask({"type": "reset"})
        c = connect(s.ws_url)
        r = json.loads(c.recv(timeout=10))
        assert r == {
            "type": "error",
            "data": {
                "message": "Server at capacity: 2/2 sessions active. Cannot accept new connections.",
                "code": "CAPACITY_REACHED",
                "active_sessions": 2,
                "max_sessions": 2,
            },
        }
        with pytest.raises(ConnectionClosed) as e:
            c.recv(timeout=10)
        assert e.value.rcvd is not None and e.value.rcvd.code == 1000
        # A slot is free again as soon as a session closes.
        a.send({"type": "close"})
        a.close()
        deadline = time.monotonic() + 5
        while True:
            d = Ws(s)
            r = d.ask({"type": "state"})
            if r["type"] == "state" or time.monotonic() > deadline:
                break
            d.close()
            time.sleep(0.1)
        assert r["type"] == "state", r
        d.close()
        b.close()


def test_idle_session_is_closed_with_session_error():
    with Server("--idle-timeout", "1s") as s, Ws(s) as ws:
        ws.ask({"type": "reset"})
        t = time.monotonic()
        r = json.loads(ws.conn.recv(timeout=10))
        assert r["type"] == "error" and r["data"]["code"] == "SESSION_ERROR", r
        assert "without a request" in r["data"]["message"]
        assert 0.8 < time.monotonic() - t < 5
        with pytest.raises(ConnectionClosed) as e:
            ws.conn.recv(timeout=10)
        assert e.value.rcvd is not None and e.value.rcvd.code == 1000


def test_shutdown_ends_sessions_with_session_error():
    """SIGTERM (docker stop): each open session gets SESSION_ERROR, then a 1001 close; the process
    exits 0. Ten rounds, since a race shows only sometimes."""
    for _ in range(10):
        s = Server().start()
        try:
            sessions = [Ws(s), Ws(s)]
            for ws in sessions:
                ws.ask({"type": "reset"})
            s.terminate()
            for ws in sessions:
                r = json.loads(ws.conn.recv(timeout=10))
                assert r["type"] == "error" and r["data"]["code"] == "SESSION_ERROR", r
                with pytest.raises(ConnectionClosed) as e:
                    ws.conn.recv(timeout=10)
                assert e.value.rcvd is not None and e.value.rcvd.code == 1001
            assert s.proc.wait(timeout=10) == 0
        finally:
            s.stop()


def test_api_key():
    with Server(api_key="s3cret") as s:
        with pytest.raises(InvalidStatus) as e:
            connect(s.ws_url)
        assert e.value.response.status_code == 401
        with pytest.raises(InvalidStatus):
            connect(s.ws_url, additional_headers={"Authorization": "Bearer wrong"})
        with Ws(s, headers={"Authorization": "Bearer s3cret"}) as ws:
            assert_observation_frame(ws.ask({"type": "reset"}))
