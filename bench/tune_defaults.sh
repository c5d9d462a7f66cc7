#!/usr/bin/env bash
# The measurements behind InferenceConfig's defaults (docs/performance.md, "Chosen defaults"):
#
#   bench/tune_defaults.sh
#
# Times alsel's pipeline (alsel_pipeline_sweep: read, tokenize, infer, score, top-500; model
# loading excluded) over one pool for a grid of settings, each REPEATS times in interleaved
# order, plus the bare forward pass (alsel_forward_floor) at each batch budget. Writes
# bench/results/tuning.json (every run) and bench/results/tuning.md (fastest run per setting).
#
# Environment: MODEL, POOL_SIZE (default 4096), REPEATS (default 2), BUILD (default
# build-bench; run bench/run_benchmark.sh or build the bench targets first).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-$ROOT/build-bench}
WORK=$BUILD/bench-work
RESULTS=$ROOT/bench/results
POOL_SIZE=${POOL_SIZE:-4096}
REPEATS=${REPEATS:-2}
MODEL=${MODEL:-$ROOT/models/msra-bert3-crf.pt}
SEED_TEXT=${SEED_TEXT:-$ROOT/../shared/data/msra/test.bio}
SWEEP=$BUILD/bench/alsel_pipeline_sweep
FLOOR=$BUILD/bench/alsel_forward_floor
mkdir -p "$WORK" "$RESULTS"
POOL=$WORK/pool-$POOL_SIZE.jsonl
[[ -s "$POOL" ]] || /usr/bin/python3 scripts/make_pool.py --seed-text "$SEED_TEXT" -n "$POOL_SIZE" --out "$POOL"
NPROC=$(nproc)

# One setting per line: tool threads streams batch_tokens chunk_sentences overlap environment
# (threads = threads of one forward pass; streams = forward passes at once)
SETTINGS=$(cat <<EOF
sweep 1 $NPROC 8192 2048 1 -
sweep 1 1 8192 2048 1 -
sweep $NPROC 1 8192 2048 1 -
sweep 1 $NPROC 2048 2048 1 -
sweep 1 $NPROC 4096 2048 1 -
sweep 1 $NPROC 16384 2048 1 -
sweep 1 $NPROC 32768 2048 1 -
sweep 1 $NPROC 8192 512 1 -
sweep 1 $NPROC 8192 1024 1 -
sweep 1 $NPROC 8192 4096 1 -
sweep 1 $NPROC 8192 2048 0 -
floor 1 $NPROC 8192 2048 - -
floor 1 1 8192 2048 - -
floor $NPROC 1 8192 2048 - -
EOF
)

OUT=$WORK/tuning.jsonl
: >"$OUT"
for run in $(seq 1 "$REPEATS"); do
  while read -r tool threads streams budget chunk overlap environment; do
    env_args=()
    [[ "$environment" != "-" ]] && env_args=("$environment")
    echo "[tune $(date +%H:%M:%S)] run $run: $tool threads=$threads streams=$streams batch_tokens=$budget" \
      "chunk=$chunk overlap=$overlap $environment (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    if [[ "$tool" == sweep ]]; then
      line=$(env "${env_args[@]}" "$SWEEP" --model "$MODEL" --pool "$POOL" --threads "$threads" \
        --streams "$streams" --batch-tokens "$budget" --chunk-sentences "$chunk" --overlap "$overlap")
    else
      line=$(env "${env_args[@]}" "$FLOOR" --model "$MODEL" --pool "$POOL" --threads "$threads" \
        --streams "$streams" --batch-tokens "$budget" --chunk-sentences "$chunk")
    fi
    echo "$line" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); d['environment']='$environment'; \
d['run']=$run; d['loadavg']='$(cut -d' ' -f1 /proc/loadavg)'; print(json.dumps(d))" >>"$OUT"
  done <<<"$SETTINGS"
done

/usr/bin/python3 - "$OUT" "$RESULTS" <<'EOF'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
json.dump(runs, open(sys.argv[2] + "/tuning.json", "w"), indent=1)
best = {}
for r in runs:
    key = (r["tool"], r["threads"], r["streams"], r["batch_tokens"], r["chunk_sentences"], r.get("overlap", "-"),
           r["environment"])
    if key not in best or r["seconds"] < best[key]["seconds"]:
        best[key] = r
lines = ["| tool | threads | streams | batch_tokens | chunk_sentences | overlap | environment | seconds (fastest) | "
         "sentences/s | forward busy | all runs (s) |", "|---|---:|---:|---:|---:|---|---|---:|---:|---:|---|"]
for key, r in best.items():
    tool = "pipeline" if r["tool"] == "alsel_pipeline_sweep" else "forward floor"
    rate = r.get("sentences_per_second") or r.get("scored", 0) / r["seconds"]
    all_runs = ", ".join(f"{x['seconds']:.1f}" for x in runs if (x["tool"], x["threads"], x["streams"],
                         x["batch_tokens"], x["chunk_sentences"], x.get("overlap", "-"), x["environment"]) == key)
    busy = f"{100 * r['forward_busy']:.1f}%" if "forward_busy" in r else ""
    lines.append(f"| {tool} | {key[1]} | {key[2]} | {key[3]} | {key[4]} | {key[5]} | {key[6]} | {r['seconds']:.2f} | "
                 f"{rate:.0f} | {busy} | {all_runs} |")
open(sys.argv[2] + "/tuning.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
