"""Reward curves of a train_grpo.py run: the episode reward (mean and one standard deviation over
each step's rollouts), its components, and the share of rollouts that resolved their incident.

    python plot_rewards.py runs/qwen3-grpo                  # writes runs/qwen3-grpo/rewards.png
    python plot_rewards.py runs/qwen3-grpo --out curve.svg --smooth 10

Reads `log_history.jsonl` (written by train_grpo.py) or, failing that, the `log_history` of a
checkpoint's `trainer_state.json`; `rollouts.jsonl`, where present, adds the resolution rate.
Needs matplotlib.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

COMPONENTS = ("judge", "repeat", "phase", "collateral", "diagnosis", "resolution", "timeout")


def read_jsonl(path: Path) -> List[Dict[str, Any]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line:
            rows.append(json.loads(line))
    return rows


def load_logs(run: Path) -> List[Dict[str, Any]]:
    """The trainer's per-step logs that carry a reward, in step order."""
    if (run / "log_history.jsonl").is_file():
        logs = read_jsonl(run / "log_history.jsonl")
    else:
        states = sorted(run.glob("checkpoint-*/trainer_state.json"), key=lambda p: int(p.parent.name.split("-")[-1]))
        state_file = run / "trainer_state.json" if (run / "trainer_state.json").is_file() else (states[-1] if states else None)
        if state_file is None:
            raise FileNotFoundError(f"{run}: no log_history.jsonl and no trainer_state.json")
        logs = json.loads(state_file.read_text(encoding="utf-8")).get("log_history", [])
    logs = [entry for entry in logs if "reward" in entry]
    return sorted(logs, key=lambda entry: entry.get("step", 0))


def resolution_by_step(run: Path) -> Dict[int, float]:
    path = run / "rollouts.jsonl"
    if not path.is_file():
        return {}
    seen: Dict[int, List[bool]] = {}
    for r in read_jsonl(path):
        seen.setdefault(int(r.get("step", 0)), []).append(bool(r.get("resolved")))
    return {step: sum(v) / len(v) for step, v in sorted(seen.items())}


def smooth(values: Sequence[float], window: int) -> List[float]:
    """A trailing moving average (the window shrinks at the start)."""
    out: List[float] = []
    for i in range(len(values)):
        chunk = values[max(0, i - window + 1) : i + 1]
        out.append(sum(chunk) / len(chunk))
    return out


def plot(run: Path, out: Optional[Path] = None, window: int = 1) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    logs = load_logs(run)
    if not logs:
        raise ValueError(f"{run}: no logged step carries a reward yet")
    # TRL logs the step's own number after the fact; a log without one is numbered in order.
    steps = [int(entry.get("step", i + 1)) for i, entry in enumerate(logs)]
    mean = smooth([float(entry["reward"]) for entry in logs], window)
    std = smooth([float(entry.get("reward_std", 0.0)) for entry in logs], window)
    resolved = resolution_by_step(run)

    panels = 3 if resolved else 2
    fig, axes = plt.subplots(panels, 1, figsize=(9, 3.2 * panels), sharex=True)
    ax = axes[0]
    ax.plot(steps, mean, color="tab:blue", label="episode reward (mean)")
    ax.fill_between(steps, [m - s for m, s in zip(mean, std)], [m + s for m, s in zip(mean, std)],
                    color="tab:blue", alpha=0.2, label="± 1 std within the step")
    ax.axhline(0.0, color="grey", linewidth=0.5)
    ax.set_ylabel("reward")
    ax.legend(loc="best", fontsize="small")
    ax.set_title(f"kube-sre-gym GRPO: {run.name}")

    ax = axes[1]
    for name in COMPONENTS:
        key = f"rewards/{name}/mean"
        if any(key in entry for entry in logs):
            ax.plot(steps, smooth([float(entry.get(key, 0.0)) for entry in logs], window), label=name)
    ax.axhline(0.0, color="grey", linewidth=0.5)
    ax.set_ylabel("component (mean)")
    ax.legend(loc="best", fontsize="small", ncol=4)

    if resolved:
        ax = axes[2]
        rs = sorted(resolved)
        ax.plot(rs, smooth([resolved[s] for s in rs], window), color="tab:green")
        ax.set_ylim(-0.05, 1.05)
        ax.set_ylabel("resolved share")
    axes[-1].set_xlabel("training step")
    fig.tight_layout()
    target = out or run / "rewards.png"
    fig.savefig(target, dpi=120)
    plt.close(fig)
    return target


def main(argv: Optional[Sequence[str]] = None) -> None:
    p = argparse.ArgumentParser(description="Plot the reward curves of a train_grpo.py run")
    p.add_argument("run", type=Path, help="the run's output directory")
    p.add_argument("--out", type=Path, help="the image to write (default RUN/rewards.png; .svg or .pdf work too)")
    p.add_argument("--smooth", type=int, default=1, help="moving-average window in steps")
    args = p.parse_args(argv)
    if args.smooth < 1:
        p.error("--smooth must be at least 1")
    try:
        print(plot(args.run, args.out, args.smooth))
    except (FileNotFoundError, ValueError) as e:
        raise SystemExit(f"plot_rewards: {e}")


if __name__ == "__main__":
    main()
