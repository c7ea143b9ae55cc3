"""One GRPO step of examples/train_grpo.py on CPU against the real server: a tiny, randomly
initialised Qwen3-shaped model and a tokenizer built here (nothing is downloaded).

The model is first taught, in a few seconds of supervised steps, to answer every prompt with one
kubectl tool call, so the step goes through TRL's whole tool loop: the call is parsed, runs as a
step of the rollout's own session, and its output comes back to the model. Runs only where
torch, transformers, trl and peft are installed (python/ci.sh's `train` venv, `-m training`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List

import pytest

from ksg import REPO

pytestmark = pytest.mark.training

#: The one tool call the tiny model learns to make (short output, so turns stay small).
COMMAND = "kubectl get nodes"


def require(module: str) -> ModuleType:
    """The module, or a skip; under KSG_REQUIRE_TRAINING=1 (CI's train venv) a failure."""
    if os.environ.get("KSG_REQUIRE_TRAINING") == "1":
        return importlib.import_module(module)
    return pytest.importorskip(module)


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "python" / "examples" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def tiny_tokenizer() -> Any:
    """A byte-level BPE tokenizer trained on a few strings, with Qwen3's chat template (as
    shipped in TRL) and its special tokens."""
    from jinja2 import Template
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    from trl.chat_template_utils import qwen3_chat_template

    from transformers.utils import get_json_schema

    tg = load_example("train_grpo")
    # The rendered prompt itself is in the corpus, so the prompts encode to few tokens.
    rendered = Template(qwen3_chat_template).render(
        messages=conversation(tg, "alert"), tools=[get_json_schema(tg.KubeSreToolEnv.kubectl)],
        add_generation_prompt=True, enable_thinking=False,
    )
    corpus = [rendered, "kubectl get nodes NAME STATUS ROLES AGE VERSION Ready Running NAMESPACE"] * 8
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(
        corpus,
        trainers.BpeTrainer(
            vocab_size=1024,
            special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        ),
    )
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    tok.add_tokens(["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>"])
    tok.chat_template = qwen3_chat_template
    tok.padding_side = "left"
    return tok


def tiny_model(tok: Any) -> Any:
    import torch
    from transformers import Qwen3Config, Qwen3ForCausalLM

    torch.manual_seed(0)
    config = Qwen3Config(
        vocab_size=len(tok),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        bos_token_id=None,
    )
    return Qwen3ForCausalLM(config)


def conversation(tg: ModuleType, alert: str) -> List[Dict[str, Any]]:
    """A rollout's first prompt as train_grpo.py's dataset row and TRL's reset make it."""
    row = tg.build_dataset(tg.parse_args(["--incidents", "1"]))[0]
    *head, last = row["prompt"]
    return [*head, {**last, "content": last["content"] + alert}]


def teach_tool_call(model: Any, tok: Any, tg: ModuleType, tools: List[Any], alerts: List[str]) -> None:
    """Supervised steps until the model answers each rollout's first prompt (the alerts are the
    incidents') with the one tool call, rendered exactly as TRL renders it (`tools`: the tool
    environment's bound methods, as TRL passes them)."""
    import torch
    from trl.chat_template_utils import get_training_chat_template, is_chat_template_prefix_preserving

    template = None if is_chat_template_prefix_preserving(tok) else get_training_chat_template(tok)
    answer = tok(
        f'<tool_call>\n{{"name": "kubectl", "arguments": {{"command": "{COMMAND}"}}}}\n</tool_call><|im_end|>',
        add_special_tokens=False,
    )["input_ids"]
    rows = []
    for alert in alerts:
        prompt = tok.apply_chat_template(
            conversation(tg, alert), tools=tools, chat_template=template,
            add_generation_prompt=True, tokenize=True, return_dict=True, enable_thinking=False,
        )["input_ids"]
        rows.append((list(prompt), answer))
    width = max(len(p) + len(a) for p, a in rows)
    pad = tok.pad_token_id
    # Left-padded, as TRL generates; only the answer is learnt.
    ids = torch.tensor([[pad] * (width - len(p) - len(a)) + p + a for p, a in rows])
    labels = torch.tensor([[-100] * (width - len(a)) + a for p, a in rows])
    starts = torch.tensor([width - len(p) - len(a) for p, a in rows])
    mask = (torch.arange(width)[None, :] >= starts[:, None]).long()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    loss = float("inf")
    for _ in range(300):
        out = model(input_ids=ids, attention_mask=mask, labels=labels)
        out.loss.backward()
        opt.step()
        opt.zero_grad()
        loss = out.loss.item()
        if loss < 0.002:
            break
    assert loss < 0.01, f"the tiny model did not learn the tool call (loss {loss:.4f})"


def read_jsonl(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_one_grpo_step_on_cpu(server, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    for module in ("torch", "transformers", "trl", "peft"):
        require(module)
    tg = load_example("train_grpo")
    out = tmp_path / "run"
    # Two incidents, G = 2: one batch of two groups, one optimizer step, LoRA adapters; one
    # tool call per rollout.
    args = tg.parse_args([
        "--url", server.base_url, "--output-dir", str(out),
        "--incidents", "2", "--seed-start", "7", "--difficulty", "warmup",
        "--num-generations", "2", "--per-device-train-batch-size", "4", "--training-steps", "1",
        "--max-completion-length", "256", "--max-tool-calls", "1", "--learning-rate", "1e-3",
        "--lora", "--lora-r", "4", "--lora-alpha", "8", "--save-steps", "1000",
    ])
    # The alerts the rollouts will start from (a seed gives the same incident all run long).
    monkeypatch.setattr(tg, "ENV_URL", server.base_url)
    probe = tg.KubeSreToolEnv()
    alerts = [probe.reset(**row) or "" for row in tg.build_dataset(args)]
    probe.client.close()

    tok = tiny_tokenizer()
    model = tiny_model(tok)
    teach_tool_call(model, tok, tg, [probe.kubectl], alerts)
    trainer = tg.build_trainer(args, model=model, processing_class=tok)
    assert [t.__name__ for t in trainer.tools] == ["kubectl"]
    trainer.train()
    assert trainer.state.global_step == 1

    # Every rollout ran the model's tool call as a step of its own episode; a group's two
    # rollouts share their seed and so their incident, and the two groups differ.
    rollouts = read_jsonl(out / "rollouts.jsonl")
    assert len(rollouts) == 4
    assert all(r["steps"] == 1 and r["step"] == 1 for r in rollouts), rollouts
    by_seed: Dict[int, set] = {}
    for r in rollouts:
        by_seed.setdefault(r["seed"], set()).add(r["incident_id"])
    assert sorted(by_seed) == [7, 8]
    assert all(len(ids) == 1 for ids in by_seed.values()), by_seed
    assert by_seed[7] != by_seed[8]
    for r in rollouts:
        assert r["reward"] != 0 and r["reward"] == pytest.approx(sum(r["breakdown"].values()), abs=1e-6), r

    # The trainer's log carries the reward and every component.
    logs = [entry for entry in read_jsonl(out / "log_history.jsonl") if "reward" in entry]
    assert logs, "no reward in the training log"
    log = logs[0]
    assert log["tools/call_frequency"] > 0
    for name in tg.COMPONENTS:
        assert f"rewards/{name}/mean" in log
    def mean(key: str) -> float:
        return sum(r["breakdown"][key] if key in r["breakdown"] else r[key] for r in rollouts) / len(rollouts)

    assert log["reward"] == pytest.approx(mean("reward"), abs=1e-4)
    for name in tg.COMPONENTS:
        assert log[f"rewards/{name}/mean"] == pytest.approx(mean(name), abs=1e-4), name

    # The reward-curve plot renders from the run's logs.
    require("matplotlib")
    png = tmp_path / "rewards.png"
    subprocess.run(
        [sys.executable, str(REPO / "python" / "examples" / "plot_rewards.py"), str(out), "--out", str(png)],
        check=True,
    )
    assert png.stat().st_size > 1000
