"""GRPO on kube-sre-gym with TRL's `environment_factory` (TRL >= 0.29, transformers >= 5.2).

Start the server with room for one WebSocket session per generation of a batch (TRL opens them
all at once), then train:

    kube-sre-gym serve --port 8000 --max-sessions 64
    python train_grpo.py --url http://127.0.0.1:8000 --model Qwen/Qwen3-1.7B \\
        --num-generations 8 --incidents 256 --lora --output-dir runs/qwen3-grpo
    python plot_rewards.py runs/qwen3-grpo

Each dataset row is one incident seed. TRL repeats every row `--num-generations` times in a
batch (its sampler groups a prompt's rollouts), and the server gives every reset with the same
seed the same incident, so the G rollouts of a group face one incident and their rewards are
compared fairly. TRL calls `KubeSreToolEnv.reset(**row)` per rollout, exposes its other public
method, `kubectl`, to the model as a tool, and scores a rollout with `episode_reward` (the sum of
the environment's step rewards).

The reward's components (judge, repeat, phase, collateral, diagnosis, resolution, timeout, as the
server reports them per step) are logged next to it as zero-weight reward functions, so TRL's
logs carry `rewards/<component>/mean`. The output directory gets `log_history.jsonl` (the
trainer's logs, one line per logging step) and `rollouts.jsonl` (one line per rollout: seed,
incident, steps, reward and its breakdown, whether it was resolved).

The tool environment needs only this package (`pip install kube-sre-gym[core]`); training needs
`pip install trl peft` (and torch).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from kube_sre_gym import KubeSreGymAction, KubeSreGymEnv

ENV_URL = os.environ.get("KSG_URL", "http://127.0.0.1:8000")

#: The reward components the server reports in each step's `metadata.breakdown`.
COMPONENTS = ("judge", "repeat", "phase", "collateral", "diagnosis", "resolution", "timeout")

#: Dataset columns that `reset` passes to the server as reset options.
RESET_OPTIONS = ("seed", "incident", "difficulty", "split", "fault_types", "max_steps")

SYSTEM_PROMPT = (
    "You are the on-call SRE for a Kubernetes cluster. An alert has fired. Use the kubectl tool "
    "to investigate (get, describe, logs, events), find the root cause, and fix it with kubectl "
    "(patch, set, scale, rollout undo, apply...). You may state the root cause with the command "
    "'diagnose: <cause>'. Do not delete or scale away the broken workload: the fix must restore "
    "its desired state. Stop calling tools once the incident is resolved."
)


class KubeSreToolEnv:
    """One episode per TRL rollout over its own WebSocket session; the model's only tool is
    `kubectl` (TRL makes every public method but `reset` a tool: helpers stay private)."""

    def __init__(self) -> None:  # TRL passes no arguments
        self.client = KubeSreGymEnv(base_url=ENV_URL).sync()
        self.reward = 0.0
        self.done = False
        self.resolved = False
        self.steps = 0
        self.breakdown: Dict[str, float] = dict.fromkeys(COMPONENTS, 0.0)
        self.incident_id = ""
        self.seed: Optional[int] = None

    def reset(self, **row: Any) -> Optional[str]:
        # Dataset columns named like reset options pick the incident; a GRPO group's rollouts
        # share their row, hence its seed, hence the incident.
        options = {k: row[k] for k in RESET_OPTIONS if row.get(k) is not None}
        r = self.client.reset(**options)
        self.reward, self.done, self.resolved, self.steps = 0.0, r.done, False, 0
        self.breakdown = dict.fromkeys(COMPONENTS, 0.0)
        self.seed = options.get("seed")
        self.incident_id = str(r.observation.metadata.get("incident_id", ""))
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
        self.steps += 1
        meta = r.observation.metadata
        for k, v in (meta.get("breakdown") or {}).items():
            if k in self.breakdown and isinstance(v, (int, float)):
                self.breakdown[k] += float(v)
        self.resolved = bool(meta.get("resolved", self.resolved))
        self.incident_id = str(meta.get("incident_id", self.incident_id))
        return r.observation.command_output

    def _record(self) -> Dict[str, Any]:
        """The rollout so far, for `rollouts.jsonl` (no ground truth: only what the agent saw)."""
        return {
            "seed": self.seed,
            "incident_id": self.incident_id,
            "steps": self.steps,
            "reward": self.reward,
            "resolved": self.resolved,
            "done": self.done,
            "breakdown": dict(self.breakdown),
        }


class RolloutLog:
    """Appends one JSON line per scored rollout; thread-safe, since TRL may score from a worker."""

    def __init__(self, path: Optional[Path]) -> None:
        self.path = path
        self._lock = threading.Lock()

    def write(self, step: int, records: Sequence[Dict[str, Any]]) -> None:
        if self.path is None:
            return
        with self._lock, open(self.path, "a", encoding="utf-8") as f:
            for index, rec in enumerate(records):
                f.write(json.dumps({"step": step, "rollout": index, **rec}) + "\n")


_rollout_log = RolloutLog(None)


def episode_reward(environments: Sequence[KubeSreToolEnv], **kwargs: Any) -> List[float]:
    """The reward GRPO optimises: each rollout's episode reward (the sum of its step rewards)."""
    # Rollouts are scored before the optimizer step they feed: number them by that step, as
    # the trainer's logs are.
    state = kwargs.get("trainer_state")
    _rollout_log.write(getattr(state, "global_step", 0) + 1, [e._record() for e in environments])
    return [e.reward for e in environments]


def component_reward(name: str) -> Callable[..., List[float]]:
    """A zero-weight reward function reporting one component, so TRL logs it."""

    def component(environments: Sequence[KubeSreToolEnv], **kwargs: Any) -> List[float]:
        return [e.breakdown.get(name, 0.0) for e in environments]

    component.__name__ = name
    return component


def reward_funcs() -> List[Callable[..., List[float]]]:
    return [episode_reward, *(component_reward(c) for c in COMPONENTS)]


def reward_weights() -> List[float]:
    return [1.0] + [0.0] * len(COMPONENTS)


# Kept for code written against the earlier example.
reward_func = episode_reward


def build_dataset(args: argparse.Namespace) -> Any:
    """One row per incident seed; TRL repeats each row for the rollouts of its group."""
    from datasets import Dataset

    prompt = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "The alert:\n"},
    ]
    seeds = list(range(args.seed_start, args.seed_start + args.incidents))
    columns: Dict[str, List[Any]] = {"prompt": [prompt] * len(seeds), "seed": seeds}
    for name in ("difficulty", "split", "max_steps"):
        value = getattr(args, name)
        if value is not None:
            columns[name] = [value] * len(seeds)
    return Dataset.from_dict(columns)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="GRPO on kube-sre-gym with TRL's environment_factory")
    p.add_argument("--url", default=ENV_URL, help="the kube-sre-gym server (default $KSG_URL or %(default)s)")
    p.add_argument("--model", default=os.environ.get("MODEL", "Qwen/Qwen3-1.7B"), help="model id or path")
    p.add_argument("--output-dir", default="runs/kube-sre-gym-grpo")
    g = p.add_argument_group("incidents")
    g.add_argument("--incidents", type=int, default=256, help="dataset rows: one incident seed each")
    g.add_argument("--seed-start", type=int, default=0)
    g.add_argument("--difficulty", help="a tier (warmup ... expert) or a number in [0, 1]; default: the curriculum's")
    g.add_argument("--split", default="train", choices=["train", "validation", "test"])
    g.add_argument("--max-steps", type=int, help="each episode's step budget (default: the incident's)")
    g = p.add_argument_group("GRPO")
    g.add_argument("--num-generations", type=int, default=8, help="G: rollouts per incident")
    g.add_argument("--per-device-train-batch-size", type=int, default=8)
    g.add_argument("--gradient-accumulation-steps", type=int, default=1)
    g.add_argument("--learning-rate", type=float, default=1e-6)
    g.add_argument("--training-steps", type=int, default=-1, help="optimizer steps (default: one epoch)")
    g.add_argument("--epochs", type=float, default=1.0)
    g.add_argument("--max-completion-length", type=int, default=4096, help="tokens over all turns of a rollout")
    g.add_argument("--max-tool-calls", type=int, default=None, help="tool-calling turns per rollout")
    g.add_argument("--temperature", type=float, default=1.0)
    g.add_argument("--beta", type=float, default=0.0, help="KL coefficient")
    g.add_argument("--logging-steps", type=int, default=1)
    g.add_argument("--save-steps", type=int, default=100)
    g.add_argument("--report-to", default="none", help="trackers (wandb, tensorboard, ...) or none")
    g.add_argument("--bf16", action="store_true")
    g.add_argument("--use-vllm", action="store_true", help="generate with vLLM (colocated)")
    g.add_argument("--seed", type=int, default=42, help="the trainer's seed")
    g = p.add_argument_group("LoRA")
    g.add_argument("--lora", action="store_true", help="train LoRA adapters instead of all weights")
    g.add_argument("--lora-r", type=int, default=16)
    g.add_argument("--lora-alpha", type=int, default=32)
    g.add_argument("--lora-dropout", type=float, default=0.05)
    g.add_argument("--lora-target-modules", default="all-linear", help="'all-linear' or a comma list")
    args = p.parse_args(argv)
    if args.difficulty is not None:
        # A number in [0, 1] goes to the server as a number, a tier name as itself.
        try:
            args.difficulty = float(args.difficulty)
        except ValueError:
            pass
    if args.incidents < 1:
        p.error("--incidents must be at least 1")
    if args.num_generations < 2:
        p.error("--num-generations must be at least 2: GRPO compares rollouts of one incident")
    return args


def build_trainer(args: argparse.Namespace, model: Any = None, processing_class: Any = None) -> Any:
    """A GRPOTrainer over the server at `args.url`; `model` and `processing_class` default to
    `args.model` loaded by TRL."""
    global ENV_URL, _rollout_log
    from trl import GRPOConfig, GRPOTrainer
    from transformers import TrainerCallback

    ENV_URL = args.url
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    _rollout_log = RolloutLog(out / "rollouts.jsonl")

    class JsonlLogs(TrainerCallback):
        """Appends each log (reward mean and std, each component's mean, loss...) to a JSONL file."""

        def on_log(self, targs: Any, state: Any, control: Any, logs: Optional[Dict[str, Any]] = None, **kw: Any) -> None:
            if logs and state.is_world_process_zero:
                with open(out / "log_history.jsonl", "a", encoding="utf-8") as f:
                    f.write(json.dumps({"step": state.global_step, **logs}) + "\n")

    config = GRPOConfig(
        output_dir=str(out),
        num_generations=args.num_generations,
        per_device_train_batch_size=args.per_device_train_batch_size,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        learning_rate=args.learning_rate,
        max_steps=args.training_steps,
        num_train_epochs=args.epochs,
        max_completion_length=args.max_completion_length,
        max_tool_calling_iterations=args.max_tool_calls,
        temperature=args.temperature,
        beta=args.beta,
        reward_weights=reward_weights(),
        logging_steps=args.logging_steps,
        save_steps=args.save_steps,
        report_to=[] if args.report_to == "none" else args.report_to.split(","),
        bf16=args.bf16,
        use_vllm=args.use_vllm,
        vllm_mode="colocate",
        seed=args.seed,
        chat_template_kwargs={"enable_thinking": False},
    )
    peft_config = None
    if args.lora:
        from peft import LoraConfig

        targets = args.lora_target_modules
        peft_config = LoraConfig(
            r=args.lora_r,
            lora_alpha=args.lora_alpha,
            lora_dropout=args.lora_dropout,
            target_modules=targets if targets == "all-linear" else targets.split(","),
            task_type="CAUSAL_LM",
        )
    return GRPOTrainer(
        model=model if model is not None else args.model,
        processing_class=processing_class,
        train_dataset=build_dataset(args),
        reward_funcs=reward_funcs(),
        args=config,
        peft_config=peft_config,
        callbacks=[JsonlLogs()],
        environment_factory=KubeSreToolEnv,
    )


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    trainer = build_trainer(args)
    trainer.train()
    trainer.save_model(args.output_dir)


if __name__ == "__main__":
    main()
