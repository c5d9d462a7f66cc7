#!/usr/bin/python3
"""Turn bench/run_benchmark.sh's raw outputs into bench/results/summary.{json,md}.

    /usr/bin/python3 bench/bench_summarize.py --work build-bench/bench-work --results bench/results

Reads, from --work: NAME.time (/usr/bin/time -v), NAME.out / NAME.err of every run; from
--results: machine.json, micro.json (Google Benchmark), gemm.json. Every number it writes comes
from those files; runs of the same tool are summarized by their fastest (and all are listed).

Machine peak (FP32 FLOP/s) = cores x clock x FLOPs per cycle per core, with FLOPs per cycle
assumed from the CPU family and flags (2 FMA pipes x vector lanes x 2):
  AMD family 25 (Zen 3 / Zen 4; Zen 4 runs AVX-512 as two 256-bit halves): 2 x 8 x 2 = 32;
  AMD family 23 (Zen 2; Zen 1 has half-width pipes, not distinguished here): 32;
  other CPUs with AVX-512: 2 x 16 x 2 = 64 (server parts with two 512-bit FMA units);
  other CPUs with AVX2 + FMA: 32; otherwise SSE: 2 x 4 x 2 = 16.
The clock is the one alsel_gemm_check measures with a chain of dependent adds (one per cycle) on
one core; /proc/cpuinfo's "cpu MHz" is only the nominal/TSC clock under a hypervisor. With all
cores busy the boost clock may be lower, so the all-core peak is an upper estimate.
"""

import argparse
import glob
import json
import os
import re


def time_report(path):
    """Wall seconds and peak RSS (MiB) from a /usr/bin/time -v report."""
    text = open(path).read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text).group(1)
    seconds = 0.0
    for part in wall.split(":"):
        seconds = seconds * 60 + float(part)
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    status = int(re.search(r"Exit status: (\d+)", text).group(1))
    return {"wall_seconds": seconds, "peak_rss_mib": rss_kb / 1024.0, "exit_status": status}


def last_json_line(path):
    for line in reversed(open(path, encoding="utf-8").read().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    return {}


def runs(work, prefix):
    found = []
    for path in sorted(glob.glob(os.path.join(work, prefix + "-*.time"))):
        name = os.path.basename(path)[:-len(".time")]
        run = {"name": name}
        run.update(time_report(path))
        out, err = os.path.join(work, name + ".out"), os.path.join(work, name + ".err")
        tool = last_json_line(out) if os.path.exists(out) else {}
        if not tool and os.path.exists(err):
            tool = last_json_line(err)
        if tool:
            run["tool"] = tool
        found.append(run)
    return found


def flops_per_cycle(lscpu):
    flags = set(re.search(r"Flags:\s*(.*)", lscpu).group(1).split())
    vendor = re.search(r"Vendor ID:\s*(\S+)", lscpu).group(1)
    family = int(re.search(r"CPU family:\s*(\d+)", lscpu).group(1))
    if vendor == "AuthenticAMD" and family in (23, 25):
        return 32, f"AMD family {family}: 2 FMA pipes x 8 FP32 lanes (256-bit) x 2"
    if "avx512f" in flags:
        return 64, "AVX-512: 2 FMA units x 16 FP32 lanes x 2"
    if "avx2" in flags and "fma" in flags:
        return 32, "AVX2: 2 FMA units x 8 FP32 lanes x 2"
    return 16, "SSE: 2 units x 4 FP32 lanes x 2"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", required=True)
    parser.add_argument("--results", required=True)
    args = parser.parse_args()
    machine = json.load(open(os.path.join(args.results, "machine.json")))
    summary = {"machine": {k: v for k, v in machine.items() if k != "lscpu"}}
    lscpu = machine["lscpu"]
    cpus = int(re.search(r"^CPU\(s\):\s*(\d+)", lscpu, re.M).group(1))
    model_name = re.search(r"Model name:\s*(.*)", lscpu).group(1).strip()
    per_cycle, assumption = flops_per_cycle(lscpu)
    ghz = float(machine["cpu_mhz"]) / 1000.0
    summary["machine"].update({"cpus": cpus, "model_name": model_name, "flops_per_cycle": per_cycle,
                               "peak_assumption": assumption, "ghz": ghz,
                               "peak_gflops_per_core": per_cycle * ghz, "peak_gflops_all": per_cycle * ghz * cpus})
    md = []
    end_path = os.path.join(args.results, "loadavg_at_end.txt")
    end_load = open(end_path).read().strip() if os.path.exists(end_path) else "?"
    md.append(f"Machine: {model_name}, {cpus} CPUs at {ghz:.3f} GHz (cpu MHz); model `{machine['model']}`; "
              f"threads {machine['threads']}; {machine['date']}; git {machine['git']}; load average "
              f"{machine.get('loadavg_at_start', '?')} at start, {end_load} at end.")
    md.append("")

    alsel, python, floor = runs(args.work, "alsel"), runs(args.work, "python"), runs(args.work, "floor")
    floor_sequential = runs(args.work, "floorseq")
    if alsel and python and floor:
        best_alsel = min(alsel, key=lambda r: r["wall_seconds"])
        best_python = min(python, key=lambda r: r["wall_seconds"])
        best_floor = min(floor, key=lambda r: r["tool"]["seconds"])
        sentences = best_floor["tool"]["sentences"]
        rows = [
            ("1. alsel select, end to end (process wall time)", best_alsel["wall_seconds"], best_alsel),
            ("2. plain PyTorch selector (process wall time)", best_python["wall_seconds"], best_python),
            ("2'. plain PyTorch selector (its own timer: pool to output, no imports/loading)",
             best_python["tool"]["seconds"], best_python),
            (f"3. bare forward pass over alsel's batches, {best_floor['tool'].get('streams', 1)} streams x "
             f"{best_floor['tool']['threads']} thread (forward calls only)", best_floor["tool"]["seconds"], best_floor),
        ]
        best_sequential = min(floor_sequential, key=lambda r: r["tool"]["seconds"]) if floor_sequential else None
        if best_sequential:
            rows.append((f"3'. the same, one pass at a time on {best_sequential['tool']['threads']} threads",
                         best_sequential["tool"]["seconds"], best_sequential))
        summary["compare"] = {
            "sentences": sentences,
            "alsel_runs": alsel, "python_runs": python, "floor_runs": floor,
            "alsel_seconds": best_alsel["wall_seconds"],
            "python_seconds": best_python["wall_seconds"],
            "python_own_seconds": best_python["tool"]["seconds"],
            "floor_seconds": best_floor["tool"]["seconds"],
            "speedup_vs_python": best_python["wall_seconds"] / best_alsel["wall_seconds"],
            "speedup_vs_python_own_timer": best_python["tool"]["seconds"] / best_alsel["wall_seconds"],
            "fraction_of_floor_speed": best_floor["tool"]["seconds"] / best_alsel["wall_seconds"],
            "floor_sequential_seconds": best_sequential["tool"]["seconds"] if best_sequential else None,
            "fraction_of_sequential_floor_speed":
                best_sequential["tool"]["seconds"] / best_alsel["wall_seconds"] if best_sequential else None,
            "floor_batches": best_floor["tool"]["batches"],
            "floor_real_tokens": best_floor["tool"]["real_tokens"],
            "floor_padded_tokens": best_floor["tool"]["padded_tokens"],
        }
        c = summary["compare"]
        md.append(f"Pool: {sentences} sentences; fastest of {len(alsel)} run(s) each.")
        md.append("")
        md.append("| run | seconds | sentences/s | peak RSS (MiB) |")
        md.append("|---|---:|---:|---:|")
        for label, seconds, run in rows:
            md.append(f"| {label} | {seconds:.1f} | {sentences / seconds:.0f} | {run['peak_rss_mib']:.0f} |")
        md.append("")
        md.append(f"- alsel vs plain PyTorch: **{c['speedup_vs_python']:.2f}x** faster "
                  f"({c['speedup_vs_python_own_timer']:.2f}x against the baseline's own timer).")
        md.append(f"- alsel vs the bare forward pass laid out as alsel runs it (3): **{100 * c['fraction_of_floor_speed']:.1f}%** "
                  "of its speed (alsel's whole process, loading included, against the floor's forward calls alone).")
        if best_sequential:
            md.append(f"- alsel vs the bare forward pass one batch at a time on all threads (3'): "
                      f"**{100 * c['fraction_of_sequential_floor_speed']:.1f}%** of its speed.")
        md.append(f"- Floor batches: {c['floor_batches']}, real tokens {c['floor_real_tokens']}, padded tokens "
                  f"{c['floor_padded_tokens']} ({100 * (c['floor_padded_tokens'] / c['floor_real_tokens'] - 1):.1f}% "
                  "padding).")
        alsel_top, python_top = os.path.join(args.work, "alsel-top.jsonl"), os.path.join(args.work, "python-top.jsonl")
        if os.path.exists(alsel_top) and os.path.exists(python_top):
            a = {r["id"]: r["score"] for r in map(json.loads, open(alsel_top, encoding="utf-8"))}
            p = {r["id"]: r["score"] for r in map(json.loads, open(python_top, encoding="utf-8"))}
            common = set(a) & set(p)
            c["same_job"] = {"alsel_selected": len(a), "python_selected": len(p), "common_ids": len(common),
                             "max_score_difference": max((abs(a[i] - p[i]) for i in common), default=None)}
            md.append(f"- Same job: {len(common)} of the {len(a)} sentences alsel selects are also in the baseline's "
                      f"top {len(p)}; largest score difference on those {c['same_job']['max_score_difference']:.2g} "
                      "(the baseline computes the CRF in float32 and truncates sentences longer than max_len).")
        bf16, bf16_floor = runs(args.work, "bf16alsel"), runs(args.work, "bf16floor")
        if bf16 and bf16_floor:
            best_bf16 = min(bf16, key=lambda r: r["wall_seconds"])
            best_bf16_floor = min(bf16_floor, key=lambda r: r["tool"]["seconds"])
            c["bf16"] = {
                "flag": machine.get("bf16_flag", ""),
                "alsel_seconds": best_bf16["wall_seconds"], "floor_seconds": best_bf16_floor["tool"]["seconds"],
                "speedup_vs_python": best_python["wall_seconds"] / best_bf16["wall_seconds"],
                "speedup_vs_alsel_fp32": best_alsel["wall_seconds"] / best_bf16["wall_seconds"],
                "floor_speedup_vs_fp32_floor": best_floor["tool"]["seconds"] / best_bf16_floor["tool"]["seconds"],
                "fraction_of_bf16_floor_speed": best_bf16_floor["tool"]["seconds"] / best_bf16["wall_seconds"],
            }
            b = c["bf16"]
            md.append("")
            md.append(f"bfloat16 (the CPU has `{b['flag']}`; `--precision bf16`, autocast around the forward pass):")
            md.append("")
            md.append("| run | seconds | sentences/s | peak RSS (MiB) |")
            md.append("|---|---:|---:|---:|")
            md.append(f"| 1b. alsel select --precision bf16, end to end | {b['alsel_seconds']:.1f} | "
                      f"{sentences / b['alsel_seconds']:.0f} | {best_bf16['peak_rss_mib']:.0f} |")
            md.append(f"| 3b. bare forward pass in bf16, {best_bf16_floor['tool'].get('streams', 1)} streams | "
                      f"{b['floor_seconds']:.1f} | {sentences / b['floor_seconds']:.0f} | "
                      f"{best_bf16_floor['peak_rss_mib']:.0f} |")
            md.append("")
            md.append(f"- alsel bf16 vs plain PyTorch (fp32): **{b['speedup_vs_python']:.2f}x** (goal 4x); vs alsel fp32: "
                      f"**{b['speedup_vs_alsel_fp32']:.2f}x** (goal 1.5x).")
            md.append(f"- bf16 floor vs fp32 floor: **{b['floor_speedup_vs_fp32_floor']:.2f}x**; alsel bf16 runs at "
                      f"**{100 * b['fraction_of_bf16_floor_speed']:.1f}%** of the bf16 floor's speed.")
            bf16_top = os.path.join(args.work, "bf16alsel-top.jsonl")
            if os.path.exists(alsel_top) and os.path.exists(bf16_top):
                fp32_ids = {r["id"] for r in map(json.loads, open(alsel_top, encoding="utf-8"))}
                bf16_ids = {r["id"] for r in map(json.loads, open(bf16_top, encoding="utf-8"))}
                b["top_overlap"] = len(fp32_ids & bf16_ids) / max(1, len(fp32_ids))
                md.append(f"- The bf16 run's top {len(bf16_ids)} share {100 * b['top_overlap']:.1f}% of the fp32 run's.")
        elif machine.get("bf16_flag") == "":
            md.append("- This CPU has no avx512_bf16 or amx_bf16: fp32 only (no bf16 rows).")
        md.append("- All runs: " + ", ".join(
            f"{r['name']} {r.get('tool', {}).get('seconds', r['wall_seconds']):.1f}s"
            f"{' (wall ' + format(r['wall_seconds'], '.1f') + 's)' if 'tool' in r else ''}"
            for r in alsel + python + floor + floor_sequential + bf16 + bf16_floor))
        md.append("")

    memory = {}
    for kind in ("model", "tiny"):
        found = runs(args.work, f"memory-{kind}")
        if len(found) >= 2:
            found.sort(key=lambda r: int(r["name"].rsplit("-", 1)[1]))
            small, large = found[0], found[-1]
            memory[kind] = {"runs": found, "ratio": large["peak_rss_mib"] / small["peak_rss_mib"]}
    if memory:
        summary["memory"] = memory
        md.append("| memory check | sentences | seconds | peak RSS (MiB) |")
        md.append("|---|---:|---:|---:|")
        for kind, result in memory.items():
            for r in result["runs"]:
                n = int(r["name"].rsplit("-", 1)[1])
                md.append(f"| {'trained' if kind == 'model' else 'tiny'} model | {n} | {r['wall_seconds']:.1f} | {r['peak_rss_mib']:.1f} |")
        md.append("")
        for kind, result in memory.items():
            md.append(f"- {'trained' if kind == 'model' else 'tiny'} model: large / small peak RSS = "
                      f"**{result['ratio']:.3f}**")
        md.append("")

    micro_path = os.path.join(args.results, "micro.json")
    if os.path.exists(micro_path):
        micro = json.load(open(micro_path))
        summary["micro"] = [{k: b.get(k) for k in ("name", "real_time", "cpu_time", "time_unit", "items_per_second",
                                                   "bytes_per_second")} for b in micro["benchmarks"]]
        md.append("| micro-benchmark | time per iteration | items/s |")
        md.append("|---|---:|---:|")
        for b in summary["micro"]:
            items = f"{b['items_per_second']:.3g}" if b.get("items_per_second") else ""
            md.append(f"| {b['name']} | {b['real_time']:.3g} {b['time_unit']} | {items} |")
        md.append("")

    gemm_path = os.path.join(args.results, "gemm.json")
    if os.path.exists(gemm_path):
        gemm = json.load(open(gemm_path))
        gemm.pop("libtorch_config", None)
        summary["gemm"] = gemm
        m = summary["machine"]
        clock = gemm.get("measured_clock_ghz") or m["ghz"]
        m["measured_clock_ghz"] = gemm.get("measured_clock_ghz")
        m["peak_gflops_per_core_measured_clock"] = m["flops_per_cycle"] * clock
        md.append(f"BLAS: sgemm from `{gemm.get('sgemm_library')}`, {gemm.get('openblas_config', 'not OpenBLAS')}, "
                  f"kernel `{gemm.get('openblas_corename', '?')}`; libtorch default threads "
                  f"{gemm['libtorch_default_threads']}, OpenBLAS default threads {gemm.get('openblas_default_threads')}.")
        md.append(f"Peak estimate: {m['flops_per_cycle']} FP32 FLOP/cycle/core ({m['peak_assumption']}) x "
                  f"{clock:.2f} GHz (clock measured by a dependent-add chain; /proc/cpuinfo says {m['ghz']:.3f}) "
                  f"= {m['flops_per_cycle'] * clock:.0f} GFLOP/s per core, {m['flops_per_cycle'] * clock * m['cpus']:.0f} "
                  f"for {m['cpus']} cores ({m['peak_gflops_per_core']:.0f} / {m['peak_gflops_all']:.0f} at the "
                  "cpuinfo clock).")
        md.append("")
        md.append("| at::mm float32 (M x K) x (K x N) | threads | GFLOP/s | % of peak (measured clock) |")
        md.append("|---|---:|---:|---:|")
        for key in sorted(k for k in gemm if k.startswith("threads_")):
            threads = int(key.split("_")[1])
            peak = m["flops_per_cycle"] * clock * threads
            for r in gemm[key]:
                md.append(f"| ({r['m']} x {r['k']}) x ({r['k']} x {r['n']}) | {threads} | {r['gflops']:.1f} | "
                          f"{100 * r['gflops'] / peak:.0f}% |")
        md.append("")

    with open(os.path.join(args.results, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    with open(os.path.join(args.results, "summary.md"), "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
