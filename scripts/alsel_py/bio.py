"""Reading BIO files (one `char<TAB>tag` per line, blank line between sentences) and entity spans."""

from __future__ import annotations

from typing import Iterator, List, Sequence, Tuple

Sentence = Tuple[List[str], List[str]]  # (characters/tokens, tags)


def read_bio(path: str) -> List[Sentence]:
    sentences: List[Sentence] = []
    chars: List[str] = []
    tags: List[str] = []
    with open(path, encoding="utf-8") as f:
        for line_number, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                if chars:
                    sentences.append((chars, tags))
                    chars, tags = [], []
                continue
            parts = line.split("\t") if "\t" in line else line.split()
            if len(parts) < 2:
                raise ValueError(f"{path}:{line_number}: expected 'token<TAB>tag', got {line!r}")
            chars.append(parts[0])
            tags.append(parts[-1])
    if chars:
        sentences.append((chars, tags))
    return sentences


def spans_from_tags(tags: Sequence[str]) -> List[Tuple[int, int, str]]:
    """(begin, end, type) over tag positions, conlleval semantics: an I-X after O or after another
    type starts a new entity; B-X always starts one."""
    spans = []
    begin, current = -1, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, kind = tag.partition("-")
        if tag == "O" or prefix == "B" or (prefix == "I" and kind != current):
            if current is not None:
                spans.append((begin, i, current))
            current = None
            if prefix in ("B", "I"):
                begin, current = i, kind
    return spans


def prf(gold: int, predicted: int, correct: int) -> Tuple[float, float, float]:
    p = correct / predicted if predicted else 0.0
    r = correct / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f
