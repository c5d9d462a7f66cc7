#!/usr/bin/python3
"""Masked-language-model pretraining of the tagger's encoder on unlabeled text.

    /usr/bin/python3 scripts/pretrain_mlm.py --run-dir runs/mlm --epochs 4 --threads 2
    /usr/bin/python3 scripts/train_bert_crf.py --run-dir runs/msra-mlm --init-from runs/mlm/encoder.pt

Active learning has unlabeled text for free. This script reads the training split's text (the
tags are ignored) with the same held-out split, vocabulary and tokenizer as train_bert_crf.py
(same --train, --held-out, --seed and --min-word-count give the same files), and trains the
whole BertCrfTagger encoder (token, position and bigram embeddings, transformer layers, final
norm) to predict masked pieces, BERT style: 15% of the pieces of each sentence are chosen; of
those 80% become [MASK], 10% a random piece, 10% stay. The bigram features are computed from the
masked input_ids, so they do not leak the hidden piece. The prediction head (dense, GELU,
LayerNorm, output layer) is used for pretraining only.

The held-out sentences' text is not used, so the held-out F1 of the fine-tuned model stays an
honest model-selection signal; test.bio is never read.

The run directory holds vocab.txt and split.json (identical to the fine-tuning run's), train.log
(JSON lines: masked-piece loss and accuracy on the held-out text after each epoch), last.pt
(resumable: a killed run continues where it stopped) and encoder.pt, a BertCrfTagger state dict
whose classifier and CRF are freshly initialized, for train_bert_crf.py --init-from.
"""

from __future__ import annotations

import argparse
import os
import random
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from alsel_py.examples import collate, make_batches, make_examples
from alsel_py.models.bert_tagger import BertCrfTagger
from alsel_py.models.factory import model_config
from alsel_py.msra import LABELS, msra_dir
from alsel_py.tokenizer import MASK, SPECIAL_TOKENS
from alsel_py.training import (add_common_arguments, atomic_torch_save, learning_rate, log_event, make_optimizer,
                               optimizer_step, prepare)


class MaskedLmHead(nn.Module):
    """BERT's prediction head (dense, GELU, LayerNorm, output layer over the vocabulary). The
    output layer is its own: the encoder's token embeddings are N(0, 1) and normalized after the
    sum with the positions and bigrams, a scale that would make tied logits far too large."""

    def __init__(self, hidden: int, vocab_size: int):
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.norm = nn.LayerNorm(hidden)
        self.output = nn.Linear(hidden, vocab_size)

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        return self.output(self.norm(F.gelu(self.dense(states))))


def encode(model: BertCrfTagger, ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
    """The tagger's forward() up to the final norm (hidden states, not emissions)."""
    saved = model.classifier
    model.classifier = nn.Identity()
    try:
        return model(ids, attention)
    finally:
        model.classifier = saved


def mask_pieces(ids: torch.Tensor, attention: torch.Tensor, rate: float, vocab_size: int,
                mask_id: int, first_regular: int, generator: torch.Generator):
    """Returns (masked ids, positions chosen (bool), original ids). [CLS], [SEP] and padding are
    never chosen; every sentence with a piece gets at least one chosen position."""
    candidates = (attention == 1) & (ids >= first_regular)
    draw = torch.rand(ids.shape, generator=generator)
    chosen = candidates & (draw < rate)
    # A sentence with no chosen piece gets its candidate with the smallest draw.
    none = candidates.any(1) & ~chosen.any(1)
    if none.any():
        fallback = torch.where(candidates, draw, torch.full_like(draw, 2.0)).argmin(1)
        rows = none.nonzero().squeeze(1)
        chosen[rows, fallback[rows]] = True
    kind = torch.rand(ids.shape, generator=generator)
    masked = ids.clone()
    masked[chosen & (kind < 0.8)] = mask_id
    random_pos = chosen & (kind >= 0.8) & (kind < 0.9)
    masked[random_pos] = torch.randint(first_regular, vocab_size, (int(random_pos.sum()),), generator=generator)
    return masked, chosen, ids


def masked_loss(model, head, ids, attention, chosen, targets):
    states = encode(model, ids, attention)
    logits = head(states[chosen])
    gold = targets[chosen]
    loss = F.cross_entropy(logits, gold)
    correct = int((logits.argmax(1) == gold).sum())
    return loss, correct, int(gold.numel())


def evaluate(model, head, examples, batch_tokens, rate, vocab_size, mask_id, first_regular, seed):
    """Masked-piece loss and accuracy on fixed masks of the held-out text."""
    model.eval()
    head.eval()
    generator = torch.Generator().manual_seed(seed)
    total_loss, correct, count = 0.0, 0, 0
    with torch.inference_mode():
        for batch in make_batches(examples, batch_tokens, None):
            ids, attention, *_ = collate(examples, batch)
            masked, chosen, targets = mask_pieces(ids, attention, rate, vocab_size, mask_id, first_regular, generator)
            loss, c, n = masked_loss(model, head, masked, attention, chosen, targets)
            total_loss += float(loss) * n
            correct += c
            count += n
    model.train()
    head.train()
    return {"loss": round(total_loss / max(1, count), 4), "accuracy": round(100 * correct / max(1, count), 2),
            "masked": count}


def pretrain(args):
    torch.set_num_threads(args.threads)
    vocab, tokenizer, train_sentences, dev_sentences = prepare(args)
    train_examples = make_examples(train_sentences, tokenizer, args.max_len)
    dev_examples = make_examples(dev_sentences, tokenizer, args.max_len)
    mask_id = vocab.ids[MASK]
    first_regular = len(SPECIAL_TOKENS)
    torch.manual_seed(args.seed)
    model = BertCrfTagger(len(vocab), len(LABELS), **model_config(args))
    head = MaskedLmHead(args.hidden, len(vocab))
    params = nn.ModuleDict({"model": model, "head": head})
    optimizer = make_optimizer(params, args.lr, args.weight_decay)
    steps_per_epoch = len(make_batches(train_examples, args.batch_tokens, None))
    total_steps = steps_per_epoch * args.epochs
    state = {"epoch": 0, "batch": 0, "step": 0, "history": [], "seconds": 0.0}
    last_path = os.path.join(args.run_dir, "last.pt")
    if os.path.exists(last_path):
        checkpoint = torch.load(last_path)
        params.load_state_dict(checkpoint["params"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        state = checkpoint["state"]
        log_event(args.run_dir, event="resume", **{k: state[k] for k in ("epoch", "batch", "step")})
    else:
        log_event(args.run_dir, event="start", mode="mlm", parameters=sum(p.numel() for p in params.parameters()),
                  vocab=len(vocab), train_examples=len(train_examples), dev_examples=len(dev_examples),
                  steps_per_epoch=steps_per_epoch, args=vars(args))

    def save_last():
        atomic_torch_save({"params": params.state_dict(), "optimizer": optimizer.state_dict(),
                           "state": state, "config": model_config(args)}, last_path)

    def save_encoder():
        atomic_torch_save({"model": model.state_dict(), "config": model_config(args), "vocab": vocab.to_text(),
                           "mlm": state["history"][-1] if state["history"] else None,
                           "epoch": state["epoch"]}, os.path.join(args.run_dir, "encoder.pt"))

    model.train()
    head.train()
    last_save = time.time()
    while state["epoch"] < args.epochs:
        batches = make_batches(train_examples, args.batch_tokens, random.Random(args.seed * 1000 + state["epoch"]))
        epoch_loss, epoch_count, epoch_correct, started = 0.0, 0, 0, time.time()
        generator = torch.Generator().manual_seed(args.seed * 1000 + state["epoch"] * 7919 + state["batch"])
        torch.manual_seed(args.seed * 1000 + state["epoch"] * 7 + state["batch"])
        while state["batch"] < len(batches):
            ids, attention, *_ = collate(train_examples, batches[state["batch"]])
            masked, chosen, targets = mask_pieces(ids, attention, args.mask_rate, len(vocab), mask_id,
                                                  first_regular, generator)
            loss, correct, count = masked_loss(model, head, masked, attention, chosen, targets)
            optimizer_step(optimizer, loss, params.parameters(),
                           learning_rate(state["step"], total_steps, args.lr, args.warmup), args.clip)
            epoch_loss += float(loss) * count
            epoch_count += count
            epoch_correct += correct
            state["batch"] += 1
            state["step"] += 1
            if state["step"] % args.log_every == 0:
                log_event(args.run_dir, event="progress", epoch=state["epoch"], batch=state["batch"],
                          of=len(batches), step=state["step"], loss=round(epoch_loss / max(1, epoch_count), 4),
                          accuracy=round(100 * epoch_correct / max(1, epoch_count), 2),
                          lr=round(optimizer.param_groups[0]["lr"], 6))
            if time.time() - last_save > args.checkpoint_minutes * 60:
                state["seconds"] += time.time() - started
                started = time.time()
                save_last()
                last_save = time.time()
        state["seconds"] += time.time() - started
        dev = evaluate(model, head, dev_examples, args.batch_tokens * 2, args.mask_rate, len(vocab), mask_id,
                       first_regular, args.seed)
        state["epoch"] += 1
        state["batch"] = 0
        state["history"].append({"epoch": state["epoch"], "dev": dev,
                                 "loss": round(epoch_loss / max(1, epoch_count), 4)})
        save_encoder()
        save_last()
        last_save = time.time()
        log_event(args.run_dir, event="epoch", epoch=state["epoch"], dev=dev,
                  train_hours=round(state["seconds"] / 3600, 3))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", required=True, help="checkpoints, vocabulary, split, log and encoder.pt")
    parser.add_argument("--train", default=os.path.join(msra_dir(), "train.bio"),
                        help="BIO file whose text is used; its tags are ignored")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--mask-rate", type=float, default=0.15)
    add_common_arguments(parser)
    args = parser.parse_args()
    pretrain(args)


if __name__ == "__main__":
    main()
