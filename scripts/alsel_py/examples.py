"""From BIO sentences to model inputs: the vocabulary, word-aligned examples, length-sorted
batches and their padded tensors.

Tokenization is alsel's (alsel_py/tokenizer.py, checked against the C++ tokenizer by the parity
test), so a model trained on these examples sees at inference the pieces it was trained on.
"""

from __future__ import annotations

import collections
import random
from typing import List, Optional, Sequence, Tuple

import torch

from .msra import LABELS
from .tokenizer import CLS, SEP, SPECIAL_TOKENS, Tokenizer, Vocabulary


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
    __slots__ = ("ids", "word_index", "labels", "word_spans", "text_len", "text")

    def __init__(self, ids, word_index, labels, word_spans, text_len, text=None):
        self.ids = ids                # [CLS] pieces [SEP]
        self.word_index = word_index  # per word: position of its first piece in ids
        self.labels = labels          # per word: label id (tag of the word's first character)
        self.word_spans = word_spans  # per word: (start, end) code points into the sentence's text
        self.text_len = text_len
        self.text = text              # the whole sentence's text (shared by its chunks)

    def span_text(self, begin: int, end: int) -> str:
        """The text of words begin..end-1 (an entity span in word positions)."""
        return self.text[self.word_spans[begin][0]:self.word_spans[end - 1][1]]


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
                examples.append(Example(ids, word_index, labels, spans, len(text), text))
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
