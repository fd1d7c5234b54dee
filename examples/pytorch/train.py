#!/usr/bin/env python3
"""A user's own trainer driven by ScaleLab: a small byte-level transformer in PyTorch.

ScaleLab plans the ladder and runs this script once per run, locally or as a Slurm array task:

    scalelab ladder run --store lab.sqlite --executor slurm --partition debug --time-limit 2:00:00 \
      --train-command 'python examples/pytorch/train.py --layers {layers} --d-model {d_model} \
        --heads {heads} --context {context} --tokens {tokens} --batch {batch} --lr {learning_rate} \
        --warmup-tokens {warmup_tokens} --seed {seed} --threads {threads} --data {data} \
        --checkpoint {checkpoint} --out {result}'

What ScaleLab needs from it (docs/trainers.md):
- the result file at --out, one JSON object written once by atomic rename (os.replace);
- on SIGTERM (Slurm's time limit, preemption) or SIGINT (Ctrl-C of `ladder run`): save the
  checkpoint, write an "interrupted" result, exit; the next launch resumes from --checkpoint.

Python and PyTorch are the user's; ScaleLab itself never imports or needs them.
"""
import argparse
import json
import math
import os
import signal
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, required=True)
    p.add_argument("--d-model", type=int, required=True)
    p.add_argument("--heads", type=int, required=True)
    p.add_argument("--context", type=int, required=True)
    p.add_argument("--tokens", type=int, required=True, help="token budget D")
    p.add_argument("--batch", type=int, required=True, help="sequences per step")
    p.add_argument("--lr", type=float, required=True)
    p.add_argument("--warmup-tokens", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", required=True, help="a UTF-8 text file")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--out", required=True, help="the result file")
    p.add_argument("--curve-points", type=int, default=8)
    return p.parse_args()


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class ByteLM(nn.Module):
    def __init__(self, layers, d, heads, context):
        super().__init__()
        self.embed, self.pos = nn.Embedding(256, d), nn.Embedding(context, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, 256, bias=False)
        self.register_buffer("mask", torch.triu(torch.full((context, context), float("-inf")), 1), persistent=False)

    def forward(self, x):
        t = x.shape[1]
        h = self.embed(x) + self.pos(torch.arange(t))
        for b in self.blocks:
            h = b(h, self.mask[:t, :t])
        return self.head(self.ln(h))


def write_result(path, result):
    """Once, by atomic rename: a reader never sees half a file."""
    with open(path + ".tmp", "w") as f:
        json.dump(result, f)
    os.replace(path + ".tmp", path)


def main():
    a = parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    data = torch.tensor(list(open(a.data, "rb").read()), dtype=torch.long)
    split = int(0.9 * len(data))
    train, valid = data[:split], data[split:]

    model = ByteLM(a.layers, a.d_model, a.heads, a.context)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.1)
    steps = max(1, math.ceil(a.tokens / (a.batch * a.context)))
    warmup = a.warmup_tokens // (a.batch * a.context)
    n_params = sum(p.numel() for p in model.parameters())
    n_embed = model.embed.weight.numel() + model.pos.weight.numel()
    curve_steps = sorted({max(1, round(steps * (k + 1) / a.curve_points)) for k in range(a.curve_points)})

    def lr_at(step):
        if step < warmup:
            return a.lr * (step + 1) / warmup
        return a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup))))

    def batch(source, generator, n):
        i = torch.randint(0, len(source) - a.context - 1, (n,), generator=generator)
        x = torch.stack([source[j:j + a.context] for j in i])
        y = torch.stack([source[j + 1:j + a.context + 1] for j in i])
        return x, y

    @torch.no_grad()
    def evaluate():
        model.eval()
        g = torch.Generator().manual_seed(1234)   # the same validation batches every time
        losses, correct, total = [], 0, 0
        for _ in range(8):
            x, y = batch(valid, g, 16)
            logits = model(x)
            losses.append(F.cross_entropy(logits.reshape(-1, 256), y.reshape(-1)).item())
            correct += (logits.argmax(-1) == y).sum().item()
            total += y.numel()
        model.train()
        return sum(losses) / len(losses), correct / total

    step, curve, elapsed = 0, [], 0.0
    generator = torch.Generator().manual_seed(a.seed)
    if os.path.exists(a.checkpoint):   # a requeued or relaunched run continues where it stopped
        ck = torch.load(a.checkpoint, weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        generator.set_state(ck["generator"])
        step, curve, elapsed = ck["step"], ck["curve"], ck["elapsed"]

    stop = {"signal": None}
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, _: stop.update(signal=s))

    start = time.time() - elapsed
    loss = float("nan")
    while step < steps:
        if stop["signal"] is not None:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "generator": generator.get_state(),
                        "step": step, "curve": curve, "elapsed": time.time() - start}, a.checkpoint + ".tmp")
            os.replace(a.checkpoint + ".tmp", a.checkpoint)
            write_result(a.out, {"status": "interrupted", "message": f"signal {stop['signal']} at step {step} of {steps}; checkpoint written"})
            return
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        x, y = batch(train, generator, a.batch)
        loss = F.cross_entropy(model(x).reshape(-1, 256), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if not math.isfinite(loss.item()):
            write_result(a.out, {"status": "diverged", "message": f"loss {loss.item()} at step {step}"})
            return
        if step in curve_steps:
            val, _ = evaluate()
            curve.append({"step": step, "tokens": step * a.batch * a.context, "loss": val,
                          "train_loss": loss.item(), "learning_rate": lr_at(step - 1)})

    val, accuracy = evaluate()
    tokens = steps * a.batch * a.context
    write_result(a.out, {
        "status": "completed", "final_loss": val, "train_loss": loss.item(),
        "parameters": n_params, "non_embedding_parameters": n_params - n_embed, "tokens": tokens,
        "flops": 6 * n_params * tokens, "wall_seconds": time.time() - start,
        "learning_curve": curve, "metrics": {"next_byte_accuracy": accuracy},
    })
    if os.path.exists(a.checkpoint):
        os.remove(a.checkpoint)


if __name__ == "__main__":
    main()
