#!/usr/bin/python3
"""Prints the reference tokenization (scripts/alsel_py/tokenizer.py) of each sentence as JSON.

    /usr/bin/python3 scripts/dump_tokenization.py --vocab vocab.txt --input test.bio --limit 100

One JSON object per line and sentence: {"text", "tokens", "ids", "offsets", "word_first_token",
"word_spans"}; offsets and spans are [start, end) code points. tests/wordpiece_tokenizer_test.cc
compares the C++ tokenizer with this output.

Input: a .bio file (one "<char><TAB><tag>" per line, blank lines between sentences; a sentence
is its characters concatenated), or any other file with one sentence per line (split on '\\n'
only, one trailing '\\r' removed, the empty piece after a final '\\n' ignored).
"""

from __future__ import annotations

import argparse
import json
import sys

from alsel_py.tokenizer import Tokenizer, Vocabulary


def bio_sentences(text: str):
    chars = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.endswith("\r"):
            line = line[:-1]
        if line == "":
            if chars:
                yield "".join(chars)
                chars = []
            continue
        # The character is everything before the last tab (or, without a tab, the last space):
        # the character itself may be a space.
        separator = "\t" if "\t" in line else " "
        char, found, _tag = line.rpartition(separator)
        if not found or char == "":
            raise SystemExit(f"line {number}: expected '<char><TAB><tag>', got {line!r}")
        chars.append(char)
    if chars:
        yield "".join(chars)


def line_sentences(text: str):
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        yield line[:-1] if line.endswith("\r") else line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab", required=True, help="vocabulary file, one token per line")
    parser.add_argument("--input", required=True, help=".bio file or one sentence per line")
    parser.add_argument("--no-lower-case", action="store_true", help="do_lower_case=False")
    parser.add_argument("--strip-accents", choices=("auto", "0", "1"), default="auto",
                        help="auto follows lower-casing")
    parser.add_argument("--no-fold-fullwidth", action="store_true", help="fold_fullwidth=False")
    parser.add_argument("--max-chars-per-word", type=int, default=100)
    parser.add_argument("--limit", type=int, default=0, help="stop after N sentences (0: all)")
    args = parser.parse_args()

    vocab = Vocabulary.from_file(args.vocab)
    tokenizer = Tokenizer(vocab, do_lower_case=not args.no_lower_case,
                          strip_accents=None if args.strip_accents == "auto"
                          else args.strip_accents == "1",
                          fold_fullwidth=not args.no_fold_fullwidth,
                          max_chars_per_word=args.max_chars_per_word)
    with open(args.input, "rb") as f:
        text = f.read().decode("utf-8")
    sentences = bio_sentences(text) if args.input.endswith(".bio") else line_sentences(text)
    out = sys.stdout
    for count, sentence in enumerate(sentences):
        if args.limit and count >= args.limit:
            break
        enc = tokenizer.encode(sentence)
        out.write(json.dumps({
            "text": sentence,
            "tokens": enc.tokens,
            "ids": enc.ids,
            "offsets": [list(o) for o in enc.offsets],
            "word_first_token": enc.word_first_token,
            "word_spans": [list(s) for s in enc.word_spans],
        }, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
