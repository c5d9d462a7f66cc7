"""Held-out splits of a BIO training file for model selection.

random_held_out: sentences drawn at random (the split every run before issue 13 used). Its
sentences share most of their names with the remaining training text, so held-out F1 overstates
test F1 by 5-7 points (docs in models/README.md, /work/shared/notes/model-pilot.md).

novel_held_out: sentences whose entities (surface strings, any type) occur as an entity in no
remaining training sentence, as the unseen names of test.bio do. Sentences that share an entity
string are linked; a linked group goes to held-out whole or not at all, and only groups of at
most `max_group` sentences are taken, so frequent names (中国, 北京) stay in training. Sentences
without entities are taken in the proportion the file has them (39% of MSRA train), so they do
not crowd out the entity-bearing ones (a plain draw of small groups gave 1,607 of 2,000).
"""

from __future__ import annotations

import random
from typing import Dict, List, Sequence

from .bio import Sentence, spans_from_tags


def random_held_out(n_sentences: int, n_held_out: int, seed: int) -> List[int]:
    """Sorted indices of n_held_out sentences drawn with random.Random(seed) (unchanged since v1)."""
    rng = random.Random(seed)
    order = list(range(n_sentences))
    rng.shuffle(order)
    return sorted(order[:n_held_out])


def entity_strings(sentence: Sentence) -> List[str]:
    tokens, tags = sentence
    return sorted({"".join(tokens[b:e]) for b, e, _ in spans_from_tags(tags)})


def _groups(sentences: Sequence[Sentence]) -> List[int]:
    """Union-find over sentences linked by a shared entity string; returns each sentence's root."""
    parent = list(range(len(sentences)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: Dict[str, int] = {}
    for i, sentence in enumerate(sentences):
        for entity in entity_strings(sentence):
            if entity in first_with:
                a, b = find(i), find(first_with[entity])
                if a != b:
                    parent[a] = b
            else:
                first_with[entity] = i
    return [find(i) for i in range(len(sentences))]


def novel_held_out(sentences: Sequence[Sentence], n_held_out: int, seed: int, max_group: int = 8) -> List[int]:
    """Sorted indices of exactly n_held_out sentences (fewer only if not enough small groups exist)
    such that no entity string of a held-out sentence is an entity of a remaining sentence."""
    roots = _groups(sentences)
    members: Dict[int, List[int]] = {}
    for i, root in enumerate(roots):
        members.setdefault(root, []).append(i)
    has_entities = [bool(entity_strings(s)) for s in sentences]
    free_quota = round(n_held_out * has_entities.count(False) / max(1, len(sentences)))
    order = list(range(len(sentences)))
    random.Random(seed).shuffle(order)
    chosen: List[int] = []
    free: List[int] = []
    taken = set()
    for i in order:
        if not has_entities[i]:  # a group of its own: no entity links it to anything
            if len(free) < free_quota:
                free.append(i)
            continue
        root = roots[i]
        group = members[root]
        if root in taken or len(group) > max_group or len(chosen) + len(group) > n_held_out - free_quota:
            continue
        taken.add(root)
        chosen.extend(group)
    return sorted(chosen + free)
