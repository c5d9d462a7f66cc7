#!/usr/bin/python3
"""The alternative users have today: an LTP selector written in plain PyTorch, for benchmarks.

    PYTHONPATH=scripts /usr/bin/python3 bench/bench_python_selector.py \\
        --model models/msra-bert3-crf.pt --pool pool.jsonl -k 500 --out top.jsonl --threads 2

(alsel_py is in scripts/, hence PYTHONPATH; bench/run_benchmark.sh sets it.)

Written the way a user would write it with the tools at hand: load the TorchScript model with
torch.jit.load (vocabulary and meta from the archive's extra files), tokenize with alsel's Python
tokenizer (scripts/alsel_py/tokenizer.py), run batches of 32 sentences in file order under
torch.inference_mode(), gather the emissions of each word's first wordpiece, compute CRF
marginals (forward-backward) and the Viterbi path in torch, batched, score each sentence with
LTP (1 - the lowest marginal on the Viterbi path), keep the top k in a heap and write them as
JSONL (id, text, rank, score, ltp, entities). A sentence longer than the model's max_len is
truncated to its first max_len - 2 wordpieces (alsel cuts it into overlapping windows instead).

Prints one JSON object on stderr at the end: sentences, seconds (reading the pool to writing the
output; model loading excluded, as for alsel's pipeline timing) and sentences per second.
"""

import argparse
import heapq
import json
import sys
import time

import torch

try:
    from alsel_py.bio import spans_from_tags
    from alsel_py.tokenizer import CLS, PAD, SEP, Tokenizer, Vocabulary
except ModuleNotFoundError as e:
    raise SystemExit(f"{e}: alsel_py is in scripts/; run with PYTHONPATH=scripts (bench/run_benchmark.sh does)")


def crf_marginals(emissions, mask, transitions, start, end):
    """Posterior P(y_w = l | x), (B, W, L), by forward-backward in log space over valid words."""
    b, w, num_labels = emissions.shape
    alphas = [start.unsqueeze(0) + emissions[:, 0]]
    for i in range(1, w):
        nxt = torch.logsumexp(alphas[-1].unsqueeze(2) + transitions.unsqueeze(0), dim=1) + emissions[:, i]
        alphas.append(torch.where(mask[:, i:i + 1], nxt, alphas[-1]))
    # Backward: beta at the last valid word is the end transition; padding positions carry it back.
    lengths = mask.sum(1)
    betas = [None] * w
    beta = end.unsqueeze(0).expand(b, num_labels)
    betas[w - 1] = beta
    for i in range(w - 2, -1, -1):
        nxt = torch.logsumexp(transitions.unsqueeze(0) + (emissions[:, i + 1] + beta).unsqueeze(1), dim=2)
        valid_next = (i + 1 < lengths).unsqueeze(1)
        beta = torch.where(valid_next, nxt, end.unsqueeze(0).expand(b, num_labels))
        betas[i] = beta
    scores = torch.stack(alphas, 1) + torch.stack(betas, 1)
    return torch.softmax(scores, dim=2)


def crf_viterbi(emissions, mask, transitions, start, end):
    b, w, _ = emissions.shape
    score = start.unsqueeze(0) + emissions[:, 0]
    history = []
    for i in range(1, w):
        best, index = (score.unsqueeze(2) + transitions.unsqueeze(0)).max(dim=1)
        history.append(index)
        score = torch.where(mask[:, i:i + 1], best + emissions[:, i], score)
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--pool", required=True)
    parser.add_argument("-k", type=int, default=500)
    parser.add_argument("--out", required=True)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads; 0 = torch's default")
    args = parser.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    extra = {"alsel/meta.json": "", "alsel/vocab.txt": ""}
    model = torch.jit.load(args.model, map_location="cpu", _extra_files=extra)
    model.eval()
    meta = json.loads(extra["alsel/meta.json"])
    vocab = Vocabulary.from_text(extra["alsel/vocab.txt"].decode("utf-8"))
    tokenizer = Tokenizer(vocab, do_lower_case=meta.get("do_lower_case", True),
                          strip_accents=meta.get("strip_accents"), fold_fullwidth=meta.get("fold_fullwidth", True))
    labels = meta["labels"]
    max_pieces = meta["max_len"] - 2
    transitions = model.transitions.detach()
    start = model.start_transitions.detach()
    end = model.end_transitions.detach()
    cls_id, sep_id, pad_id = vocab.ids[CLS], vocab.ids[SEP], vocab.ids[PAD]

    started = time.time()
    heap = []  # (score, -order, record): the worst kept record on top
    scored = 0

    def run_batch(batch):
        nonlocal scored
        encodings = [tokenizer.encode(item["text"]) for item in batch]
        keep = [(item, enc) for item, enc in zip(batch, encodings) if enc.word_first_token]
        if not keep:
            return
        rows = []
        for item, enc in keep:
            ids = enc.ids[:max_pieces]
            firsts = [t + 1 for t in enc.word_first_token if t < len(ids)]
            rows.append(([cls_id] + ids + [sep_id], firsts))
        t = max(len(ids) for ids, _ in rows)
        w = max(len(firsts) for _, firsts in rows)
        input_ids = torch.full((len(rows), t), pad_id, dtype=torch.long)
        attention = torch.zeros((len(rows), t), dtype=torch.long)
        word_index = torch.zeros((len(rows), w), dtype=torch.long)
        mask = torch.zeros((len(rows), w), dtype=torch.bool)
        for r, (ids, firsts) in enumerate(rows):
            input_ids[r, :len(ids)] = torch.tensor(ids)
            attention[r, :len(ids)] = 1
            word_index[r, :len(firsts)] = torch.tensor(firsts)
            mask[r, :len(firsts)] = True
        with torch.inference_mode():
            emissions = model(input_ids, attention)
            emissions = emissions.gather(1, word_index.unsqueeze(2).expand(-1, -1, emissions.size(2)))
            marginals = crf_marginals(emissions, mask, transitions, start, end)
            paths = crf_viterbi(emissions, mask, transitions, start, end)
        for r, ((item, enc), path) in enumerate(zip(keep, paths)):
            p = marginals[r, torch.arange(len(path)), torch.tensor(path)]
            ltp = float(p.min())
            score = 1.0 - ltp
            record_key = (score, -item["order"])
            scored += 1
            if len(heap) < args.k or record_key > heap[0][:2]:
                entities = []
                for begin, stop, kind in spans_from_tags([labels[x] for x in path]):
                    s, e = enc.word_spans[begin][0], enc.word_spans[stop - 1][1]
                    entities.append({"start": s, "end": e, "label": kind, "text": item["text"][s:e],
                                     "confidence": float(p[begin:stop].min())})
                record = {"id": item["id"], "text": item["text"], "score": score, "ltp": ltp, "entities": entities}
                entry = (score, -item["order"], record)
                if len(heap) < args.k:
                    heapq.heappush(heap, entry)
                else:
                    heapq.heapreplace(heap, entry)

    batch = []
    order = 0
    with open(args.pool, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            item = json.loads(line)
            item["order"] = order
            order += 1
            batch.append(item)
            if len(batch) == args.batch_size:
                run_batch(batch)
                batch = []
    if batch:
        run_batch(batch)

    best = sorted(heap, key=lambda entry: (-entry[0], -entry[1]))
    with open(args.out, "w", encoding="utf-8") as out:
        for rank, (_, _, record) in enumerate(best, 1):
            line = {"id": record["id"], "text": record["text"], "rank": rank, "score": record["score"],
                    "strategy": "ltp", "ltp": record["ltp"], "entities": record["entities"]}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    seconds = time.time() - started
    print(json.dumps({"tool": "bench_python_selector", "sentences": scored, "seconds": seconds,
                      "sentences_per_second": scored / seconds, "threads": torch.get_num_threads(),
                      "batch_size": args.batch_size}), file=sys.stderr)


if __name__ == "__main__":
    main()
