#!/usr/bin/python3
"""Train alsel's default NER model: a small BERT encoder with a CRF head, from scratch, on MSRA.

    /usr/bin/python3 scripts/train_bert_crf.py --run-dir runs/msra \\
        --train ../shared/data/msra/train.bio --epochs 30
    /usr/bin/python3 scripts/train_bert_crf.py --run-dir runs/msra --export models/msra-bert3-crf.pt \\
        --test ../shared/data/msra/test.bio

The run directory holds the vocabulary, the held-out split, a progress log (train.log, one JSON
line per event), `last.pt` (written every --checkpoint-minutes and at each epoch's end: a killed
run resumes from it when started again with the same --run-dir) and `best.pt` (best held-out F1).

Model contract (docs/model-format.md): forward(input_ids int64[B,T], attention_mask int64[B,T])
-> emissions float[B,T,L] over the whole wordpiece sequence, [CLS] and [SEP] included; the CRF
(pytorch-crf convention: transitions[from, to], start_transitions, end_transitions) runs over
word positions only, each word represented by its first wordpiece. Tokenization is alsel's
(scripts/alsel_py/tokenizer.py, checked against the C++ tokenizer by the parity test).

Architecture levers (all inside forward(), so the contract stays the same):
  * hashed character bigrams (left and right) added to the token embeddings;
  * clipped relative-position attention biases (direction- and distance-aware, as in TENER);
  * pre-LayerNorm transformer layers, GELU, learned absolute positions.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import math
import os
import random
import sys
import time
import zipfile
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from alsel_py.bigrams import crf_parameters, hashed_bigram_ids, left_and_right  # noqa: E402
from alsel_py.bio import prf, read_bio, spans_from_tags  # noqa: E402
from alsel_py.distill import crf_marginals, expected_negative_log_likelihood  # noqa: E402
from alsel_py.lexicon import FEATURES as LEXICON_FEATURES, LexiconFeatures  # noqa: E402
from alsel_py.lexicon import build_table, cjk_piece_ids, file_sha256, read_dictionary  # noqa: E402
from alsel_py.lstm_tagger import BiLstmCrfTagger  # noqa: E402
from alsel_py.precision import autocast_context, resolve_precision  # noqa: E402
from alsel_py.splits import novel_held_out, random_held_out  # noqa: E402
from alsel_py.tokenizer import (CLS, PAD, SEP, SPECIAL_TOKENS, UNK, Tokenizer,  # noqa: E402
                                Vocabulary)

LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]


# --------------------------------------------------------------------------------------------
# Model


class RelativeSelfAttention(nn.Module):
    def __init__(self, hidden: int, heads: int, rel_window: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.rel_window = rel_window
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)
        # One learned bias per head for each clipped signed distance j - i in [-w, w].
        self.rel_bias = nn.Embedding(2 * rel_window + 1, heads)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> torch.Tensor:
        # x (B, T, H); mask_bias (B, 1, 1, T): 0 for real tokens, -1e4 for padding.
        b, t, h = x.shape
        qkv = self.qkv(x).view(b, t, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (B, heads, T, d)
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.head_dim))
        pos = torch.arange(t, device=x.device)
        rel = (pos.unsqueeze(0) - pos.unsqueeze(1)).clamp(-self.rel_window, self.rel_window)
        bias = self.rel_bias(rel + self.rel_window).permute(2, 0, 1).unsqueeze(0)  # (1, heads, T, T)
        probs = self.dropout(torch.softmax(scores + bias + mask_bias, dim=-1))
        context = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, h)
        return self.out(context)


class EncoderLayer(nn.Module):
    def __init__(self, hidden: int, heads: int, ffn: int, rel_window: int, dropout: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(hidden)
        self.attention = RelativeSelfAttention(hidden, heads, rel_window, dropout)
        self.norm2 = nn.LayerNorm(hidden)
        self.ffn_in = nn.Linear(hidden, ffn)
        self.ffn_out = nn.Linear(ffn, hidden)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> torch.Tensor:
        x = x + self.dropout(self.attention(self.norm1(x), mask_bias))
        return x + self.dropout(self.ffn_out(F.gelu(self.ffn_in(self.norm2(x)))))


class BertCrfTagger(nn.Module):
    """forward(input_ids, attention_mask) -> emissions (B, T, L); CRF parameters as attributes."""

    __constants__ = ["use_lexicon"]  # TorchScript compiles only the branch the flag selects

    def __init__(self, vocab_size: int, num_labels: int, hidden: int = 256, layers: int = 3,
                 heads: int = 4, ffn: int = 1024, max_len: int = 256, rel_window: int = 32,
                 bigram_buckets: int = 16384, bigram_dim: int = 48, dropout: float = 0.1,
                 lexicon_buckets: int = 0, lexicon_max_word: int = 10, lexicon_probes: int = 8):
        super().__init__()
        self.max_len = max_len
        # lexicon_buckets > 0: jieba dictionary features (alsel_py/lexicon.py), projected and added
        # to the embeddings like the bigrams; the table is a buffer filled by the trainer.
        self.use_lexicon = lexicon_buckets > 0
        if self.use_lexicon:
            self.lexicon = LexiconFeatures(lexicon_buckets, lexicon_max_word, lexicon_probes)
            self.lexicon_projection = nn.Linear(LEXICON_FEATURES, hidden)
        # bigram_buckets 0 turns the bigram features off (the ablation in models/README.md).
        self.use_bigrams = bigram_buckets > 0
        self.bigram_buckets = max(1, bigram_buckets)
        self.token_embedding = nn.Embedding(vocab_size, hidden)
        self.position_embedding = nn.Embedding(max_len, hidden)
        self.bigram_embedding = nn.Embedding(self.bigram_buckets, bigram_dim)
        self.bigram_projection = nn.Linear(2 * bigram_dim, hidden)
        self.embedding_norm = nn.LayerNorm(hidden)
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList(
            [EncoderLayer(hidden, heads, ffn, rel_window, dropout) for _ in range(layers)])
        self.final_norm = nn.LayerNorm(hidden)
        self.classifier = nn.Linear(hidden, num_labels)
        self.transitions, self.start_transitions, self.end_transitions = crf_parameters(num_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        b, t = input_ids.shape
        positions = torch.arange(t, device=input_ids.device).unsqueeze(0)
        x = self.token_embedding(input_ids) + self.position_embedding(positions)
        if self.use_bigrams:
            right = self.bigram_embedding(hashed_bigram_ids(input_ids, self.bigram_buckets))
            x = x + self.bigram_projection(left_and_right(right))
        if self.use_lexicon:
            x = x + self.lexicon_projection(self.lexicon(input_ids))
        x = self.dropout(self.embedding_norm(x))
        mask_bias = (1.0 - attention_mask.to(x.dtype)).view(b, 1, 1, t) * -10000.0
        for layer in self.layers:
            x = layer(x, mask_bias)
        return self.classifier(self.final_norm(x))


# --------------------------------------------------------------------------------------------
# CRF over word positions (training loss and decoding)


def crf_negative_log_likelihood(emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor,
                                model: BertCrfTagger) -> torch.Tensor:
    """Sum over the batch of -log p(tags | x). emissions (B, W, L), tags (B, W), mask (B, W) bool;
    every sentence has at least one word and its words are a prefix of W."""
    transitions, start, end = model.transitions, model.start_transitions, model.end_transitions
    b, w, _ = emissions.shape
    maskf = mask.to(emissions.dtype)
    score = start[tags[:, 0]] + emissions[:, 0].gather(1, tags[:, :1]).squeeze(1)
    alpha = start.unsqueeze(0) + emissions[:, 0]
    for i in range(1, w):
        step = transitions[tags[:, i - 1], tags[:, i]] + emissions[:, i].gather(1, tags[:, i:i + 1]).squeeze(1)
        score = score + step * maskf[:, i]
        nxt = torch.logsumexp(alpha.unsqueeze(2) + transitions.unsqueeze(0) + emissions[:, i].unsqueeze(1), dim=1)
        alpha = torch.where(mask[:, i:i + 1], nxt, alpha)
    lengths = mask.sum(1)
    last_tags = tags.gather(1, (lengths - 1).unsqueeze(1)).squeeze(1)
    score = score + end[last_tags]
    log_z = torch.logsumexp(alpha + end.unsqueeze(0), dim=1)
    return (log_z - score).sum()


def softmax_negative_log_likelihood(emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Sum over the batch's words of -log softmax(emissions)[tag]: the head without the CRF."""
    return F.cross_entropy(emissions[mask], tags[mask], reduction="sum")


def freeze_crf_at_zero(model: BertCrfTagger):
    """--head softmax: transitions, start and end fixed at 0, so CRF decoding and marginals are the
    per-word argmax and softmax, and the exported file still meets alsel's model contract."""
    with torch.no_grad():
        for p in (model.transitions, model.start_transitions, model.end_transitions):
            p.zero_()
            p.requires_grad_(False)


def crf_viterbi(emissions: torch.Tensor, mask: torch.Tensor, model: BertCrfTagger) -> List[List[int]]:
    transitions, start, end = model.transitions, model.start_transitions, model.end_transitions
    b, w, _ = emissions.shape
    score = start.unsqueeze(0) + emissions[:, 0]
    history = []
    for i in range(1, w):
        candidates = score.unsqueeze(2) + transitions.unsqueeze(0)  # (B, from, to)
        best, index = candidates.max(dim=1)
        nxt = best + emissions[:, i]
        history.append(index)
        score = torch.where(mask[:, i:i + 1], nxt, score)
    score = score + end.unsqueeze(0)
    lengths = mask.sum(1).tolist()
    paths = []
    for s in range(b):
        label = int(score[s].argmax())
        path = [label]
        for i in range(lengths[s] - 1, 0, -1):
            label = int(history[i - 1][s, label])
            path.append(label)
        paths.append(path[::-1])
    return paths


# --------------------------------------------------------------------------------------------
# Data


def build_vocabulary(sentences: Sequence[Tuple[List[str], List[str]]], min_word_count: int) -> Vocabulary:
    """Wordpieces for the training text: every character seen (and its ## continuation form when
    it occurs inside a longer word) plus whole non-CJK words seen min_word_count times or more.
    Built with the same basic tokenizer alsel uses, so lookups in C++ find the same pieces."""
    basic = Tokenizer(Vocabulary(SPECIAL_TOKENS), do_lower_case=True, fold_fullwidth=True)
    chars = collections.Counter()
    continuations = collections.Counter()
    words = collections.Counter()
    for tokens, _ in sentences:
        for word in basic.basic_tokenize("".join(tokens)):
            text = "".join(c for c, _ in word)
            chars[text[0]] += 1
            for c in text[1:]:
                continuations["##" + c] += 1
            if len(text) > 1:
                words[text] += 1
    counts = collections.Counter()
    counts.update(chars)
    counts.update(continuations)
    counts.update({w: n for w, n in words.items() if n >= min_word_count})
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return Vocabulary(SPECIAL_TOKENS + [token for token, _ in ordered])


class Example:
    __slots__ = ("ids", "word_index", "labels", "word_spans", "text_len")

    def __init__(self, ids, word_index, labels, word_spans, text_len):
        self.ids = ids                # [CLS] pieces [SEP]
        self.word_index = word_index  # per word: position of its first piece in ids
        self.labels = labels          # per word: label id (tag of the word's first character)
        self.word_spans = word_spans  # per word: (start, end) code points into the chunk's text
        self.text_len = text_len


def make_examples(sentences, tokenizer: Tokenizer, max_len: int) -> List[Example]:
    """Tokenize BIO sentences; a sentence longer than max_len - 2 pieces is cut at word boundaries
    into consecutive chunks (training only; alsel scores long sentences through windows)."""
    label_id = {name: i for i, name in enumerate(LABELS)}
    vocab = tokenizer.vocab
    examples = []
    for tokens, tags in sentences:
        if any(len(t) != 1 for t in tokens):
            raise ValueError("char-level BIO expected (one code point per line)")
        text = "".join(tokens)
        enc = tokenizer.encode(text)
        n_words = len(enc.word_first_token)
        w = 0
        while w < n_words:
            first_piece = enc.word_first_token[w]
            end_w = w
            while end_w < n_words:
                next_piece = enc.word_first_token[end_w + 1] if end_w + 1 < n_words else len(enc.ids)
                if next_piece - first_piece > max_len - 2 and end_w > w:
                    break
                end_w += 1
            last_piece = enc.word_first_token[end_w] if end_w < n_words else len(enc.ids)
            ids = [vocab.ids[CLS]] + enc.ids[first_piece:last_piece][:max_len - 2] + [vocab.ids[SEP]]
            word_index = [enc.word_first_token[i] - first_piece + 1 for i in range(w, end_w)]
            word_index = [i for i in word_index if i < len(ids) - 1]
            labels = [label_id[tags[enc.word_spans[i][0]]] for i in range(w, w + len(word_index))]
            spans = [enc.word_spans[i] for i in range(w, w + len(word_index))]
            if word_index:
                examples.append(Example(ids, word_index, labels, spans, len(text)))
            w = end_w
    return examples


def make_batches(examples: List[Example], batch_tokens: int, rng: Optional[random.Random]) -> List[List[int]]:
    """Length-sorted batches whose padded size stays within batch_tokens; shuffled when rng given."""
    order = sorted(range(len(examples)), key=lambda i: (len(examples[i].ids), i))
    batches, current, longest = [], [], 0
    for i in order:
        n = len(examples[i].ids)
        if current and max(longest, n) * (len(current) + 1) > batch_tokens:
            batches.append(current)
            current, longest = [], 0
        current.append(i)
        longest = max(longest, n)
    if current:
        batches.append(current)
    if rng is not None:
        rng.shuffle(batches)
    return batches


def collate(examples: List[Example], batch: List[int]):
    items = [examples[i] for i in batch]
    t = max(len(e.ids) for e in items)
    w = max(len(e.word_index) for e in items)
    ids = torch.zeros(len(items), t, dtype=torch.long)
    attention = torch.zeros(len(items), t, dtype=torch.long)
    word_index = torch.zeros(len(items), w, dtype=torch.long)
    labels = torch.zeros(len(items), w, dtype=torch.long)
    mask = torch.zeros(len(items), w, dtype=torch.bool)
    for row, e in enumerate(items):
        ids[row, :len(e.ids)] = torch.tensor(e.ids)
        attention[row, :len(e.ids)] = 1
        word_index[row, :len(e.word_index)] = torch.tensor(e.word_index)
        labels[row, :len(e.labels)] = torch.tensor(e.labels)
        mask[row, :len(e.labels)] = True
    return ids, attention, word_index, labels, mask


def drop_tokens(ids: torch.Tensor, attention: torch.Tensor, rate: float, unk_id: int, first_regular: int) -> torch.Tensor:
    """--token-dropout: each regular piece becomes [UNK] with probability rate (word dropout as in
    Lample et al. 2016), so the model learns to tag names whose characters it has never seen. The
    bigram features follow, since forward() computes them from these ids. Specials and padding stay."""
    if rate <= 0.0:
        return ids
    chosen = (attention == 1) & (ids >= first_regular) & (torch.rand(ids.shape) < rate)
    return torch.where(chosen, torch.full_like(ids, unk_id), ids)


def word_emissions(model: nn.Module, ids, attention, word_index) -> torch.Tensor:
    emissions = model(ids, attention)  # (B, T, L)
    return emissions.gather(1, word_index.unsqueeze(2).expand(-1, -1, emissions.size(2)))


def evaluate(model: BertCrfTagger, examples: List[Example], batch_tokens: int) -> Dict:
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


# --------------------------------------------------------------------------------------------
# Training loop with resumable checkpoints


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


def model_config(args) -> Dict:
    """The model's constructor arguments; a BiLSTM's carry arch="bilstm" (BERT's none, as before),
    a model with lexicon features lexicon_* (set by load_lexicon; none without --lexicon)."""
    if getattr(args, "arch", "bert") == "bilstm":
        config = dict(arch="bilstm", embedding_dim=args.embedding_dim, lstm_hidden=args.lstm_hidden,
                      max_len=args.max_len, bigram_buckets=args.bigram_buckets, bigram_dim=args.bigram_dim,
                      dropout=args.dropout)
    else:
        config = dict(hidden=args.hidden, layers=args.layers, heads=args.heads, ffn=args.ffn,
                      max_len=args.max_len, rel_window=args.rel_window,
                      bigram_buckets=args.bigram_buckets, bigram_dim=args.bigram_dim, dropout=args.dropout)
    if getattr(args, "lexicon_buckets", 0) > 0:
        config.update(lexicon_buckets=args.lexicon_buckets, lexicon_max_word=args.lexicon_max_word,
                      lexicon_probes=8)
    return config


def load_lexicon(args, vocab: Vocabulary):
    """--lexicon: the dictionary's hash table over this vocabulary (keys, classes) and a record of
    what it is (path, SHA-256, counts) for the log and meta.json; sets args.lexicon_buckets.
    None without --lexicon."""
    if not getattr(args, "lexicon", None):
        return None
    keys, classes, counts = build_table(read_dictionary(args.lexicon), cjk_piece_ids(vocab.ids),
                                        args.lexicon_max_word, 8)
    args.lexicon_buckets = counts["buckets"]
    info = dict(counts, path=args.lexicon, sha256=file_sha256(args.lexicon), max_word=args.lexicon_max_word,
                classes="PER: nr nrfg nrt; LOC: ns nsf; ORG: nt; OTHER: the rest; roles B M E")
    return keys, classes, info


def build_model(vocab_size: int, config: Dict) -> nn.Module:
    """BertCrfTagger, or BiLstmCrfTagger when config["arch"] is "bilstm"."""
    config = dict(config)
    if config.pop("arch", "bert") == "bilstm":
        return BiLstmCrfTagger(vocab_size, len(LABELS), **config)
    return BertCrfTagger(vocab_size, len(LABELS), **config)


def prepare(args):
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


def train(args):
    torch.set_num_threads(args.threads)
    vocab, tokenizer, train_sentences, dev_sentences = prepare(args)
    train_examples = make_examples(train_sentences, tokenizer, args.max_len)
    dev_examples = make_examples(dev_sentences, tokenizer, args.max_len)
    lexicon = load_lexicon(args, vocab)
    torch.manual_seed(args.seed)
    model = build_model(len(vocab), model_config(args))
    if lexicon is not None:
        model.lexicon.fill(lexicon[0], lexicon[1])
    lexicon_info = lexicon[2] if lexicon is not None else None
    teacher = load_teacher(args.teacher, vocab) if args.teacher else None
    precision = resolve_precision(args.precision)
    optimizer = make_optimizer(model, args.lr, args.weight_decay)
    steps_per_epoch = len(make_batches(train_examples, args.batch_tokens, None))
    total_steps = steps_per_epoch * args.epochs
    state = {"epoch": 0, "batch": 0, "step": 0, "best_f1": -1.0, "history": [], "seconds": 0.0}
    last_path = os.path.join(args.run_dir, "last.pt")
    if os.path.exists(last_path):
        checkpoint = torch.load(last_path)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        state = checkpoint["state"]
        log_event(args.run_dir, event="resume", **{k: state[k] for k in ("epoch", "batch", "step")})
    else:
        if args.init_from:
            # Continue from earlier weights (a best.pt checkpoint or an exported TorchScript model)
            # with a fresh optimizer and schedule, e.g. for more epochs in a later session.
            # encoder.pt (scripts/pretrain_mlm.py) carries a masked-LM-pretrained encoder.
            model.load_state_dict(load_initial_weights(args.init_from, vocab))
            log_event(args.run_dir, event="init", init_from=args.init_from)
        n_params = sum(p.numel() for p in model.parameters())
        log_event(args.run_dir, event="start", parameters=n_params, vocab=len(vocab),
                  train_examples=len(train_examples), dev_examples=len(dev_examples),
                  steps_per_epoch=steps_per_epoch, args=vars(args))
    log_event(args.run_dir, event="precision", requested=args.precision, used=precision)
    if lexicon_info is not None:
        log_event(args.run_dir, event="lexicon", **lexicon_info)

    if args.head == "softmax":
        freeze_crf_at_zero(model)

    def save_last():
        atomic_torch_save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                           "state": state, "config": model_config(args)}, last_path)

    model.train()
    last_save = time.time()
    while state["epoch"] < args.epochs:
        batches = make_batches(train_examples, args.batch_tokens, random.Random(args.seed * 1000 + state["epoch"]))
        epoch_loss, epoch_words, started = 0.0, 0, time.time()
        torch.manual_seed(args.seed * 1000 + state["epoch"] * 7 + state["batch"])
        while state["batch"] < len(batches):
            ids, attention, word_index, labels, mask = collate(train_examples, batches[state["batch"]])
            clean_ids = ids
            ids = drop_tokens(ids, attention, args.token_dropout, vocab.ids[UNK], len(SPECIAL_TOKENS))
            with autocast_context(precision):
                emissions = word_emissions(model, ids, attention, word_index)
            emissions = emissions.float()  # the CRF loss runs in float32 under any precision
            words = int(mask.sum())
            if args.head == "crf":
                loss = crf_negative_log_likelihood(emissions, labels, mask, model) / words
            else:
                loss = softmax_negative_log_likelihood(emissions, labels, mask) / words
            if teacher is not None:
                loss = (1 - args.distill_weight) * loss + args.distill_weight * distillation_loss(
                    teacher, model, clean_ids, attention, word_index, emissions, mask, precision) / words
            optimizer_step(optimizer, loss, model.parameters(),
                           learning_rate(state["step"], total_steps, args.lr, args.warmup), args.clip)
            epoch_loss += float(loss) * words
            epoch_words += words
            state["batch"] += 1
            state["step"] += 1
            if state["step"] % args.log_every == 0:
                log_event(args.run_dir, event="progress", epoch=state["epoch"], batch=state["batch"],
                          of=len(batches), step=state["step"], loss=round(epoch_loss / max(1, epoch_words), 4),
                          lr=round(optimizer.param_groups[0]["lr"], 6))
            if time.time() - last_save > args.checkpoint_minutes * 60:
                state["seconds"] += time.time() - started
                started = time.time()
                save_last()
                last_save = time.time()
        state["seconds"] += time.time() - started
        dev = evaluate(model, dev_examples, args.batch_tokens * 2)
        state["epoch"] += 1
        state["batch"] = 0
        state["history"].append({"epoch": state["epoch"], "dev": dev, "loss": epoch_loss / max(1, epoch_words)})
        if dev["f1"] > state["best_f1"]:
            state["best_f1"] = dev["f1"]
            atomic_torch_save({"model": model.state_dict(), "config": model_config(args),
                               "epoch": state["epoch"], "dev": dev, "lexicon": lexicon_info},
                              os.path.join(args.run_dir, "best.pt"))
        save_last()
        last_save = time.time()
        log_event(args.run_dir, event="epoch", epoch=state["epoch"], dev=dev, best_f1=state["best_f1"],
                  train_hours=round(state["seconds"] / 3600, 3))


def is_torchscript_file(path: str) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name.endswith("/constants.pkl") for name in archive.namelist())


def load_teacher(path: str, vocab: Vocabulary) -> nn.Module:
    """--teacher: an exported TorchScript model (alsel/vocab.txt inside) or a run's best.pt /
    last.pt (vocab.txt beside it), with this run's vocabulary; frozen, in eval mode."""
    if is_torchscript_file(path):
        extra = {"alsel/vocab.txt": ""}
        teacher = torch.jit.load(path, _extra_files=extra)
        teacher_vocab = extra["alsel/vocab.txt"]
        teacher_vocab = teacher_vocab.decode("utf-8") if isinstance(teacher_vocab, bytes) else teacher_vocab
    else:
        with open(os.path.join(os.path.dirname(os.path.abspath(path)), "vocab.txt"), encoding="utf-8", newline="") as f:
            teacher_vocab = f.read()
    if teacher_vocab != vocab.to_text():
        raise SystemExit(f"{path}: the teacher's vocabulary differs from this run's vocab.txt "
                         "(use the same --train, --held-out, --held-out-split, --seed and --min-word-count)")
    if not is_torchscript_file(path):
        checkpoint = torch.load(path)
        teacher = build_model(len(vocab), checkpoint["config"])
        teacher.load_state_dict(checkpoint["model"])
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


def distillation_loss(teacher: nn.Module, model: nn.Module, ids, attention, word_index, emissions: torch.Tensor,
                      mask: torch.Tensor, precision: str) -> torch.Tensor:
    """Sum over the batch of the student's expected NLL under the teacher's CRF posterior
    (alsel_py/distill.py); the teacher reads the pieces before token dropout."""
    with torch.no_grad(), autocast_context(precision):
        teacher_emissions = word_emissions(teacher, ids, attention, word_index)
    unary, pair = crf_marginals(teacher_emissions.float(), mask, teacher.start_transitions,
                                teacher.transitions, teacher.end_transitions)
    return expected_negative_log_likelihood(emissions, mask, model.start_transitions, model.transitions,
                                            model.end_transitions, unary, pair)


# --------------------------------------------------------------------------------------------
# Export to TorchScript with alsel's metadata inside


def load_initial_weights(path: str, vocab: Vocabulary) -> Dict[str, torch.Tensor]:
    """A state dict from best.pt / last.pt / encoder.pt checkpoints or an exported TorchScript model.
    The checkpoint's vocabulary, where it records one, must be this run's."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            if any(name.endswith("/constants.pkl") for name in archive.namelist()):
                return torch.jit.load(path).state_dict()
    checkpoint = torch.load(path)
    if "vocab" in checkpoint and checkpoint["vocab"] != vocab.to_text():
        raise SystemExit(f"{path}: its vocabulary differs from this run's vocab.txt "
                         "(use the same --train, --held-out, --seed and --min-word-count)")
    return checkpoint["model"]


def save_torchscript(scripted, vocab: Vocabulary, meta: Dict, path: str):
    """Writes a scripted model with alsel/meta.json and alsel/vocab.txt inside, atomically."""
    extra = {"alsel/meta.json": json.dumps(meta, ensure_ascii=False, indent=1),
             "alsel/vocab.txt": vocab.to_text()}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    torch.jit.save(scripted, tmp, _extra_files=extra)
    os.replace(tmp, path)


def make_optimizer(model: nn.Module, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    """AdamW; no weight decay on biases, norms and the CRF transitions."""
    def exempt(name: str, p: torch.Tensor) -> bool:
        return p.dim() < 2 or "norm" in name or "transitions" in name
    decay = [p for n, p in model.named_parameters() if not exempt(n, p)]
    no_decay = [p for n, p in model.named_parameters() if exempt(n, p)]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}], lr=lr)


def architecture_name(config: Dict) -> str:
    if config.get("arch") == "bilstm":
        return "bilstm-crf" + (" (hashed bigrams)" if config["bigram_buckets"] > 0 else "")
    features = ["pre-LN"]
    if config["rel_window"] > 0:
        features.append("relative position bias")
    if config["bigram_buckets"] > 0:
        features.append("hashed bigrams")
    return "bert-crf (" + ", ".join(features) + ")"


def export(args):
    torch.set_num_threads(args.threads)
    vocab, tokenizer, _, dev_sentences = prepare(args)
    checkpoint = torch.load(os.path.join(args.run_dir, "best.pt"))
    model = build_model(len(vocab), checkpoint["config"])
    model.load_state_dict(checkpoint["model"])
    model.eval()
    test_result = None
    if args.test:
        test_result = evaluate(model, make_examples(read_bio(args.test), tokenizer, checkpoint["config"]["max_len"]),
                               args.batch_tokens * 2)
    scripted = torch.jit.script(model)
    n_params = sum(p.numel() for p in model.parameters())
    meta = {
        "format": "alsel-ner-model/1",
        "name": os.path.splitext(os.path.basename(args.export))[0],
        "labels": LABELS,
        "max_len": checkpoint["config"]["max_len"],
        "do_lower_case": True,
        "strip_accents": True,
        "fold_fullwidth": True,
        "crf": True,
        "architecture": dict(checkpoint["config"], type=architecture_name(checkpoint["config"]),
                             parameters=n_params),
        "training_data": {"train": os.path.basename(args.train), "held_out_sentences": len(dev_sentences),
                          "source": "MSRA NER, SIGHAN 2006 bakeoff 3"},
        "trained_epochs": checkpoint["epoch"],
        "lexicon": checkpoint.get("lexicon"),
        "held_out": checkpoint["dev"],
        "test": test_result,
        "date": datetime.date.today().isoformat(),
    }
    save_torchscript(scripted, vocab, meta, args.export)
    print(json.dumps({"exported": args.export, "bytes": os.path.getsize(args.export), "parameters": n_params,
                      "held_out": checkpoint["dev"], "test": test_result}, ensure_ascii=False))


def msra_dir() -> str:
    """../shared/data/msra next to the project: where MSRA is unless a path is given."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "msra")


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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", required=True, help="checkpoints, vocabulary, split and log")
    parser.add_argument("--train", default=os.path.join(msra_dir(), "train.bio"))
    parser.add_argument("--test", default=None, help="BIO file evaluated at export (final number only)")
    parser.add_argument("--export", default=None, help="write the TorchScript model here and exit")
    parser.add_argument("--init-from", default=None,
                        help="start from these weights (best.pt/last.pt, encoder.pt from pretrain_mlm.py, or an exported model); vocabulary must match")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--head", choices=("crf", "softmax"), default="crf",
                        help="training loss: the CRF's, or per-word softmax with the CRF held at zero (ablation)")
    parser.add_argument("--token-dropout", type=float, default=0.0,
                        help="probability that a training piece is replaced by [UNK] (default 0: off)")
    parser.add_argument("--teacher", default=None,
                        help="distill from this CRF model's marginals on the training text (exported .pt or a "
                             "run's best.pt; same vocabulary, hence same split)")
    parser.add_argument("--distill-weight", type=float, default=0.5,
                        help="with --teacher: loss = (1 - w) * CRF NLL of the gold tags + w * expected NLL under the teacher")
    parser.add_argument("--arch", choices=("bert", "bilstm"), default="bert",
                        help="bert: the 3-layer BERT-CRF (default); bilstm: the BiLSTM-CRF yardstick")
    parser.add_argument("--embedding-dim", type=int, default=128, help="bilstm: character embedding size")
    parser.add_argument("--lstm-hidden", type=int, default=200, help="bilstm: LSTM units per direction")
    parser.add_argument("--precision", choices=("auto", "bf16", "fp32"), default="auto",
                        help="training forward pass: auto = bfloat16 autocast where the CPU has avx512_bf16 "
                             "or amx_bf16, else float32; the CRF loss and evaluation are always float32")
    add_common_arguments(parser)
    args = parser.parse_args()
    if args.export:
        export(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
