#!/usr/bin/python3
"""Build tiny TorchScript models for alsel's tests and the demo default.

    /usr/bin/python3 scripts/make_tiny_model.py --out build/tiny

writes, with fixed seeds (random weights, not trained):
  tiny-crf.pt          BERT-CRF (1 layer, hidden 32, max_len 24 so windows get exercised),
                       alsel/meta.json and alsel/vocab.txt inside
  tiny-softmax.pt      the same encoder without CRF attributes (softmax + argmax path)
  tiny-novocab.pt      like tiny-crf.pt but without alsel/vocab.txt and labels (needs --vocab, --labels)
  tiny-vocab.txt, tiny-labels.txt   the files those flags take
  bad-rank.pt          forward returns (B, T) instead of (B, T, L)
  bad-labels.pt        meta names 5 labels, the model emits 7
  bad-crf.pt           transitions of the wrong shape
  not-torchscript.pt   a text file
  nan-some.pt          tiny-crf.pt whose emissions are NaN for every sequence holding the
                       piece of "娜" (sample-002 among the samples): a model that fails on some inputs
  inf-transitions.pt   tiny-crf.pt with one transition score +Inf
  not-bio-labels.pt    tiny-crf.pt whose meta names a label "PERSON" (neither O nor B-/I-...)
  raises.pt            forward raises a RuntimeError for batches longer than 8 pieces (it passes
                       the load check on [CLS] [SEP])
  huge-max-len.pt      meta max_len 10^12
  no-unk-vocab.pt      tiny-crf.pt whose alsel/vocab.txt lacks [UNK]
  tiny-lexicon.pt      a BERT-CRF with lexicon features (alsel_py/lexicon.py) over a small dictionary
                       of words from the sample pool: int32 and uint8 buffers that alsel must
                       leave as they are
  lexicon-emissions.json   emissions.json's content for tiny-lexicon.pt, and how many
                       dictionary features fire on those sentences
  emissions.json       for the sample sentences that fit one window: the model's emissions at
                       word positions, the Viterbi path and the measures, computed here in
                       Python (scripts/alsel_py/reference.py), so tests can check alsel score
                       against an independent computation

    /usr/bin/python3 scripts/make_tiny_model.py --demo models/tiny-demo.pt

writes the untrained demo model shipped until the trained MSRA model lands; its meta carries a
warning that alsel prints.
"""

import argparse
import json
import os

import torch
import torch.nn as nn

from alsel_py import reference
from alsel_py.lexicon import build_table, cjk_piece_ids
from alsel_py.models.bert_tagger import BertCrfTagger
from alsel_py.msra import LABELS
from alsel_py.tokenizer import CLS, SEP, SPECIAL_TOKENS, Tokenizer, Vocabulary

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_POOL = os.path.join(HERE, "..", "data", "sample_pool.jsonl")


def tiny_vocabulary() -> Vocabulary:
    chars = set()
    with open(SAMPLE_POOL, encoding="utf-8") as f:
        for line in f:
            chars.update(json.loads(line)["text"])
    ascii_chars = [chr(c) for c in range(33, 127) if not chr(c).isupper()]
    tokenizer = Tokenizer(Vocabulary(SPECIAL_TOKENS), do_lower_case=True, fold_fullwidth=True)
    folded = set()
    for ch in chars:
        for word in tokenizer.basic_tokenize(ch):
            folded.update(c for c, _ in word)
    pieces = sorted(folded | set(ascii_chars))
    pieces += ["##" + c for c in ascii_chars if c.isalnum()]
    pieces += ["peking", "university", "beijing", "##ing", "##ity", "smith", "visited", "last", "week"]
    return Vocabulary(SPECIAL_TOKENS + pieces)


class SoftmaxTagger(nn.Module):
    """The same encoder without CRF attributes."""

    def __init__(self, tagger: BertCrfTagger):
        super().__init__()
        self.tagger = tagger

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.tagger(input_ids, attention_mask)


class BadRank(nn.Module):
    def __init__(self, tagger: BertCrfTagger):
        super().__init__()
        self.tagger = tagger

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.tagger(input_ids, attention_mask).sum(-1)


class NanOnPiece(nn.Module):
    """Emissions NaN for every sequence that holds `poison`."""

    def __init__(self, tagger: BertCrfTagger, poison: int):
        super().__init__()
        self.tagger = tagger
        self.poison = poison
        self.transitions = tagger.transitions
        self.start_transitions = tagger.start_transitions
        self.end_transitions = tagger.end_transitions

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        emissions = self.tagger(input_ids, attention_mask)
        bad = (input_ids == self.poison).any(dim=1).view(-1, 1, 1)
        return torch.where(bad, torch.full_like(emissions, float("nan")), emissions)


class RaisesOnLong(nn.Module):
    """Raises in forward for batches longer than 8 pieces."""

    def __init__(self, tagger: BertCrfTagger):
        super().__init__()
        self.tagger = tagger
        self.transitions = tagger.transitions
        self.start_transitions = tagger.start_transitions
        self.end_transitions = tagger.end_transitions

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        if input_ids.size(1) > 8:
            raise RuntimeError("tiny test model: sequences over 8 pieces are not supported")
        return self.tagger(input_ids, attention_mask)


class RawVocabulary:
    """A vocabulary text that the Python Vocabulary would refuse (for a broken test model)."""

    def __init__(self, text: str):
        self.text = text

    def to_text(self) -> str:
        return self.text


def meta(max_len: int, **extra):
    result = {"format": "alsel-ner-model/1", "labels": LABELS, "max_len": max_len, "do_lower_case": True,
              "strip_accents": True, "fold_fullwidth": True, "crf": True}
    result.update(extra)
    return result


def save(module: nn.Module, path: str, meta_json=None, vocab: Vocabulary = None):
    extra = {}
    if meta_json is not None:
        extra["alsel/meta.json"] = json.dumps(meta_json, ensure_ascii=False)
    if vocab is not None:
        extra["alsel/vocab.txt"] = vocab.to_text()
    torch.jit.save(torch.jit.script(module), path, _extra_files=extra)


def make_tagger(vocab: Vocabulary, max_len: int, seed: int) -> BertCrfTagger:
    torch.manual_seed(seed)
    tagger = BertCrfTagger(len(vocab), len(LABELS), hidden=32, layers=1, heads=2, ffn=64, max_len=max_len,
                           rel_window=8, bigram_buckets=97, bigram_dim=8, dropout=0.0)
    with torch.no_grad():
        # Larger random scores than the initialisation gives, so probabilities spread out.
        tagger.classifier.weight.mul_(8.0)
        tagger.transitions.normal_(0.0, 1.0)
        tagger.start_transitions.normal_(0.0, 1.0)
        tagger.end_transitions.normal_(0.0, 1.0)
    return tagger.eval()


def make_lexicon_tagger(vocab: Vocabulary, max_len: int, seed: int) -> BertCrfTagger:
    """A tiny tagger with lexicon features from every 2- and 3-character run of the sample pool's
    first sentences (classes cycling PER, LOC, ORG, OTHER), projected strongly enough to matter."""
    words = []
    with open(SAMPLE_POOL, encoding="utf-8") as f:
        for line, _ in zip(f, range(10)):
            text = json.loads(line)["text"]
            words += [text[i:i + n] for n in (2, 3) for i in range(0, len(text) - n + 1, 3)]
    entries = [(word, i % 4) for i, word in enumerate(dict.fromkeys(words))]
    keys, classes, counts = build_table(entries, cjk_piece_ids(vocab.ids), 4, 8)
    torch.manual_seed(seed)
    tagger = BertCrfTagger(len(vocab), len(LABELS), hidden=32, layers=1, heads=2, ffn=64, max_len=max_len,
                           rel_window=8, bigram_buckets=97, bigram_dim=8, dropout=0.0,
                           lexicon_buckets=counts["buckets"], lexicon_max_word=4)
    tagger.lexicon.fill(keys, classes)
    with torch.no_grad():
        tagger.classifier.weight.mul_(8.0)
        tagger.lexicon_projection.weight.mul_(20.0)
        tagger.transitions.normal_(0.0, 1.0)
        tagger.start_transitions.normal_(0.0, 1.0)
        tagger.end_transitions.normal_(0.0, 1.0)
    return tagger.eval()


def dump_emissions(tagger: BertCrfTagger, vocab: Vocabulary, max_len: int, path: str):
    """Emissions at word positions for sentences short enough to fit one window."""
    tokenizer = Tokenizer(vocab, do_lower_case=True, fold_fullwidth=True)
    crf = {"transitions": tagger.transitions.tolist(), "start_transitions": tagger.start_transitions.tolist(),
           "end_transitions": tagger.end_transitions.tolist()}
    crf_lists = (crf["transitions"], crf["start_transitions"], crf["end_transitions"])
    cases = []
    with open(SAMPLE_POOL, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            enc = tokenizer.encode(record["text"])
            if len(enc.ids) + 2 > max_len:
                continue
            ids = torch.tensor([[vocab.ids[CLS]] + enc.ids + [vocab.ids[SEP]]])
            with torch.no_grad():
                emissions = tagger(ids, torch.ones_like(ids))[0]
            rows = [emissions[i + 1].tolist() for i in enc.word_first_token]
            probabilities = reference.marginals(rows, *crf_lists)
            best_path = reference.viterbi(rows, *crf_lists)
            cases.append({"id": record["id"], "text": record["text"], "emissions": rows, "path": best_path,
                          "measures": reference.measures(probabilities, best_path)})
    report = {"labels": LABELS, "crf": crf, "sentences": cases}
    if getattr(tagger, "use_lexicon", False):
        with torch.no_grad():
            report["lexicon_features_fired"] = sum(
                int(tagger.lexicon(torch.tensor([tokenizer.encode(c["text"]).ids])).sum()) for c in cases)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="directory for the test models")
    parser.add_argument("--demo", help="path of the untrained demo model")
    args = parser.parse_args()
    torch.set_num_threads(1)
    vocab = tiny_vocabulary()
    if args.demo:
        tagger = make_tagger(vocab, 128, seed=7)
        save(tagger, args.demo, meta(128, name="tiny-demo", warning=(
            "untrained tiny demo model (random weights): its selections are not meaningful; "
            "train the real model with scripts/train_bert_crf.py")), vocab)
        return
    if not args.out:
        parser.error("give --out or --demo")
    os.makedirs(args.out, exist_ok=True)
    max_len = 24
    tagger = make_tagger(vocab, max_len, seed=1)
    save(tagger, os.path.join(args.out, "tiny-crf.pt"), meta(max_len, name="tiny-crf"), vocab)
    save(SoftmaxTagger(tagger), os.path.join(args.out, "tiny-softmax.pt"),
         meta(max_len, name="tiny-softmax", crf=False), vocab)
    save(tagger, os.path.join(args.out, "tiny-novocab.pt"), {"max_len": max_len, "name": "tiny-novocab"}, None)
    with open(os.path.join(args.out, "tiny-vocab.txt"), "w", encoding="utf-8", newline="") as f:
        f.write(vocab.to_text())
    with open(os.path.join(args.out, "tiny-labels.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(LABELS) + "\n")
    save(BadRank(tagger), os.path.join(args.out, "bad-rank.pt"), meta(max_len), vocab)
    save(tagger, os.path.join(args.out, "bad-labels.pt"), dict(meta(max_len), labels=LABELS[:5]), vocab)
    broken = make_tagger(vocab, max_len, seed=1)
    broken.transitions = nn.Parameter(torch.zeros(len(LABELS), len(LABELS) + 1))
    save(broken, os.path.join(args.out, "bad-crf.pt"), meta(max_len), vocab)
    with open(os.path.join(args.out, "not-torchscript.pt"), "w") as f:
        f.write("this is not a TorchScript archive\n")
    save(NanOnPiece(tagger, vocab.ids["娜"]), os.path.join(args.out, "nan-some.pt"),
         meta(max_len, name="nan-some"), vocab)
    infinite = make_tagger(vocab, max_len, seed=1)
    with torch.no_grad():
        infinite.transitions[1, 2] = float("inf")
    save(infinite, os.path.join(args.out, "inf-transitions.pt"), meta(max_len), vocab)
    save(tagger, os.path.join(args.out, "not-bio-labels.pt"),
         dict(meta(max_len), labels=["O", "PERSON"] + LABELS[2:]), vocab)
    save(RaisesOnLong(tagger), os.path.join(args.out, "raises.pt"), meta(max_len, name="raises"), vocab)
    save(tagger, os.path.join(args.out, "huge-max-len.pt"), dict(meta(max_len), max_len=10 ** 12), vocab)
    save(tagger, os.path.join(args.out, "no-unk-vocab.pt"), meta(max_len),
         RawVocabulary("".join(t + "\n" for t in vocab.tokens if t != "[UNK]")))
    dump_emissions(tagger, vocab, max_len, os.path.join(args.out, "emissions.json"))
    lexicon_tagger = make_lexicon_tagger(vocab, max_len, seed=3)
    save(lexicon_tagger, os.path.join(args.out, "tiny-lexicon.pt"), meta(max_len, name="tiny-lexicon"), vocab)
    dump_emissions(lexicon_tagger, vocab, max_len, os.path.join(args.out, "lexicon-emissions.json"))


if __name__ == "__main__":
    main()
