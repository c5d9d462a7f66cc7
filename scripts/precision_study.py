#!/usr/bin/python3
"""bf16 against fp32 inference (issue 15): does --precision bf16 select what fp32 selects?

    /usr/bin/python3 scripts/precision_study.py --alsel build/alsel --model models/msra-bert3-crf.pt \\
        --pool ../shared/data/msra/test.bio --pool POOL20K.jsonl --out docs/precision-study.json

For each pool (a BIO file is turned into a JSONL pool of its sentences), runs `alsel score` twice,
with --precision fp32 and bf16, joins the two outputs by id and reports, for every strategy whose
score follows from the measures (nlc, trimmed, mnlp, entropy, ltp, ltp-unk): the overlap of the
top 500 (ties in pool order, as alsel ranks) and the Spearman correlation of the scores; the
share of sentences whose predicted entity spans (start, end, label) are identical; and the
largest absolute change of each measure. Prints a Markdown table and writes the numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from typing import Dict, List

from alsel_py.bio import read_bio

STRATEGIES = {
    "nlc": lambda m: 1 - m["nlc"],
    "trimmed": lambda m: 1 - m["trimmed"],
    "mnlp": lambda m: -m["mnlp"],
    "entropy": lambda m: m["entropy"],
    "ltp": lambda m: 1 - m["ltp"],
    # no --labeled: every predicted entity is unknown, in both runs alike
    "ltp-unk": lambda m: 0.95 * (1 - m["ltp"]) + 0.05 * min(m["unknown_entities"], 10) / 10,
}
MEASURES = ["nlc", "trimmed", "mnlp", "entropy", "ltp"]


def ranks(values: List[float]) -> List[float]:
    """Average ranks (1-based) with ties sharing the mean rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(a: List[float], b: List[float]) -> float:
    ra, rb = ranks(a), ranks(b)
    n = len(a)
    ma, mb = sum(ra) / n, sum(rb) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    va = sum((x - ma) ** 2 for x in ra) ** 0.5
    vb = sum((y - mb) ** 2 for y in rb) ** 0.5
    return cov / (va * vb) if va and vb else 1.0


def top(scores: List[float], k: int) -> set:
    """Indices of the k best: higher first, ties in pool order."""
    return set(sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k])


def score(alsel: str, model: str, pool: str, precision: str, threads: int, out: str) -> float:
    started = time.time()
    subprocess.run([alsel, "score", "-m", model, "-p", pool, "-o", out, "--precision", precision, "--threads",
                    str(threads), "--no-manifest", "--progress", "none"], check=True)
    return time.time() - started


def compare(fp32: List[Dict], bf16: List[Dict], k: int) -> Dict:
    assert [r["id"] for r in fp32] == [r["id"] for r in bf16], "the two runs scored different sentences"
    result = {"sentences": len(fp32), "top_k": k, "strategies": {}, "largest_change": {}}
    for name, fn in STRATEGIES.items():
        a, b = [fn(r) for r in fp32], [fn(r) for r in bf16]
        kk = min(k, len(a))
        result["strategies"][name] = {"top_overlap": len(top(a, kk) & top(b, kk)) / kk,
                                      "spearman": spearman(a, b)}
    same = sum(1 for x, y in zip(fp32, bf16)
               if [(e["start"], e["end"], e["label"]) for e in x["entities"]]
               == [(e["start"], e["end"], e["label"]) for e in y["entities"]])
    result["entities_identical"] = same / len(fp32)
    for m in MEASURES:
        result["largest_change"][m] = max(abs(x[m] - y[m]) for x, y in zip(fp32, bf16))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alsel", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--pool", action="append", required=True, help="BIO or JSONL pool; repeatable")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--top", type=int, default=500)
    parser.add_argument("--out", default=None, help="write the numbers here as JSON")
    args = parser.parse_args()
    report = {"model": args.model, "pools": []}
    with tempfile.TemporaryDirectory() as tmp:
        for pool in args.pool:
            path = pool
            if not pool.endswith(".jsonl"):
                path = os.path.join(tmp, os.path.basename(pool) + ".jsonl")
                with open(path, "w", encoding="utf-8") as f:
                    for i, (chars, _) in enumerate(read_bio(pool)):
                        f.write(json.dumps({"id": f"s{i}", "text": "".join(chars)}, ensure_ascii=False) + "\n")
            runs, seconds = {}, {}
            for precision in ("fp32", "bf16"):
                out = os.path.join(tmp, f"{precision}.jsonl")
                seconds[precision] = score(args.alsel, args.model, path, precision, args.threads, out)
                with open(out, encoding="utf-8") as f:
                    runs[precision] = [json.loads(line) for line in f]
            result = compare(runs["fp32"], runs["bf16"], args.top)
            result.update(pool=pool, seconds=seconds)
            report["pools"].append(result)
            print(f"\n{pool}: {result['sentences']} sentences; fp32 {seconds['fp32']:.1f} s, bf16 {seconds['bf16']:.1f} s")
            print(f"| strategy | top-{args.top} overlap | Spearman |\n|---|---:|---:|")
            for name, s in result["strategies"].items():
                print(f"| {name} | {100 * s['top_overlap']:.1f}% | {s['spearman']:.5f} |")
            print(f"entities identical: {100 * result['entities_identical']:.2f}% of sentences; largest change: "
                  + ", ".join(f"{m} {v:.4f}" for m, v in result["largest_change"].items()))
    if args.out:
        with open(args.out + ".tmp", "w") as f:
            json.dump(report, f, indent=1)
        os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
