"""GRPO on kube-sre-gym with TRL's `environment_factory` (TRL >= 0.29, transformers >= 5.2).

TRL builds one `KubeSreToolEnv` per generation of a batch, all at once, so start the server with
`--max-sessions` at least the generation batch size:

    kube-sre-gym serve --port 8000 --max-sessions 64
    KSG_URL=http://127.0.0.1:8000 python trl_grpo.py

TRL calls `reset(**row)` with the dataset row, exposes every other public method (here
`kubectl`) as a tool to the model, and reads the reward from `reward_func`. The tool env itself
needs only this package; the training part needs `pip install trl`.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from kube_sre_gym import KubeSreGymAction, KubeSreGymEnv

ENV_URL = os.environ.get("KSG_URL", "http://127.0.0.1:8000")


class KubeSreToolEnv:
    """One episode per TRL rollout; the model's only tool is `kubectl`."""

    def __init__(self) -> None:  # TRL passes no arguments
        self.client = KubeSreGymEnv(base_url=ENV_URL).sync()
        self.reward = 0.0
        self.done = False

    def reset(self, **row: Any) -> Optional[str]:
        # Dataset columns named like reset options (seed, incident, difficulty, fault_types)
        # pick the incident; a GRPO group sharing a seed gets the same one.
        options = {k: row[k] for k in ("seed", "incident", "difficulty", "fault_types") if k in row}
        r = self.client.reset(**options)
        self.reward, self.done = 0.0, r.done
        return r.observation.command_output

    def kubectl(self, command: str) -> str:
        """Run a kubectl command (or 'diagnose: ...' / 'fix: kubectl ...') against the incident cluster.

        Args:
            command: The full command line to execute.

        Returns:
            The command output.
        """
        if self.done:
            raise ValueError("The episode is over.")
        r = self.client.step(KubeSreGymAction(command=command))
        self.reward += r.reward or 0.0
        self.done = r.done
        return r.observation.command_output


def reward_func(environments, **kwargs):
    return [env.reward for env in environments]


def main() -> None:
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    prompt = [{"role": "user", "content": "You are on call. Diagnose and fix the incident with the kubectl tool."}]
    ds = Dataset.from_dict({"prompt": [prompt] * 256, "seed": list(range(256))})
    trainer = GRPOTrainer(
        model=os.environ.get("MODEL", "Qwen/Qwen3-1.7B"),
        train_dataset=ds,
        reward_funcs=reward_func,
        args=GRPOConfig(max_completion_length=4096, chat_template_kwargs={"enable_thinking": False}),
        environment_factory=KubeSreToolEnv,
    )
    trainer.train()


if __name__ == "__main__":
    main()
