#!/usr/bin/python3
"""Make a JSONL pool of N sentences from any seed text, for benchmarks and memory checks.

    /usr/bin/python3 scripts/make_pool.py --seed-text ../shared/data/msra/test.bio -n 50000 --out pool.jsonl

The seed is a BIO/CoNLL file (sentences = characters between blank lines), a JSONL file with a
"text" field, or plain text (one sentence per line). Sentences are cycled in order; ids are
unique ("pool-0000001", ...). Streams: memory does not grow with N (except --distinct, which
keeps 8 bytes per sentence to guarantee it).

--distinct makes every text different, so that deduplication cannot skip any of them: the first
pass over the seed is written as is; in later passes each sentence gets 1-3 of its characters
replaced by characters drawn from the seed text (a fixed random generator, --random-seed), retried
until the text is new. Use it for throughput and memory checks that must run the model on every
line.
"""

import argparse
import hashlib
import json
import random
import sys


def seed_sentences(path):
    if path.endswith(".jsonl"):
        with open(path, encoding="utf-8") as f:
            return [json.loads(line)["text"] for line in f if line.strip()]
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if any("\t" in line for line in lines[:50]):
        sentences, current = [], []
        for line in lines:
            if line.strip():
                current.append(line.split("\t")[0])
            elif current:
                sentences.append("".join(current))
                current = []
        if current:
            sentences.append("".join(current))
        return sentences
    return [line for line in lines if line.strip()]


def cycled(sentences):
    while True:
        yield from sentences


def distinct_texts(sentences, random_seed):
    rng = random.Random(random_seed)
    alphabet = [c for c in sorted(set("".join(sentences))) if not c.isspace()]
    seen = set()
    for cycle in range(1 << 62):
        for text in sentences:
            candidate = text
            while True:
                key = hashlib.blake2b(candidate.encode("utf-8"), digest_size=8).digest()
                if key not in seen:
                    break
                chars = list(text)
                for _ in range(rng.randint(1, 3)):
                    chars[rng.randrange(len(chars))] = rng.choice(alphabet)
                candidate = "".join(chars)
            seen.add(key)
            yield candidate


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed-text", required=True)
    parser.add_argument("-n", type=int, required=True)
    parser.add_argument("--out", default="-")
    parser.add_argument("--max-chars", type=int, default=0, help="skip seed sentences longer than this (0 = keep all)")
    parser.add_argument("--distinct", action="store_true", help="make every text different (see above)")
    parser.add_argument("--random-seed", type=int, default=1, help="--distinct: seed of the replacements")
    args = parser.parse_args()
    sentences = seed_sentences(args.seed_text)
    if args.max_chars:
        sentences = [s for s in sentences if len(s) <= args.max_chars]
    if not sentences:
        sys.exit("no sentences in " + args.seed_text)
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    texts = distinct_texts(sentences, args.random_seed) if args.distinct else cycled(sentences)
    for i in range(args.n):
        out.write(json.dumps({"id": f"pool-{i + 1:07d}", "text": next(texts)}, ensure_ascii=False) + "\n")
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
