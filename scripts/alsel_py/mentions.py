"""Mention replacement (Dai and Adel 2020): training sentences whose entities are swapped for other
names of the same type, drawn anew every epoch.

Test's names are often new (47.6% of MSRA test PER never occur in train); a tagger that has seen
every training name in every epoch learns the names more than the contexts. Replacing a mention
by another name of its type keeps the context and the tags' shape and breaks the link between a
context and the one name it held. Names come from two sources, one per replacement, chosen with
`dictionary_share`:

- the training sentences' own entities of that type (another seen name in a new context);
- jieba's dictionary words of the matching class (nr/nrfg/nrt, ns/nsf, nt; alsel_py/lexicon.py),
  names the training text may never contain, for which the lexicon features then fire as they
  do for a test name that the dictionary holds.

Only training sentences are touched; the held-out split and test are never read here.
"""

from __future__ import annotations

import random
from typing import Dict, List, Optional, Sequence

from .bio import Sentence, spans_from_tags
from .lexicon import _is_cjk, read_dictionary

TYPES = ("PER", "LOC", "ORG")


def training_names(sentences: Sequence[Sentence]) -> Dict[str, List[str]]:
    """Every distinct entity string of each type in these sentences, in first-seen order."""
    names: Dict[str, Dict[str, None]] = {t: {} for t in TYPES}
    for chars, tags in sentences:
        for begin, end, kind in spans_from_tags(tags):
            if kind in names:
                names[kind].setdefault("".join(chars[begin:end]), None)
    return {t: list(v) for t, v in names.items()}


def dictionary_names(path: str, max_chars: int = 10) -> Dict[str, List[str]]:
    """jieba dictionary words of 2..max_chars CJK characters, by the type their tag stands for."""
    names: Dict[str, List[str]] = {t: [] for t in TYPES}
    for word, cls in read_dictionary(path):
        if cls < len(TYPES) and 2 <= len(word) <= max_chars and all(_is_cjk(c) for c in word):
            names[TYPES[cls]].append(word)
    return names


class MentionReplacer:
    """replace(sentence, rng): each entity replaced with probability `rate` by a name of its type."""

    def __init__(self, seen: Dict[str, List[str]], dictionary: Optional[Dict[str, List[str]]],
                 rate: float, dictionary_share: float):
        if not 0.0 <= rate <= 1.0 or not 0.0 <= dictionary_share <= 1.0:
            raise ValueError("rate and dictionary_share must lie in [0, 1]")
        self.seen = seen
        self.dictionary = dictionary or {t: [] for t in TYPES}
        self.rate = rate
        self.dictionary_share = dictionary_share

    def _name(self, kind: str, rng: random.Random) -> Optional[str]:
        use_dictionary = self.dictionary[kind] and rng.random() < self.dictionary_share
        pool = self.dictionary[kind] if use_dictionary else self.seen.get(kind, [])
        return rng.choice(pool) if pool else None

    def replace(self, sentence: Sentence, rng: random.Random) -> Sentence:
        chars, tags = sentence
        spans = spans_from_tags(tags)
        if self.rate <= 0.0 or not spans:
            return sentence
        out_chars: List[str] = []
        out_tags: List[str] = []
        position = 0
        for begin, end, kind in spans:
            out_chars.extend(chars[position:begin])
            out_tags.extend(tags[position:begin])
            name = self._name(kind, rng) if kind in self.seen and rng.random() < self.rate else None
            if name is None:
                out_chars.extend(chars[begin:end])
                out_tags.extend(tags[begin:end])
            else:
                out_chars.extend(name)
                out_tags.extend(["B-" + kind] + ["I-" + kind] * (len(name) - 1))
            position = end
        out_chars.extend(chars[position:])
        out_tags.extend(tags[position:])
        return out_chars, out_tags

    def epoch(self, sentences: Sequence[Sentence], seed: int) -> List[Sentence]:
        """The training sentences of one epoch: the same replacements for the same seed (resume)."""
        rng = random.Random(seed)
        return [self.replace(s, rng) for s in sentences]
