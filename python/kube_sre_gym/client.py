"""``KubeSreGymEnv``: the OpenEnv WebSocket client for a kube-sre-gym server.

One client is one session on the server (one WebSocket on ``/ws``). It works the same way with
every supported OpenEnv client library:

* synchronously: ``with KubeSreGymEnv(base_url=...) as env: env.reset(); env.step(...)``
  (openenv-core 0.2.x is synchronous; openenv 0.4+ runs calls made outside an event loop
  synchronously; for openenv-core 0.3.x, whose client is asynchronous only, this class adds the
  same behaviour);
* asynchronously on 0.3.x and 0.4+: ``async with KubeSreGymEnv(...) as env: await env.reset()``.
"""

from __future__ import annotations

import asyncio
import collections.abc
import dataclasses
import threading
from typing import Any, Callable, Dict, Optional

from ._openenv import ASYNC_ONLY, EnvClient, StepResult
from .models import (
    KubeSreGymAction,
    KubeSreGymObservation,
    KubeSreGymState,
    observation_from_payload,
    state_from_payload,
)

#: The original client's reply timeout: a reset prepares an incident, which can take a while
#: on a live cluster.
DEFAULT_MESSAGE_TIMEOUT_S = 300.0

_STEP_RESULT_HAS_METADATA = any(f.name == "metadata" for f in dataclasses.fields(StepResult))


class _LoopThread:
    """An event loop on a daemon thread, which synchronous calls run their coroutines on."""

    def __init__(self) -> None:
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    def run(self, coro: Any) -> Any:
        with self._lock:
            if self.loop is None:
                ready = threading.Event()

                def main() -> None:
                    loop = asyncio.new_event_loop()
                    asyncio.set_event_loop(loop)
                    self.loop = loop
                    ready.set()
                    loop.run_forever()
                    loop.close()

                self._thread = threading.Thread(target=main, name="kube-sre-gym-client", daemon=True)
                self._thread.start()
                ready.wait()
            loop = self.loop
        assert loop is not None
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    def stop(self) -> None:
        with self._lock:
            loop, thread = self.loop, self._thread
            self.loop, self._thread = None, None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=5)


class _Pending(collections.abc.Coroutine):
    """A call made inside a running event loop before the client chose a mode (openenv-core
    0.3.x only; openenv 0.4+ behaves the same way).

    Awaiting it runs the call on that loop (async mode). Reading it (``result.observation``)
    runs the call synchronously on the client's own loop thread (sync mode), which is what code
    written for the synchronous client does in a notebook.
    """

    def __init__(self, client: "KubeSreGymEnv", factory: Callable[[], Any]) -> None:
        self._client = client
        self._factory = factory
        self._coro: Any = None
        self._done = False
        self._value: Any = None

    def _inner(self) -> Any:
        if self._coro is None:
            self._client._ksg_claim("async")
            self._coro = self._factory()
        return self._coro

    def __await__(self):
        return self._inner().__await__()

    def send(self, value: Any) -> Any:
        return self._inner().send(value)

    def throw(self, *args: Any) -> Any:
        return self._inner().throw(*args)

    def close(self) -> None:
        if self._coro is not None:
            self._coro.close()

    def _result(self) -> Any:
        if not self._done:
            self._value = self._client._ksg_run_sync(self._factory)
            self._done = True
        return self._value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._result(), name)

    def __bool__(self) -> bool:
        return bool(self._result())

    def __repr__(self) -> str:
        return repr(self._value) if self._done else "<pending kube-sre-gym call: await it or read it>"


class KubeSreGymEnv(EnvClient[KubeSreGymAction, KubeSreGymObservation, KubeSreGymState]):
    """Client for one kube-sre-gym session.

    Reset options (keyword arguments of :meth:`reset`): ``seed``, ``episode_id``, ``incident``
    (e.g. ``"warmup-100042"``), ``difficulty`` (a tier name or a number in [0, 1]), ``split``
    (train, validation, test), ``fault_types`` (e.g. ``["oom_kill"]``), ``max_steps``.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        message_timeout_s: float = DEFAULT_MESSAGE_TIMEOUT_S,
        **kwargs: Any,
    ):
        # base_url may be left out only where OpenEnv allows it (a provider that starts the
        # server, openenv 0.4+).
        super().__init__(base_url=base_url, message_timeout_s=message_timeout_s, **kwargs)
        self._ksg_runner: Optional[_LoopThread] = None
        self._ksg_mode: Optional[str] = None

    def _step_payload(self, action: KubeSreGymAction) -> Dict[str, Any]:
        if isinstance(action, dict):
            action = KubeSreGymAction(**action)
        payload: Dict[str, Any] = {"command": action.command}
        if action.metadata:
            payload["metadata"] = action.metadata
        return payload

    def _parse_result(self, payload: Dict[str, Any]) -> StepResult[KubeSreGymObservation]:
        obs = observation_from_payload(payload)
        extra = {"metadata": obs.metadata} if _STEP_RESULT_HAS_METADATA else {}
        return StepResult(observation=obs, reward=obs.reward, done=obs.done, **extra)

    def _parse_state(self, payload: Dict[str, Any]) -> KubeSreGymState:
        return state_from_payload(payload)

    if not hasattr(EnvClient, "sync"):
        # openenv-core 0.2.x: the client is synchronous already; `.sync()` as in later versions.
        def sync(self) -> "KubeSreGymEnv":
            return self

    if ASYNC_ONLY:
        # openenv-core 0.3.x: the base class's methods are coroutines and its `with` raises.
        # Calls made outside an event loop run synchronously on a loop thread of this client's,
        # as on 0.2.x and 0.4+, so the original quick start runs unchanged.

        def _ksg_claim(self, mode: str) -> None:
            if self._ksg_mode is None:
                self._ksg_mode = mode
            elif self._ksg_mode != mode:
                raise RuntimeError(
                    f"this KubeSreGymEnv is in use in {self._ksg_mode} mode; "
                    "create another client to mix sync and async code"
                )

        def _ksg_run_sync(self, factory: Callable[[], Any]) -> Any:
            if self._ksg_mode == "async" and self._ws is None:
                self._ksg_mode = None  # an async session that ended may be followed by sync use
            self._ksg_claim("sync")
            if self._ksg_runner is None:
                self._ksg_runner = _LoopThread()
            return self._ksg_runner.run(factory())

        def _ksg_call(self, factory: Callable[[], Any]) -> Any:
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            runner_loop = self._ksg_runner.loop if self._ksg_runner is not None else None
            if running is not None and running is runner_loop:
                return factory()  # a call from inside the sync path (close -> disconnect)
            if self._ksg_mode == "sync" or running is None:
                return self._ksg_run_sync(factory)
            if self._ksg_mode == "async":
                return factory()
            return _Pending(self, factory)

        def connect(self) -> Any:
            return self._ksg_call(lambda: EnvClient.connect(self))

        def disconnect(self) -> Any:
            return self._ksg_call(lambda: EnvClient.disconnect(self))

        def reset(self, **kwargs: Any) -> Any:
            return self._ksg_call(lambda: EnvClient.reset(self, **kwargs))

        def step(self, action: KubeSreGymAction, **kwargs: Any) -> Any:
            return self._ksg_call(lambda: EnvClient.step(self, action, **kwargs))

        def state(self) -> Any:
            return self._ksg_call(lambda: EnvClient.state(self))

        def close(self) -> Any:
            if self._ksg_mode == "async":
                return self._ksg_call(lambda: EnvClient.close(self))
            try:
                if self._ksg_runner is not None or self._ws is not None or self._provider is not None:
                    self._ksg_run_sync(lambda: EnvClient.close(self))
            finally:
                self._ksg_stop_runner()
            return None

        def _ksg_stop_runner(self) -> None:
            runner, self._ksg_runner = self._ksg_runner, None
            if runner is not None:
                runner.stop()

        def __enter__(self) -> "KubeSreGymEnv":
            self._ksg_run_sync(lambda: EnvClient.connect(self))
            return self

        def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
            self.close()

        def sync(self) -> "KubeSreGymEnv":
            """This client, in sync mode: it is synchronous itself."""
            self._ksg_claim("sync")
            return self

        def __del__(self) -> None:
            try:
                self._ksg_stop_runner()
            except Exception:
                pass
