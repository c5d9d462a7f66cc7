"""alsel_py/evaluation.py: entity-level micro P/R/F1 over Viterbi paths, with a tagger whose
emissions are a fixed label per piece (CRF at zero, so the path is the per-word argmax)."""

import pytest
import torch
import torch.nn as nn

from alsel_py.evaluation import evaluate
from alsel_py.examples import build_vocabulary, make_examples
from alsel_py.msra import LABELS
from alsel_py.tokenizer import Tokenizer

torch.set_num_threads(1)


class LookupTagger(nn.Module):
    def __init__(self, label_of_piece):
        super().__init__()
        self.table = 10.0 * nn.functional.one_hot(torch.tensor(label_of_piece), len(LABELS)).float()
        labels = len(LABELS)
        self.transitions = nn.Parameter(torch.zeros(labels, labels))
        self.start_transitions = nn.Parameter(torch.zeros(labels))
        self.end_transitions = nn.Parameter(torch.zeros(labels))

    def forward(self, input_ids, attention_mask):
        return self.table[input_ids]


SENTENCES = [(list("张三在北京"), "B-PER I-PER O B-LOC I-LOC".split()),
             (list("李四好"), "B-PER I-PER O".split())]


def run(tags_of_char):
    vocab = build_vocabulary(SENTENCES, 1)
    tokenizer = Tokenizer(vocab, do_lower_case=True, fold_fullwidth=True)
    label_of_piece = [LABELS.index(tags_of_char.get(t, "O")) for t in vocab.tokens]
    return evaluate(LookupTagger(label_of_piece), make_examples(SENTENCES, tokenizer, 32), batch_tokens=8)


def test_perfect_tags_score_100():
    result = run({"张": "B-PER", "三": "I-PER", "北": "B-LOC", "京": "I-LOC", "李": "B-PER", "四": "I-PER"})
    assert result["f1"] == pytest.approx(100.0)
    assert result["per_type"] == {"LOC": 100.0, "ORG": 0.0, "PER": 100.0}


def test_a_missed_entity_lowers_recall_only_and_a_wrong_span_both():
    missed = run({"张": "B-PER", "三": "I-PER", "李": "B-PER", "四": "I-PER"})
    assert (missed["precision"], missed["recall"]) == (pytest.approx(100.0), pytest.approx(200 / 3))
    assert missed["per_type"]["LOC"] == 0.0 and missed["per_type"]["PER"] == 100.0
    # 李 alone is a PER entity (李四 is the gold one): one wrong prediction, one missed entity.
    wrong = run({"张": "B-PER", "三": "I-PER", "北": "B-LOC", "京": "I-LOC", "李": "B-PER"})
    assert (wrong["precision"], wrong["recall"]) == (pytest.approx(200 / 3), pytest.approx(200 / 3))


def test_evaluation_leaves_the_model_in_training_mode():
    vocab = build_vocabulary(SENTENCES, 1)
    model = LookupTagger([0] * len(vocab))
    evaluate(model, make_examples(SENTENCES, Tokenizer(vocab), 32), batch_tokens=8)
    assert model.training


def run_with_seen(tags_of_char, seen_names):
    vocab = build_vocabulary(SENTENCES, 1)
    tokenizer = Tokenizer(vocab, do_lower_case=True, fold_fullwidth=True)
    label_of_piece = [LABELS.index(tags_of_char.get(t, "O")) for t in vocab.tokens]
    return evaluate(LookupTagger(label_of_piece), make_examples(SENTENCES, tokenizer, 32), batch_tokens=8,
                    seen_names=seen_names)


def test_unseen_names_are_scored_on_their_own():
    # 张三 and 北京 are training names; 李四 is not. The tagger finds 张三 and 北京 and misses 李四,
    # and tags 好 as an (unseen, wrong) LOC.
    tags = {"张": "B-PER", "三": "I-PER", "北": "B-LOC", "京": "I-LOC", "好": "B-LOC"}
    seen = {"PER": {"张三"}, "LOC": {"北京"}, "ORG": set()}
    result = run_with_seen(tags, seen)
    assert result["unseen"]["gold"] == 1
    assert (result["unseen"]["precision"], result["unseen"]["recall"]) == (0.0, 0.0)
    assert result["recall"] == pytest.approx(200 / 3)
    # The same predictions when 李四 is a training name and 好 a training LOC: nothing is unseen.
    all_seen = run_with_seen(tags, {"PER": {"张三", "李四"}, "LOC": {"北京", "好"}, "ORG": set()})
    assert all_seen["unseen"] == {"f1": 0.0, "precision": 0.0, "recall": 0.0, "gold": 0}
    # A name seen as another type counts as unseen for this one.
    found = run_with_seen(dict(tags, 李="B-PER", 四="I-PER", 好="O"), {"PER": {"张三"}, "LOC": {"北京", "李四"}})
    assert found["unseen"] == {"f1": pytest.approx(100.0), "precision": pytest.approx(100.0),
                               "recall": pytest.approx(100.0), "gold": 1}


def test_without_seen_names_there_is_no_unseen_score():
    assert "unseen" not in run({"张": "B-PER", "三": "I-PER"})
