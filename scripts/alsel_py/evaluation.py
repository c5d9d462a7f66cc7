"""Entity-level evaluation of a tagger on examples (alsel_py/examples.py)."""

from __future__ import annotations

import collections
from typing import Dict, List

import torch
import torch.nn as nn

from .bio import prf, spans_from_tags
from .examples import Example, collate, make_batches
from .models.crf import crf_viterbi, word_emissions
from .msra import LABELS


def evaluate(model: nn.Module, examples: List[Example], batch_tokens: int) -> Dict:
    """Entity-level micro P/R/F1 (percent) with exact spans over word-level predictions."""
    model.eval()
    counts = collections.defaultdict(lambda: [0, 0, 0])  # type -> gold, predicted, correct
    with torch.inference_mode():
        for batch in make_batches(examples, batch_tokens, None):
            ids, attention, word_index, labels, mask = collate(examples, batch)
            paths = crf_viterbi(word_emissions(model, ids, attention, word_index), mask, model)
            for row, i in enumerate(batch):
                e = examples[i]
                gold = {(s, en, k) for s, en, k in spans_from_tags([LABELS[x] for x in e.labels])}
                pred = {(s, en, k) for s, en, k in spans_from_tags([LABELS[x] for x in paths[row]])}
                for kind in {k for _, _, k in gold | pred} | {"PER", "LOC", "ORG"}:
                    g = {x for x in gold if x[2] == kind}
                    p = {x for x in pred if x[2] == kind}
                    counts[kind][0] += len(g)
                    counts[kind][1] += len(p)
                    counts[kind][2] += len(g & p)
    model.train()
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    result = {"f1": 100 * prf(*total)[2], "precision": 100 * prf(*total)[0], "recall": 100 * prf(*total)[1]}
    result["per_type"] = {k: round(100 * prf(*c)[2], 2) for k, c in sorted(counts.items())}
    return result
