"""Wire models of kube-sre-gym, on OpenEnv's pydantic bases.

Field names and defaults are the original project's, so code written against it keeps working.
The state carries no ground truth (no root cause, no intended fix): the server never sends it.
"""

from __future__ import annotations

from typing import Any, Dict, List

from pydantic import Field

from ._openenv import Action, Observation, State


class KubeSreGymAction(Action):
    """One agent turn: a kubectl command line, ``diagnose: <root cause>`` or ``fix: kubectl ...``."""

    command: str = Field(..., min_length=1, description="The command line to run")


class KubeSreGymObservation(Observation):
    """What the agent sees after a reset or a step.

    ``metadata`` holds the server's per-step record (``breakdown`` of the reward by component,
    ``phase``, ``episode_reward``, ``resolved``, ``terminated``, ``truncated``, ...) where the
    server sends it.
    """

    command_output: str = Field(default="", description="Output of the last command (reset: the alert)")
    cluster_status_summary: str = Field(default="", description="Cluster overview, when shown")
    active_alerts: List[str] = Field(default_factory=list, description="Alerts still firing")
    steps_taken: int = Field(default=0, ge=0, description="Steps taken in this episode")
    max_steps: int = Field(default=15, ge=0, description="The episode's step budget")
    hint: str = Field(default="", description="Judge feedback, by persona")


class KubeSreGymState(State):
    """The episode as the server reports it (``extra`` fields are kept)."""

    incident_id: str = Field(default="", description="The incident, e.g. warmup-100042")
    difficulty: float = Field(default=0.2, description="The tier's numeric difficulty")
    tier: str = Field(default="", description="warmup, beginner, intermediate, advanced or expert")
    persona: str = Field(default="junior", description="Judge persona: junior, senior or principal")
    max_steps: int = Field(default=15, ge=0)
    is_resolved: bool = False
    done: bool = False
    cumulative_reward: float = Field(default=0.0, description="Sum of the episode's step rewards")
    curriculum_stats: Dict[str, Any] = Field(default_factory=dict)

    @property
    def judge_persona(self) -> str:
        """The original's name for :attr:`persona`."""
        return self.persona


def observation_from_payload(payload: Dict[str, Any]) -> KubeSreGymObservation:
    """Builds an observation from a reply frame's ``data`` (``observation``, ``reward``, ``done``).

    Unknown observation keys are ignored, so a newer server does not break an older client.
    ``metadata`` is read from inside the observation or from the top level (openenv 0.10
    servers send both).
    """
    obs: Dict[str, Any] = payload.get("observation") or {}
    metadata = obs.get("metadata")
    if not isinstance(metadata, dict):
        metadata = payload.get("metadata") if isinstance(payload.get("metadata"), dict) else {}
    alerts = obs.get("active_alerts")
    return KubeSreGymObservation(
        command_output=_str(obs.get("command_output")),
        cluster_status_summary=_str(obs.get("cluster_status_summary")),
        active_alerts=[str(a) for a in alerts] if isinstance(alerts, list) else [],
        steps_taken=_int(obs.get("steps_taken"), 0),
        max_steps=_int(obs.get("max_steps"), 15),
        hint=_str(obs.get("hint")),
        done=bool(payload.get("done", obs.get("done", False))),
        reward=payload.get("reward", obs.get("reward")),
        metadata=metadata,
    )


def state_from_payload(payload: Dict[str, Any]) -> KubeSreGymState:
    """Builds a state from a ``state`` reply frame's ``data``; extra keys are kept."""
    data = dict(payload)
    if data.get("curriculum_stats") is None:
        data.pop("curriculum_stats", None)
    return KubeSreGymState(**data)


def _str(v: Any) -> str:
    return "" if v is None else str(v)


def _int(v: Any, default: int) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else default

