"""alsel_py/training.py: the learning-rate schedule, the optimizer's groups and the run directory."""

import argparse
import json
import math

import pytest
import torch

from alsel_py.models.bert_tagger import BertCrfTagger
from alsel_py.training import add_common_arguments, learning_rate, make_optimizer, prepare

torch.set_num_threads(1)


def test_warmup_rises_linearly_to_the_peak():
    assert learning_rate(0, 1000, 1e-3, 100) == pytest.approx(1e-5)
    assert learning_rate(49, 1000, 1e-3, 100) == pytest.approx(5e-4)
    assert learning_rate(99, 1000, 1e-3, 100) == pytest.approx(1e-3)


def test_cosine_decay_ends_at_the_floor_and_stays_there():
    peak, warmup, total = 2e-3, 10, 110
    assert learning_rate(warmup, total, peak, warmup) == pytest.approx(peak)
    middle = peak * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert learning_rate(60, total, peak, warmup) == pytest.approx(middle)
    assert learning_rate(total, total, peak, warmup) == pytest.approx(0.02 * peak)
    assert learning_rate(5 * total, total, peak, warmup) == pytest.approx(0.02 * peak)
    after_warmup = [learning_rate(s, total, peak, warmup) for s in range(warmup, total + 1)]
    assert all(a >= b for a, b in zip(after_warmup, after_warmup[1:]))


def test_no_weight_decay_on_biases_norms_and_crf():
    model = BertCrfTagger(40, 7, hidden=8, layers=1, heads=2, ffn=16, bigram_buckets=16, bigram_dim=2)
    decay, no_decay = make_optimizer(model, 1e-3, 0.01).param_groups
    assert decay["weight_decay"] == 0.01 and no_decay["weight_decay"] == 0.0
    names = {id(p): n for n, p in model.named_parameters()}
    exempt = {names[id(p)] for p in no_decay["params"]}
    assert {"transitions", "start_transitions", "end_transitions", "classifier.bias",
            "final_norm.weight", "layers.0.norm1.weight"} <= exempt
    assert {names[id(p)] for p in decay["params"]} >= {"classifier.weight", "token_embedding.weight",
                                                       "layers.0.ffn_in.weight"}
    assert not exempt & {names[id(p)] for p in decay["params"]}


def run_args(tmp_path, *flags):
    parser = argparse.ArgumentParser()
    parser.add_argument("--run-dir")
    parser.add_argument("--train")
    add_common_arguments(parser)
    return parser.parse_args(["--run-dir", str(tmp_path / "run"), "--train", str(tmp_path / "a.bio"), *flags])


def test_the_split_and_vocabulary_are_fixed_at_the_first_start(tmp_path):
    with open(tmp_path / "a.bio", "w", encoding="utf-8") as f:
        for i in range(20):
            f.write(f"{'甲乙丙丁'[i % 4]}\tB-PER\n好\tO\n\n")
    vocab, _, train, held_out = prepare(run_args(tmp_path, "--held-out", "5", "--min-word-count", "1"))
    assert len(train) == 15 and len(held_out) == 5
    split = json.loads((tmp_path / "run" / "split.json").read_text())
    assert len(split["held_out"]) == 5 and split["mode"] == "random"
    # A second start with other flags reads the same split and vocabulary back.
    again, _, train_again, held_out_again = prepare(run_args(tmp_path, "--held-out", "9", "--seed", "1"))
    assert (train_again, held_out_again) == (train, held_out)
    assert again.tokens == vocab.tokens
