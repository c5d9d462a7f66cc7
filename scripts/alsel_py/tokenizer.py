"""BERT BasicTokenizer + WordPiece with code-point offsets: the reference for alsel's C++ tokenizer.

    vocab = Vocabulary.from_file("vocab.txt")
    tok = Tokenizer(vocab, do_lower_case=True, fold_fullwidth=True)
    enc = tok.encode("ＣＡＤ软件")
    enc.ids, enc.offsets, enc.word_first_token, enc.word_spans

Behaviour follows bert-base-chinese's tokenizer (google-research/bert tokenization.py and the
Hugging Face BertTokenizer built on it), processed one original character at a time so that
every token keeps [start, end) code-point offsets into the original text:

  1. fold_fullwidth (alsel's lookup normalization, stored in the model meta): U+FF01..U+FF5E
     become ASCII (U+0021..U+007E) and U+3000 becomes a space, so MSRA's full-width digits and
     Latin letters (１９９７, ＣＡＤ) are looked up as 1997 and cad instead of becoming [UNK].
  2. cleaning: U+0000, U+FFFD and control characters (category C*, except \\t \\n \\r) vanish;
     whitespace (\\t \\n \\r, space, category Zs) separates words.
  3. CJK ideographs become one word each.
  4. lower-casing (str.lower per character) and accent stripping (NFD, then dropping
     category Mn) when do_lower_case; strip_accents defaults to do_lower_case.
  5. punctuation (ASCII symbol ranges and category P*) becomes one word per character.
  6. WordPiece: greedy longest match with "##" continuation; a word longer than
     max_chars_per_word characters, or one that cannot be matched, becomes a single [UNK].

Known deviation from Python's whole-string str.lower(): the context-dependent final sigma rule
is not applied (lower-casing is per character in both implementations).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
SPECIAL_TOKENS = [PAD, UNK, CLS, SEP, MASK]

_CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)


def is_cjk(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def is_whitespace(ch: str) -> bool:
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def is_control(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def fold_fullwidth_char(ch: str) -> str:
    cp = ord(ch)
    if 0xFF01 <= cp <= 0xFF5E:
        return chr(cp - 0xFEE0)
    if cp == 0x3000:
        return " "
    return ch


def normalize_char(ch: str, lower: bool, strip_accents: bool) -> str:
    """Lower-case and strip accents of one (already folded) character; may return 0..n chars."""
    if lower:
        ch = ch.lower()
    if strip_accents:
        ch = "".join(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn")
    return ch


class Vocabulary:
    """Token <-> id. Files are split on '\\n' only (real vocabularies contain U+2028); a trailing
    '\\r' is removed; when a token repeats, the last id wins (as in Hugging Face's load_vocab)."""

    def __init__(self, tokens: Sequence[str]):
        self.tokens: List[str] = list(tokens)
        self.ids: Dict[str, int] = {}
        for i, t in enumerate(self.tokens):
            self.ids[t] = i
        if UNK not in self.ids:
            raise ValueError("vocabulary has no [UNK] token")

    @classmethod
    def from_text(cls, text: str) -> "Vocabulary":
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return cls([line[:-1] if line.endswith("\r") else line for line in lines])

    @classmethod
    def from_file(cls, path: str) -> "Vocabulary":
        with open(path, "rb") as f:
            return cls.from_text(f.read().decode("utf-8"))

    def to_text(self) -> str:
        return "".join(t + "\n" for t in self.tokens)

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self.ids


@dataclass
class Encoding:
    tokens: List[str] = field(default_factory=list)
    ids: List[int] = field(default_factory=list)
    offsets: List[Tuple[int, int]] = field(default_factory=list)   # code points, end exclusive
    word_first_token: List[int] = field(default_factory=list)      # index into tokens
    word_spans: List[Tuple[int, int]] = field(default_factory=list)  # code points, end exclusive


class Tokenizer:
    def __init__(self, vocab: Vocabulary, do_lower_case: bool = True,
                 strip_accents: Optional[bool] = None, fold_fullwidth: bool = True,
                 max_chars_per_word: int = 100):
        self.vocab = vocab
        self.do_lower_case = do_lower_case
        self.strip_accents = do_lower_case if strip_accents is None else strip_accents
        self.fold_fullwidth = fold_fullwidth
        self.max_chars_per_word = max_chars_per_word
        self.unk_id = vocab.ids[UNK]

    def basic_tokenize(self, text: str) -> List[List[Tuple[str, int]]]:
        """Words as lists of (normalized character, original code-point index)."""
        words: List[List[Tuple[str, int]]] = []
        current: List[Tuple[str, int]] = []

        def flush():
            nonlocal current
            if current:
                words.append(current)
                current = []

        for index, original in enumerate(text):
            ch = fold_fullwidth_char(original) if self.fold_fullwidth else original
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or is_control(ch):
                continue
            if is_whitespace(ch):
                flush()
                continue
            if is_cjk(cp):
                flush()
                normalized = normalize_char(ch, self.do_lower_case, self.strip_accents)
                current = [(c, index) for c in normalized]
                flush()
                continue
            for c in normalize_char(ch, self.do_lower_case, self.strip_accents):
                if is_punctuation(c):
                    flush()
                    current = [(c, index)]
                    flush()
                else:
                    current.append((c, index))
        flush()
        return words

    def wordpiece(self, word: List[Tuple[str, int]]) -> List[Tuple[str, int, int, int]]:
        """(piece, id, start, end) for one word."""
        start_cp, end_cp = word[0][1], word[-1][1] + 1
        if len(word) > self.max_chars_per_word:
            return [(UNK, self.unk_id, start_cp, end_cp)]
        chars = "".join(c for c, _ in word)
        pieces = []
        start = 0
        while start < len(chars):
            end = len(chars)
            match = None
            while start < end:
                sub = chars[start:end]
                if start > 0:
                    sub = "##" + sub
                if sub in self.vocab.ids:
                    match = sub
                    break
                end -= 1
            if match is None:
                return [(UNK, self.unk_id, start_cp, end_cp)]
            pieces.append((match, self.vocab.ids[match], word[start][1], word[end - 1][1] + 1))
            start = end
        return pieces

    def encode(self, text: str) -> Encoding:
        enc = Encoding()
        for word in self.basic_tokenize(text):
            enc.word_first_token.append(len(enc.ids))
            enc.word_spans.append((word[0][1], word[-1][1] + 1))
            for piece, pid, s, e in self.wordpiece(word):
                enc.tokens.append(piece)
                enc.ids.append(pid)
                enc.offsets.append((s, e))
        return enc
