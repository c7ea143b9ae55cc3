"""The OpenEnv names this package builds on, from whichever OpenEnv distribution is installed.

openenv-core 0.2.x has a synchronous client, 0.3.x an asynchronous one, and openenv 0.4+ one
that works both ways; all three install the import package ``openenv``.
"""

from __future__ import annotations

import inspect

try:
    from openenv.core.client_types import StepResult
    from openenv.core.env_client import EnvClient
    from openenv.core.env_server.types import Action, Observation, State
except ImportError as e:  # pragma: no cover - exercised only without OpenEnv installed
    raise ImportError(
        "kube_sre_gym needs an OpenEnv client: pip install 'kube-sre-gym[core]' "
        "(openenv-core) or 'kube-sre-gym[openenv]' (openenv)"
    ) from e

#: The client's methods are coroutines that must be awaited (openenv-core 0.3.x); 0.2.x is
#: synchronous and openenv 0.4+ dispatches by itself.
ASYNC_ONLY = inspect.iscoroutinefunction(EnvClient.reset) and not hasattr(EnvClient, "_dispatch")

__all__ = ["ASYNC_ONLY", "Action", "EnvClient", "Observation", "State", "StepResult"]
