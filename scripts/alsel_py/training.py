"""What a training run shares between train_bert_crf.py, pretrain_mlm.py and al_experiment.py:
the run directory (split, vocabulary, JSON-lines log, atomic checkpoints), the optimizer and its
learning-rate schedule, and the split, schedule and architecture flags.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os

import torch
import torch.nn as nn

from .bio import read_bio
from .examples import build_vocabulary
from .splits import novel_held_out, random_held_out
from .tokenizer import Tokenizer, Vocabulary


def log_event(run_dir: str, **event):
    event["time"] = datetime.datetime.now().isoformat(timespec="seconds")
    line = json.dumps(event, ensure_ascii=False)
    print(line, flush=True)
    with open(os.path.join(run_dir, "train.log"), "a", encoding="utf-8") as f:
        f.write(line + "\n")


def atomic_torch_save(obj, path: str):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def learning_rate(step: int, total: int, peak: float, warmup: int) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress)))


def optimizer_step(optimizer: torch.optim.Optimizer, loss: torch.Tensor, parameters, lr: float, clip: float):
    """One update at learning rate `lr`: backward, gradient-norm clipping to `clip`, step."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(parameters, clip)
    optimizer.step()


def make_optimizer(model: nn.Module, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    """AdamW; no weight decay on biases, norms and the CRF transitions."""
    def exempt(name: str, p: torch.Tensor) -> bool:
        return p.dim() < 2 or "norm" in name or "transitions" in name
    decay = [p for n, p in model.named_parameters() if not exempt(n, p)]
    no_decay = [p for n, p in model.named_parameters() if exempt(n, p)]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}], lr=lr)


def prepare(args):
    """The run directory's split (split.json) and vocabulary (vocab.txt), made at its first start
    and read back after; returns (vocab, tokenizer, training sentences, held-out sentences)."""
    os.makedirs(args.run_dir, exist_ok=True)
    vocab_path = os.path.join(args.run_dir, "vocab.txt")
    split_path = os.path.join(args.run_dir, "split.json")
    sentences = read_bio(args.train)
    if not os.path.exists(split_path):
        # The split is fixed when the run starts; a resumed run reads it back whatever the flags say.
        if getattr(args, "held_out_split", "random") == "novel":
            held_out = novel_held_out(sentences, args.held_out, args.seed)
        else:
            held_out = random_held_out(len(sentences), args.held_out, args.seed)
        with open(split_path, "w") as f:
            json.dump({"train": args.train, "held_out": held_out,
                       "mode": getattr(args, "held_out_split", "random")}, f)
    with open(split_path) as f:
        held_out = set(json.load(f)["held_out"])
    train_sentences = [s for i, s in enumerate(sentences) if i not in held_out]
    dev_sentences = [s for i, s in enumerate(sentences) if i in held_out]
    if not os.path.exists(vocab_path):
        vocab = build_vocabulary(train_sentences, args.min_word_count)
        with open(vocab_path, "w", encoding="utf-8", newline="") as f:
            f.write(vocab.to_text())
    vocab = Vocabulary.from_file(vocab_path)
    tokenizer = Tokenizer(vocab, do_lower_case=True, fold_fullwidth=True)
    return vocab, tokenizer, train_sentences, dev_sentences


def add_common_arguments(parser: argparse.ArgumentParser):
    """Split, schedule and architecture flags shared with pretrain_mlm.py: a pretraining run and
    its fine-tuning run must agree on the split, the vocabulary and the model's shape."""
    parser.add_argument("--held-out", type=int, default=2000,
                        help="training sentences kept for model selection (their text is not trained on)")
    parser.add_argument("--held-out-split", choices=("random", "novel"), default="random",
                        help="random sentences, or novel: sentences whose entities occur in no remaining "
                             "training sentence (as test's unseen names do); fixed in split.json at the first start")
    parser.add_argument("--batch-tokens", type=int, default=4096)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--ffn", type=int, default=1024)
    parser.add_argument("--max-len", type=int, default=256)
    parser.add_argument("--rel-window", type=int, default=32)
    parser.add_argument("--conv-kernel", type=int, default=0,
                        help="bert: a depthwise convolution of this (odd) width in every layer before attention; "
                             "0 = none")
    parser.add_argument("--bigram-buckets", type=int, default=16384)
    parser.add_argument("--bigram-dim", type=int, default=48)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--min-word-count", type=int, default=5)
    parser.add_argument("--lexicon", default=None, metavar="DICT",
                        help="lexicon features from a jieba-format dictionary (word freq tag), e.g. "
                             "/usr/lib/python3/dist-packages/jieba/dict.txt; default: none")
    parser.add_argument("--lexicon-max-word", type=int, default=10, help="longest dictionary word used, in characters")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--checkpoint-minutes", type=float, default=10)
