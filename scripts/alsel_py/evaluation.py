"""Entity-level evaluation of a tagger on examples (alsel_py/examples.py)."""

from __future__ import annotations

import collections
from typing import Dict, Iterable, List, Optional, Set

import torch
import torch.nn as nn

from .bio import prf, spans_from_tags
from .examples import Example, collate, make_batches
from .models.crf import crf_viterbi, word_emissions
from .msra import LABELS


def evaluate(model: nn.Module, examples: List[Example], batch_tokens: int,
             seen_names: Optional[Dict[str, Set[str]]] = None) -> Dict:
    """Entity-level micro P/R/F1 (percent) with exact spans over word-level predictions.

    With seen_names (type -> entity strings of that type in the training text, e.g.
    alsel_py.mentions.training_names), result["unseen"] scores the unseen names alone: recall over
    the gold entities whose string is not a training name of their type, precision over the
    predicted entities whose string is not, in the manner of Augenstein et al. (2017). It is the
    part of a random held-out split that behaves like test's new names."""
    model.eval()
    counts = collections.defaultdict(lambda: [0, 0, 0])  # type -> gold, predicted, correct
    unseen = [0, 0, 0]
    with torch.inference_mode():
        for batch in make_batches(examples, batch_tokens, None):
            ids, attention, word_index, labels, mask = collate(examples, batch)
            paths = crf_viterbi(word_emissions(model, ids, attention, word_index), mask, model)
            for row, i in enumerate(batch):
                e = examples[i]
                gold = {(s, en, k) for s, en, k in spans_from_tags([LABELS[x] for x in e.labels])}
                pred = {(s, en, k) for s, en, k in spans_from_tags([LABELS[x] for x in paths[row]])}
                for kind in {k for _, _, k in gold | pred} | {"PER", "LOC", "ORG"}:
                    _count(counts[kind], {x for x in gold if x[2] == kind}, {x for x in pred if x[2] == kind})
                if seen_names is not None:
                    _count(unseen, _unseen_spans(e, gold, seen_names), _unseen_spans(e, pred, seen_names))
    model.train()
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    result = _scores(*total)
    result["per_type"] = {k: round(100 * prf(*c)[2], 2) for k, c in sorted(counts.items())}
    if seen_names is not None:
        result["unseen"] = dict(_scores(*unseen), gold=unseen[0])
    return result


def seen_unseen_mean(result: Dict) -> float:
    """The mean of F1 and unseen-name F1: a model selection score that weighs the new names a
    random held-out split holds few of (test holds about twice its share) as much as all names."""
    return (result["f1"] + result["unseen"]["f1"]) / 2


def _scores(gold: int, predicted: int, correct: int) -> Dict:
    precision, recall, f1 = prf(gold, predicted, correct)
    return {"f1": 100 * f1, "precision": 100 * precision, "recall": 100 * recall}


def _unseen_spans(example: Example, spans: Iterable, seen_names: Dict[str, Set[str]]) -> Set:
    return {x for x in spans if example.span_text(x[0], x[1]) not in seen_names.get(x[2], ())}


def _count(counts: List[int], gold: Set, predicted: Set):
    counts[0] += len(gold)
    counts[1] += len(predicted)
    counts[2] += len(gold & predicted)
