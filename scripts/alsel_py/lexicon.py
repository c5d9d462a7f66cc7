"""Lexicon features from jieba's dictionary, computed inside forward() from input_ids.

In the spirit of SoftLexicon (Ma et al. 2020): for every character, which dictionary words of
each class begin at it, continue through it, or end at it: 4 classes (PER: jieba tags nr, nrfg,
nrt; LOC: ns, nsf; ORG: nt; OTHER: every other tag) x 3 roles (B, M, E) = 12 indicator features.

The dictionary is turned into a hashed table over the model's own vocabulary ids, stored as two
buffers of the module (`lexicon_keys` int32 [M], `lexicon_classes` uint8 [M], M a power of two):
a word of n pieces has a bucket hash h1 and a check hash h2 over its ids; it sits in the first
free slot of buckets h1, h1+1, ..., h1+probes-1, with h2 as key and a 4-bit class mask as value.
forward() hashes every n-gram (2 <= n <= max_word) of input_ids the same way and reads the
probes, so the exported TorchScript file needs no dictionary at run time and alsel's model
contract (input_ids, attention_mask) does not change. A false match needs a 31-bit key to
collide within a word's probe chain: about probes * 2^-31 per n-gram.

Only words made of CJK characters that are all in the vocabulary can ever match (others would
need [UNK] or wordpieces); they are the only ones stored.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn

JIEBA_DICTIONARY = "/usr/lib/python3/dist-packages/jieba/dict.txt"
CLASSES = ("PER", "LOC", "ORG", "OTHER")
TAG_CLASS = {"nr": 0, "nrfg": 0, "nrt": 0, "ns": 1, "nsf": 1, "nt": 2}
ROLES = ("B", "M", "E")
FEATURES = len(CLASSES) * len(ROLES)



def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_dictionary(path: str) -> List[Tuple[str, int]]:
    """(word, class index) for every line `word freq tag` (a word without tag is OTHER)."""
    entries = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if parts:
                entries.append((parts[0], TAG_CLASS.get(parts[2], 3) if len(parts) > 2 else 3))
    return entries


def _is_cjk(c: str) -> bool:
    # Compatibility ideographs (U+F900..U+FAFF) are left out: NFD (strip_accents) rewrites them.
    return unicodedata.category(c) == "Lo" and (0x3400 <= ord(c) <= 0x9FFF or 0x20000 <= ord(c) <= 0x2A6DF)


def extend_hashes(h1: torch.Tensor, h2: torch.Tensor, piece: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Bucket and check hashes of an n-gram extended by one piece id (the empty n-gram is 0, 0).
    Values stay below 2^31 and products below 2^52: no int64 overflow, same in Python and C++."""
    return (h1 * 1000003 + piece + 1) % 2147483647, (h2 * 9973 + piece + 1) % 2147483629


def ngram_hashes(input_ids: torch.Tensor, n: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Hashes (B, T) of the n-gram starting at each position; ids past the end count as 0."""
    b, t = input_ids.shape
    padded = torch.cat([input_ids, torch.zeros(b, n, dtype=input_ids.dtype, device=input_ids.device)], dim=1)
    h1 = torch.zeros(b, t, dtype=torch.long, device=input_ids.device)
    h2 = torch.zeros(b, t, dtype=torch.long, device=input_ids.device)
    for k in range(n):
        h1, h2 = extend_hashes(h1, h2, padded[:, k:k + t])
    return h1, h2


def build_table(entries: Sequence[Tuple[str, int]], piece_id: Dict[str, int], max_word: int,
                probes: int) -> Tuple[torch.Tensor, torch.Tensor, Dict[str, int]]:
    """Hash table (keys int32 [M], class masks uint8 [M]) of the entries whose 2..max_word CJK
    characters all have a piece id, and counts of what was stored and skipped."""
    by_length: Dict[int, Dict[Tuple[int, ...], int]] = {}
    skipped = 0
    for word, cls in entries:
        if not 2 <= len(word) <= max_word or not all(_is_cjk(c) and c in piece_id for c in word):
            skipped += 1
            continue
        ids = tuple(piece_id[c] for c in word)
        group = by_length.setdefault(len(ids), {})
        group[ids] = group.get(ids, 0) | (1 << cls)
    words = sum(len(g) for g in by_length.values())
    buckets = 1 << max(4, math.ceil(math.log2(max(1, words) * 2.5)))
    keys = [-1] * buckets
    classes = [0] * buckets
    dropped = 0
    for n, group in sorted(by_length.items()):
        ids = torch.tensor(list(group.keys()), dtype=torch.long)
        h1, h2 = ngram_hashes(ids, n)
        for (bucket_hash, key), mask in zip(zip(h1[:, 0].tolist(), h2[:, 0].tolist()), group.values()):
            for p in range(probes):
                slot = (bucket_hash + p) % buckets
                if keys[slot] == key:
                    classes[slot] |= mask
                    break
                if keys[slot] == -1:
                    keys[slot] = key
                    classes[slot] = mask
                    break
            else:
                dropped += 1
    return (torch.tensor(keys, dtype=torch.int32), torch.tensor(classes, dtype=torch.uint8), {"words": words, "skipped": skipped, "dropped": dropped, "buckets": buckets})


class LexiconFeatures(nn.Module):
    """forward(input_ids (B, T)) -> float (B, T, 12): [class][role] indicators, role-major
    (B-PER, B-LOC, B-ORG, B-OTHER, M-PER, ..., E-OTHER)."""

    def __init__(self, buckets: int, max_word: int = 10, probes: int = 8):
        super().__init__()
        self.buckets = buckets
        self.max_word = max_word
        self.probes = probes
        self.register_buffer("lexicon_keys", torch.full((buckets,), -1, dtype=torch.int32))
        self.register_buffer("lexicon_classes", torch.zeros(buckets, dtype=torch.uint8))

    def fill(self, keys: torch.Tensor, classes: torch.Tensor):
        if keys.shape != self.lexicon_keys.shape:
            raise ValueError(f"lexicon table has {keys.numel()} buckets, the model {self.buckets}")
        self.lexicon_keys.copy_(keys)
        self.lexicon_classes.copy_(classes)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        b, t = input_ids.shape
        zero = torch.zeros(b, t, dtype=torch.long, device=input_ids.device)
        begin, middle, end = zero, zero, zero
        padded = torch.cat([input_ids, torch.zeros(b, self.max_word, dtype=input_ids.dtype,
                                                   device=input_ids.device)], dim=1)
        h1, h2 = extend_hashes(zero, zero, input_ids)
        for n in range(2, self.max_word + 1):
            h1, h2 = extend_hashes(h1, h2, padded[:, n - 1:n - 1 + t])
            found = zero
            for p in range(self.probes):
                slot = (h1 + p) % self.buckets
                hit = self.lexicon_keys[slot].long() == h2
                found = found | torch.where(hit, self.lexicon_classes[slot].long(), zero)
            begin = begin | found
            # The word starting at s covers s .. s+n-1: middle s+1 .. s+n-2, end s+n-1.
            for k in range(1, min(n, t)):  # a shift by t or more leaves nothing
                shifted = torch.cat([zero[:, :k], found[:, :t - k]], dim=1)
                if k == n - 1:
                    end = end | shifted
                else:
                    middle = middle | shifted
        bits = torch.arange(4, device=input_ids.device)
        roles = torch.stack([begin, middle, end], dim=2)  # (B, T, 3)
        return ((roles.unsqueeze(3) >> bits) & 1).reshape(b, t, 12).to(torch.float32)


def cjk_piece_ids(vocab_ids: Dict[str, int]) -> Dict[str, int]:
    """The piece id of each single CJK character as the tokenizer looks it up (a CJK character is
    a basic-tokenizer word of its own, so its piece is the character itself, never ##X)."""
    return {token: i for token, i in vocab_ids.items() if len(token) == 1 and _is_cjk(token)}
