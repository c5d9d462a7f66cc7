#!/usr/bin/python3
"""Where the forward pass spends its time: the torch profiler over one alsel-sized batch.

    /usr/bin/python3 bench/bench_profile_forward.py --model models/msra-bert3-crf.pt --threads 1

Runs the TorchScript model on a batch of B x T random wordpiece ids (default 200 x 41, i.e.
8,200 tokens: one 8192-token batch of MSRA-length sentences) under torch.inference_mode(),
prints the time per batch, the FLOPs of its matrix products (2 x tokens x the weights of every
Linear layer, plus attention's two batched products) as GFLOP/s, and the profiler's table of
operators by self time. The same Debian libtorch as alsel's (python3-torch).

--precision bf16 runs the pass under torch.cpu.amp.autocast(dtype=torch.bfloat16), as
`alsel --precision bf16` does (the matrix products in bfloat16 through oneDNN), so the two tables
show where the time goes once the matrix products are cheaper.
"""

import argparse
import contextlib
import ctypes
import json
import time

import torch


def set_blas_threads(threads: int) -> None:
    """Limit OpenBLAS's own pool to `threads`, as alsel does (torchscript_model.cc).

    Debian's libtorch runs float32 bmm through libblas.so.3 (OpenBLAS); torch.set_num_threads does
    not reach OpenBLAS's pool, whose threads spin for a core that other work holds: measured on a
    loaded 2-core machine, a 64 x 48 float32 forward pass took 2,306 ms with OpenBLAS's default
    of 2 threads and 282 ms with 1."""
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "libopenblas" in line})
    for path in paths:
        setter = getattr(ctypes.CDLL(path), "openblas_set_num_threads", None)
        if setter is not None:
            setter(threads)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--length", type=int, default=41)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    set_blas_threads(args.threads)
    extra = {"alsel/meta.json": ""}
    model = torch.jit.load(args.model, map_location="cpu", _extra_files=extra)
    model.eval()
    meta = json.loads(extra["alsel/meta.json"])
    arch = meta.get("architecture", {})
    hidden, layers, ffn = arch.get("hidden", 256), arch.get("layers", 3), arch.get("ffn", 1024)
    bigram_dim = arch.get("bigram_dim", 48)
    labels = len(meta["labels"])
    b, t = args.batch, args.length
    tokens = b * t
    # Multiply-adds per token of the Linear layers, and attention's QK^T and PV per layer.
    linear_macs = layers * (hidden * 3 * hidden + hidden * hidden + 2 * hidden * ffn) \
        + 2 * bigram_dim * hidden + hidden * labels
    attention_macs = layers * 2 * t * hidden
    flops = 2.0 * tokens * (linear_macs + attention_macs)

    ids = torch.randint(5, 3000, (b, t))
    mask = torch.ones_like(ids)
    autocast = (torch.cpu.amp.autocast(dtype=torch.bfloat16) if args.precision == "bf16"
                else contextlib.nullcontext())
    with torch.inference_mode(), autocast:
        for _ in range(3):
            model(ids, mask)
        started = time.time()
        for _ in range(args.repeats):
            model(ids, mask)
        seconds = (time.time() - started) / args.repeats
        with torch.autograd.profiler.profile() as profile:
            for _ in range(3):
                model(ids, mask)
    print(json.dumps({"batch": [b, t], "threads": args.threads, "precision": args.precision, "ms_per_batch": 1000 * seconds,
                      "tokens_per_second": tokens / seconds, "matmul_gflop_per_batch": flops / 1e9,
                      "effective_gflops": flops / seconds / 1e9}))
    print(profile.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))


if __name__ == "__main__":
    main()
