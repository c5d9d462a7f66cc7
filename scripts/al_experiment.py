#!/usr/bin/python3
"""The article's active-learning simulation on MSRA, run with alsel itself.

    /usr/bin/python3 scripts/al_experiment.py --work runs/al-msra               # reduced protocol
    /usr/bin/python3 scripts/al_experiment.py --work runs/al-msra-full --full   # a GPU machine
    /usr/bin/python3 scripts/al_report.py --results runs/al-msra/results.csv --out docs/experiments/msra-al

For every seed and strategy: hide the labels of a pool (the "universe"), label a random 5%, then
loop: train a CRF tagger on the labeled part from scratch (the reduced protocol: the small
convolutional CRF of alsel_py/conv_tagger.py; --full: train_bert_crf.py's 3-layer BERT-CRF),
export it to TorchScript with alsel's metadata, evaluate it with `alsel eval`, select the next
batch from the unlabeled rest with `alsel select -s STRATEGY`, and move the selected sentences,
with their gold labels, into the labeled part. The initial 5% and its model are shared by all
strategies of a seed. docs/experiments/msra-al/README.md describes the protocol and its results.

Resumable: every finished round leaves ROUND/done.json (labeled ids, F1) and a row in
WORK/results.csv; a killed run, started again with the same arguments, continues after the last
finished round. The protocol (universe, test subset, model size, training budget) is written to
WORK/protocol.json on the first start and must match on resume.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import fcntl
import json
import math
import os
import random
import subprocess
import sys
import time
from typing import Dict, List, Sequence

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_bert_crf as tbc  # noqa: E402
from alsel_py.bio import Sentence, read_bio  # noqa: E402
from alsel_py.conv_tagger import ConvCrfTagger  # noqa: E402
from alsel_py.tokenizer import Tokenizer, Vocabulary  # noqa: E402

STRATEGIES = ["random", "nlc", "trimmed", "mnlp", "entropy", "ltp", "ltp-unk"]
FRACTIONS = [0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.40, 0.50]
RESULT_FIELDS = ["strategy", "seed", "round", "labeled_fraction", "labeled_sentences", "f1",
                 "precision", "recall", "train_seconds", "select_seconds", "eval_seconds"]

# The reduced protocol: what fits in about three hours on two CPU cores (docs/experiments/msra-al).
REDUCED = {
    "universe_sentences": 4000,     # random subset of train.bio: the pool whose labels are hidden
    "test_sentences": 2000,         # random subset of test.bio, the same for every point
    "subset_seed": 2026,            # draws the universe and the test subset (fixed across seeds)
    # A convolutional CRF tagger (scripts/alsel_py/conv_tagger.py), not the 3-layer transformer:
    # with this budget a transformer from scratch stays near F1 10 (measured, see the README).
    "arch": "conv",
    "model": dict(hidden=192, dilations=[1, 2, 1], max_len=256, bigram_buckets=16384, bigram_dim=64,
                  dropout=0.2),
    "epochs": 4,                    # per round, from scratch ...
    "min_steps": 100,               # ... but at least this many optimizer steps (small rounds)
    "batch_tokens": 2048,
    "lr": 5e-3,
    "warmup_fraction": 0.1,
    "weight_decay": 0.01,
    "min_word_count": 2,            # vocabulary from the universe's text (labels unused)
}

# The article's protocol: all of train.bio as the universe, the full test split, the shipped
# model's size and a longer schedule. Hours of GPU time; never run on the 2-core machine.
FULL = dict(REDUCED, universe_sentences=0, test_sentences=0, arch="bert", lr=1e-3,
            model=dict(hidden=256, layers=3, heads=4, ffn=1024, max_len=256, rel_window=32,
                       bigram_buckets=16384, bigram_dim=48, dropout=0.1),
            epochs=20, min_steps=2000, batch_tokens=4096)


# A protocol small enough for a test (tests/al_experiment_test.cc): minutes, not hours; its F1
# values mean nothing.
SMOKE = dict(REDUCED, universe_sentences=120, test_sentences=60,
             model=dict(hidden=16, dilations=[1], max_len=128, bigram_buckets=1024, bigram_dim=8, dropout=0.1),
             epochs=1, min_steps=4, batch_tokens=1024)


def log(message: str):
    print(f"[{datetime.datetime.now().isoformat(timespec='seconds')}] {message}", flush=True)


def write_atomic(path: str, text: str):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def write_bio(path: str, sentences: Sequence[Sentence]):
    lines = []
    for chars, tags in sentences:
        lines.extend(f"{c}\t{t}" for c, t in zip(chars, tags))
        lines.append("")
    write_atomic(path, "\n".join(lines) + "\n")


class Experiment:
    def __init__(self, args):
        self.args = args
        self.work = args.work
        name = "full" if args.full else "smoke" if args.smoke else "reduced"
        self.protocol = dict({"full": FULL, "smoke": SMOKE, "reduced": REDUCED}[name], name=name)
        os.makedirs(self.work, exist_ok=True)
        self._check_protocol()
        train = read_bio(args.train)
        test = read_bio(args.test)
        rng = random.Random(self.protocol["subset_seed"])
        n_universe = self.protocol["universe_sentences"] or len(train)
        n_test = self.protocol["test_sentences"] or len(test)
        self.universe_index = sorted(rng.sample(range(len(train)), n_universe))
        self.universe = [train[i] for i in self.universe_index]
        self.ids = [f"train-{i}" for i in self.universe_index]  # id = line of the sentence in train.bio order
        self.by_id = dict(zip(self.ids, self.universe))
        self.position = {sentence_id: i for i, sentence_id in enumerate(self.ids)}
        test_index = sorted(random.Random(self.protocol["subset_seed"] + 1).sample(range(len(test)), n_test))
        self.test_path = os.path.join(self.work, "test.bio")
        if not os.path.exists(self.test_path):
            write_bio(self.test_path, [test[i] for i in test_index])
        vocab_path = os.path.join(self.work, "vocab.txt")
        if not os.path.exists(vocab_path):
            write_atomic(vocab_path, tbc.build_vocabulary(self.universe, self.protocol["min_word_count"]).to_text())
        self.vocab = Vocabulary.from_file(vocab_path)
        self.tokenizer = Tokenizer(self.vocab, do_lower_case=True, fold_fullwidth=True)
        self.results_path = os.path.join(self.work, "results.csv")

    def _check_protocol(self):
        path = os.path.join(self.work, "protocol.json")
        recorded = {"protocol": self.protocol, "train": os.path.abspath(self.args.train),
                    "test": os.path.abspath(self.args.test)}
        if os.path.exists(path):
            with open(path) as f:
                previous = json.load(f)
            if previous != recorded:
                raise SystemExit(f"{path}: this work directory was started with another protocol or data; "
                                 "use a new --work directory")
        else:
            write_atomic(path, json.dumps(recorded, indent=1))

    # ---------------------------------------------------------------------------------------
    # one round: train, export, evaluate

    def train_and_export(self, labeled_ids: List[str], seed: int, path: str) -> float:
        p = self.protocol
        torch.set_num_threads(self.args.threads)
        torch.manual_seed(seed)
        examples = tbc.make_examples([self.by_id[i] for i in labeled_ids], self.tokenizer, p["model"]["max_len"])
        architecture = ConvCrfTagger if p["arch"] == "conv" else tbc.BertCrfTagger
        model = architecture(len(self.vocab), len(tbc.LABELS), **p["model"]).to(self.args.device)
        optimizer = tbc.make_optimizer(model, p["lr"], p["weight_decay"])
        per_epoch = len(tbc.make_batches(examples, p["batch_tokens"], None))
        epochs = max(p["epochs"], math.ceil(p["min_steps"] / per_epoch))
        total = per_epoch * epochs
        warmup = max(1, int(total * p["warmup_fraction"]))
        started, step = time.time(), 0
        model.train()
        for epoch in range(epochs):
            for batch in tbc.make_batches(examples, p["batch_tokens"], random.Random(seed * 1000 + epoch)):
                ids, attention, word_index, labels, mask = (t.to(self.args.device)
                                                            for t in tbc.collate(examples, batch))
                for group in optimizer.param_groups:
                    group["lr"] = tbc.learning_rate(step, total, p["lr"], warmup)
                emissions = tbc.word_emissions(model, ids, attention, word_index)
                loss = tbc.crf_negative_log_likelihood(emissions, labels, mask, model) / mask.sum()
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                step += 1
        seconds = time.time() - started
        model = model.to("cpu").eval()
        meta = {
            "format": "alsel-ner-model/1", "name": os.path.basename(os.path.dirname(path)),
            "labels": tbc.LABELS, "max_len": p["model"]["max_len"], "do_lower_case": True,
            "strip_accents": True, "fold_fullwidth": True, "crf": True,
            "architecture": dict(p["model"], type="conv-crf (hashed bigrams, gated convolutions)"
                                 if p["arch"] == "conv" else "bert-crf (pre-LN, relative position bias, hashed bigrams)"),
            "training_data": {"labeled_sentences": len(labeled_ids), "epochs": epochs, "steps": step,
                              "source": "MSRA NER, SIGHAN 2006 bakeoff 3 (active-learning simulation)"},
            "date": datetime.date.today().isoformat(),
        }
        tbc.save_torchscript(torch.jit.script(model), self.vocab, meta, path)
        return seconds

    def alsel(self, *arguments: str) -> str:
        command = [self.args.alsel, *arguments]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed with exit code {result.returncode}:\n{result.stderr}")
        return result.stdout

    def evaluate(self, model_path: str) -> Dict:
        return json.loads(self.alsel("eval", "-m", model_path, "--data", self.test_path, "--json",
                                     "--threads", str(self.args.threads), "--device", self.args.alsel_device))

    def select(self, model_path: str, strategy: str, seed: int, labeled_ids: List[str], k: int,
               round_dir: str) -> List[str]:
        labeled = set(labeled_ids)
        pool_path = os.path.join(round_dir, "unlabeled.jsonl")
        write_atomic(pool_path, "".join(json.dumps({"id": i, "text": "".join(self.by_id[i][0])}, ensure_ascii=False)
                                        + "\n" for i in self.ids if i not in labeled))
        out = os.path.join(round_dir, "selected.jsonl")
        arguments = ["select", "-m", model_path, "-p", pool_path, "-s", strategy, "-k", str(k),
                     "--dedupe", "none", "-o", out, "--no-manifest", "--progress", "none",
                     "--threads", str(self.args.threads), "--device", self.args.alsel_device]
        if strategy == "random":
            arguments += ["--seed", str(seed)]
        if strategy == "ltp-unk":
            known = os.path.join(round_dir, "labeled.bio")
            write_bio(known, [self.by_id[i] for i in labeled_ids])
            arguments += ["--labeled", known, "--keep-labeled"]
        self.alsel(*arguments)
        with open(out, encoding="utf-8") as f:
            selected = [json.loads(line)["id"] for line in f if line.strip()]
        os.remove(pool_path)
        if len(selected) != k or len(set(selected)) != k or labeled & set(selected):
            raise SystemExit(f"{out}: expected {k} new distinct ids, got {len(selected)}")
        return selected

    # ---------------------------------------------------------------------------------------

    def target_sizes(self, strategy: str) -> List[int]:
        n = len(self.universe)
        fractions = FRACTIONS + ([1.0] if strategy == "random" else [])
        return [round(f * n) for f in fractions]

    def run_round(self, round_dir: str, labeled_ids: List[str], seed: int) -> Dict:
        done_path = os.path.join(round_dir, "done.json")
        if os.path.exists(done_path):
            with open(done_path) as f:
                return json.load(f)
        os.makedirs(round_dir, exist_ok=True)
        model_path = os.path.join(round_dir, "model.pt")
        train_seconds = self.train_and_export(labeled_ids, seed, model_path)
        started = time.time()
        result = self.evaluate(model_path)
        done = {"labeled_ids": labeled_ids, "f1": result["f1"], "precision": result["precision"],
                "recall": result["recall"], "train_seconds": round(train_seconds, 1),
                "eval_seconds": round(time.time() - started, 1)}
        write_atomic(done_path, json.dumps(done))
        return done

    def record(self, strategy: str, seed: int, round_index: int, done: Dict, select_seconds: float):
        with open(self.results_path + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # --jobs: other workers append to the same file
            self._record(strategy, seed, round_index, done, select_seconds)

    def _record(self, strategy: str, seed: int, round_index: int, done: Dict, select_seconds: float):
        rows = self.read_results()
        key = (strategy, str(seed), str(round_index))
        if any((r["strategy"], r["seed"], r["round"]) == key for r in rows):
            return
        n = len(done["labeled_ids"])
        row = {"strategy": strategy, "seed": seed, "round": round_index,
               "labeled_fraction": round(n / len(self.universe), 4), "labeled_sentences": n,
               "f1": round(done["f1"], 2), "precision": round(done["precision"], 2),
               "recall": round(done["recall"], 2), "train_seconds": done["train_seconds"],
               "select_seconds": round(select_seconds, 1), "eval_seconds": done["eval_seconds"]}
        rows.append({k: str(v) for k, v in row.items()})
        text = ",".join(RESULT_FIELDS) + "\n" + "".join(",".join(r[k] for k in RESULT_FIELDS) + "\n" for r in rows)
        write_atomic(self.results_path, text)

    def read_results(self) -> List[Dict[str, str]]:
        if not os.path.exists(self.results_path):
            return []
        with open(self.results_path, newline="") as f:
            return list(csv.DictReader(f))

    def run(self, strategy: str, seed: int):
        sizes = self.target_sizes(strategy)
        # Round 0: the same random 5% and the same model for every strategy of this seed.
        initial = sorted(random.Random(seed).sample(self.ids, sizes[0]), key=self.position.__getitem__)
        labeled = list(initial)
        seed_dir = os.path.join(self.work, f"seed-{seed}")
        os.makedirs(seed_dir, exist_ok=True)
        with open(os.path.join(seed_dir, "round-00.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # --jobs: one worker trains the shared round 0
            done = self.run_round(os.path.join(seed_dir, "round-00"), labeled, seed)
        self.record(strategy, seed, 0, done, 0.0)
        previous_dir = os.path.join(seed_dir, "round-00")
        for round_index, size in enumerate(sizes[1:], start=1):
            if self.args.max_rounds is not None and round_index > self.args.max_rounds:
                break
            round_dir = os.path.join(seed_dir, strategy, f"round-{round_index:02d}")
            done_path = os.path.join(round_dir, "done.json")
            select_seconds = 0.0
            if os.path.exists(done_path):
                done = self.run_round(round_dir, [], seed)
            else:
                os.makedirs(round_dir, exist_ok=True)
                started = time.time()
                labeled = labeled + self.select(os.path.join(previous_dir, "model.pt"), strategy, seed, labeled,
                                                size - len(labeled), round_dir)
                select_seconds = time.time() - started
                done = self.run_round(round_dir, labeled, seed)
                # Only the last model of a run is needed to resume it.
                old_model = os.path.join(previous_dir, "model.pt")
                if round_index > 1 and os.path.exists(old_model):
                    os.remove(old_model)
            labeled = done["labeled_ids"]
            self.record(strategy, seed, round_index, done, select_seconds)
            log(f"{strategy} seed {seed} round {round_index}: {len(labeled)} labeled, F1 {done['f1']:.2f} "
                f"(train {done['train_seconds']} s, select {select_seconds:.1f} s, eval {done['eval_seconds']} s)")
            previous_dir = round_dir


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", required=True, help="work directory: models, selections, results.csv")
    parser.add_argument("--train", default=os.path.join(tbc.msra_dir(), "train.bio"))
    parser.add_argument("--test", default=os.path.join(tbc.msra_dir(), "test.bio"))
    parser.add_argument("--alsel", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "alsel"))
    parser.add_argument("--full", action="store_true", help="the article's protocol (a GPU machine)")
    parser.add_argument("--smoke", action="store_true", help="a tiny protocol for tests (meaningless F1)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--strategies", nargs="+", default=STRATEGIES, choices=STRATEGIES)
    parser.add_argument("--threads", type=int, default=1, help="torch and alsel threads")
    parser.add_argument("--device", default="cpu", help="training device (cpu or cuda)")
    parser.add_argument("--alsel-device", default="cpu", help="alsel's --device")
    parser.add_argument("--max-rounds", type=int, default=None,
                        help="stop each run after this round (a partial run; the next start continues)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="runs (seed, strategy) at once, each in its own process with --threads threads")
    args = parser.parse_args()
    for path in (args.train, args.test, args.alsel):
        if not os.path.exists(path):
            raise SystemExit(f"{path}: not found")
    experiment = Experiment(args)
    started = time.time()
    # Seeds outermost: every strategy of seed 1 before seed 2, so a partial run is comparable.
    tasks = [(seed, strategy) for seed in args.seeds for strategy in args.strategies]
    if args.jobs <= 1 or len(tasks) == 1:
        for seed, strategy in tasks:
            experiment.run(strategy, seed)
    else:
        run_in_workers(tasks, args.jobs)
    log(f"finished in {(time.time() - started) / 3600:.2f} h; results in {experiment.results_path}")


def run_in_workers(tasks, jobs: int):
    """Each task in a child process of this script (same arguments, one seed and strategy)."""
    base = [a for a in sys.argv[1:]]
    for flag in ("--seeds", "--strategies", "--jobs"):  # drop these flags and their values
        while flag in base:
            i = base.index(flag)
            j = i + 1
            while j < len(base) and not base[j].startswith("--"):
                j += 1
            del base[i:j]
    running, failed = [], []
    pending = list(tasks)
    while pending or running:
        while pending and len(running) < jobs:
            seed, strategy = pending.pop(0)
            command = [sys.executable, os.path.abspath(__file__), *base, "--seeds", str(seed),
                       "--strategies", strategy]
            running.append(((seed, strategy), subprocess.Popen(command)))
        time.sleep(2)
        for item in list(running):
            (seed, strategy), process = item
            if process.poll() is not None:
                running.remove(item)
                if process.returncode != 0:
                    failed.append(f"{strategy} seed {seed} (exit {process.returncode})")
    if failed:
        raise SystemExit("failed: " + ", ".join(failed))


if __name__ == "__main__":
    main()
