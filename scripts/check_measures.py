#!/usr/bin/python3
"""Check `alsel score` against an independent computation in Python, for any model and pool.

    /usr/bin/python3 scripts/check_measures.py --alsel build/alsel --model models/msra-bert3-crf.pt \\
        --pool pool.jsonl [--limit 500]

Python side: torch.jit.load the same archive, tokenize with scripts/alsel_py/tokenizer.py, run
the forward pass one sentence at a time, and compute CRF marginals (autograd of log Z), the
Viterbi path and the measures with scripts/alsel_py/reference.py (float64), after alsel's decoding
constraint (symbols and unknown non-letters can only be O; reference.never_entity_word, written
from Python's Unicode database, not from alsel's ICU code). Sentences longer
than one window are skipped here (alsel scores them through windows). Prints the largest
absolute difference per measure and exits 1 if any exceeds --tolerance (default 1e-4).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch

from alsel_py import reference
from alsel_py.tokenizer import CLS, SEP, UNK, Tokenizer, Vocabulary

MEASURES = ["nlc", "trimmed", "mnlp", "entropy", "ltp"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alsel", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--pool", required=True)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    torch.set_num_threads(1)

    extra = {"alsel/meta.json": "", "alsel/vocab.txt": ""}
    module = torch.jit.load(args.model, _extra_files=extra)
    module.eval()
    meta = json.loads(extra["alsel/meta.json"])
    vocab = Vocabulary.from_text(extra["alsel/vocab.txt"].decode("utf-8") if isinstance(extra["alsel/vocab.txt"], bytes)
                                 else extra["alsel/vocab.txt"])
    tokenizer = Tokenizer(vocab, do_lower_case=meta.get("do_lower_case", True),
                          strip_accents=meta.get("strip_accents"), fold_fullwidth=meta.get("fold_fullwidth", True))
    crf = (module.transitions.double().tolist(), module.start_transitions.double().tolist(),
           module.end_transitions.double().tolist())

    with open(args.pool, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()][:args.limit]
    with tempfile.TemporaryDirectory() as tmp:
        pool = os.path.join(tmp, "pool.jsonl")
        with open(pool, "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n")
        out = os.path.join(tmp, "scores.jsonl")
        subprocess.run([args.alsel, "score", "-q", "-m", args.model, "-p", pool, "-o", out], check=True)
        with open(out, encoding="utf-8") as f:
            scored = {s["id"]: s for s in map(json.loads, f)}

    worst = {m: 0.0 for m in MEASURES}
    checked = constrained = 0
    labels = meta.get("labels", [])
    outside = labels.index("O") if "O" in labels else -1
    unk = vocab.ids[UNK]
    for r in records:
        enc = tokenizer.encode(r["text"])
        if not enc.word_first_token or len(enc.ids) + 2 > meta["max_len"]:
            continue
        ids = torch.tensor([[vocab.ids[CLS]] + enc.ids + [vocab.ids[SEP]]])
        with torch.no_grad():
            emissions = module(ids, torch.ones_like(ids))[0].double()
        rows = [emissions[i + 1].tolist() for i in enc.word_first_token]
        if outside >= 0:  # alsel's decoding constraint: symbols and unknown non-letters are O
            never = [reference.never_entity_word(r["text"][start:end], enc.ids[first] == unk)
                     for (start, end), first in zip(enc.word_spans, enc.word_first_token)]
            constrained += sum(never)
            rows = reference.forbid_entity_labels(rows, never, outside)
        probabilities = reference.marginals(rows, *crf)
        path = reference.viterbi(rows, *crf)
        expected = reference.measures(probabilities, path)
        got = scored[str(r["id"])]
        for m in MEASURES:
            worst[m] = max(worst[m], abs(expected[m] - got[m]))
        checked += 1
    print(json.dumps({"sentences_checked": checked, "words_constrained_to_O": constrained,
                      "max_abs_difference": worst, "tolerance": args.tolerance}))
    sys.exit(0 if checked and all(v <= args.tolerance for v in worst.values()) else 1)


if __name__ == "__main__":
    main()
