#!/usr/bin/env bash
# One command for every number in docs/performance.md:
#
#   bench/run_benchmark.sh
#
# Builds alsel and the bench tools (build-bench/, Release, ALSEL_BUILD_BENCHMARKS=ON), makes a
# 20,000-sentence pool from the MSRA test split (../shared/data/msra/test.bio, cycled by
# scripts/make_pool.py), then runs on the same machine and with the same model and threads:
#   1. alsel select end to end (read, tokenize, infer, score, select, write);
#   2. bench/bench_python_selector.py, the plain-PyTorch selector (batches of 32, file order);
#   3. alsel_forward_floor, the bare forward pass over the batches alsel runs, (a) laid out as
#      alsel runs it (THREADS single-threaded passes at once) and (b) as one pass at a time on
#      THREADS threads;
#   4. where the CPU computes bfloat16 natively (avx512_bf16 or amx_bf16), 1 and 3 again with
#      --precision bf16 (issue 15; otherwise the summary says fp32 only);
# each under /usr/bin/time -v (wall time, peak RSS), REPEATS times, interleaved. Then the memory
# check (peak RSS of alsel select on small and large pools), the Google Benchmark
# micro-benchmarks and the BLAS/GEMM check. Results: bench/results/*.json and
# bench/results/summary.md (the tables of docs/performance.md).
#
# Environment (all optional):
#   MODEL        TorchScript model; default models/msra-bert3-crf.pt, else an export of the
#                training run's best checkpoint (runs/msra-v1) to build-bench/msra-interim.pt
#   THREADS      cores for alsel and the floor (default: nproc): THREADS forward streams of one
#                thread (alsel's defaults), and the floor's one-stream variant on THREADS threads
#   PY_THREADS   torch.set_num_threads of the baseline (default 0 = torch's default, which is
#                the faster here: 1 ATen thread, GEMMs on every core through OpenBLAS)
#   POOL_SIZE    sentences in the benchmark pool (default 20000)
#   REPEATS      runs of each of 1-3 (default 2; the summary takes the fastest)
#   MEMORY_SIZES "small large" pool sizes for the real model (default "10000 200000")
#   TINY_SIZES   "small large" pool sizes for the tiny model (default "10000 1000000")
#   SKIP         space-separated parts to skip: compare memory micro gemm
#   JOBS         build jobs (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-$ROOT/build-bench}
WORK=$BUILD/bench-work
RESULTS=${RESULTS:-$ROOT/bench/results}
THREADS=${THREADS:-$(nproc)}
POOL_SIZE=${POOL_SIZE:-20000}
REPEATS=${REPEATS:-2}
MEMORY_SIZES=${MEMORY_SIZES:-"10000 200000"}
TINY_SIZES=${TINY_SIZES:-"10000 1000000"}
SKIP=${SKIP:-}
SEED_TEXT=${SEED_TEXT:-$ROOT/../shared/data/msra/test.bio}
PY=/usr/bin/python3
# bench/bench_python_selector.py imports alsel_py from scripts/.
export PYTHONPATH=$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}
PY_THREADS=${PY_THREADS:-0}
mkdir -p "$WORK" "$RESULTS"

skip() { [[ " $SKIP " == *" $1 "* ]]; }
log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }

# ---- build
log "building in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DALSEL_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$BUILD" -j"${JOBS:-2}" --target alsel alsel_forward_floor alsel_pipeline_sweep alsel_gemm_check \
  alsel_micro_bench >/dev/null
ALSEL=$BUILD/alsel
FLOOR=$BUILD/bench/alsel_forward_floor

# ---- model
if [[ -z "${MODEL:-}" ]]; then
  if [[ -f models/msra-bert3-crf.pt ]]; then
    MODEL=$ROOT/models/msra-bert3-crf.pt
  elif [[ -f runs/msra-v1/best.pt ]]; then
    MODEL=$BUILD/msra-interim.pt
    log "no models/msra-bert3-crf.pt: exporting runs/msra-v1/best.pt to $MODEL"
    $PY scripts/train_bert_crf.py --run-dir runs/msra-v1 --export "$MODEL" --threads 1 >/dev/null
  else
    echo "no model: set MODEL, ship models/msra-bert3-crf.pt or train runs/msra-v1" >&2
    exit 1
  fi
fi
log "model $MODEL, threads $THREADS"
# The CPU's native bfloat16 flag (what --precision auto reads), empty without one.
BF16_FLAG=$(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx512_bf16|amx_bf16' | head -1 || true)

# select flags that make alsel do the same job as the baseline: score every sentence (no
# duplicate suppression, when this build has it), quiet.
SELECT_HELP=$("$ALSEL" select --help 2>&1 || true)
SELECT_FLAGS=(-k 500 -s ltp -q)
if [[ "$SELECT_HELP" == *--streams* ]]; then SELECT_FLAGS+=(--streams "$THREADS" --threads 1); fi
if [[ "$SELECT_HELP" == *--dedupe* ]]; then SELECT_FLAGS+=(--dedupe none); fi

make_pool() {  # make_pool N FILE
  [[ -s "$2" ]] || $PY scripts/make_pool.py --seed-text "$SEED_TEXT" -n "$1" --out "$2"
}

# timed NAME COMMAND...: runs it under /usr/bin/time -v; stdout -> NAME.out, stderr -> NAME.err,
# time report -> NAME.time.
timed() {
  local name=$1
  shift
  /usr/bin/time -v -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
}

# ---- machine
{
  echo "{"
  echo "\"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
  echo "\"model\": \"$MODEL\","
  echo "\"threads\": $THREADS,"
  echo "\"pool_size\": $POOL_SIZE,"
  echo "\"loadavg_at_start\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
  echo "\"cpu_mhz\": $(awk -F: '/^cpu MHz/ {print $2; exit}' /proc/cpuinfo),"
  echo "\"repeats\": $REPEATS,"
  echo "\"select_flags\": \"${SELECT_FLAGS[*]}\","
  echo "\"bf16_flag\": \"$BF16_FLAG\","
  echo "\"lscpu\": $(lscpu | $PY -c 'import json,sys; print(json.dumps(sys.stdin.read()))'),"
  echo "\"git\": \"$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo +dirty)\""
  echo "}"
} >"$RESULTS/machine.json"

# ---- 1-3: alsel select, plain PyTorch, bare forward
if ! skip compare; then
  POOL=$WORK/pool-$POOL_SIZE.jsonl
  make_pool "$POOL_SIZE" "$POOL"
  for run in $(seq 1 "$REPEATS"); do
    log "round $run/$REPEATS: alsel select"
    timed "alsel-$run" "$ALSEL" select -m "$MODEL" -p "$POOL" -o "$WORK/alsel-top.jsonl" "${SELECT_FLAGS[@]}"
    log "round $run/$REPEATS: plain PyTorch selector"
    timed "python-$run" $PY bench/bench_python_selector.py --model "$MODEL" --pool "$POOL" -k 500 \
      --out "$WORK/python-top.jsonl" --threads "$PY_THREADS"
    log "round $run/$REPEATS: bare forward pass, $THREADS streams of 1 thread"
    timed "floor-$run" "$FLOOR" --model "$MODEL" --pool "$POOL" --threads 1 --streams "$THREADS"
    log "round $run/$REPEATS: bare forward pass, 1 stream of $THREADS threads"
    timed "floorseq-$run" "$FLOOR" --model "$MODEL" --pool "$POOL" --threads "$THREADS" --streams 1
    if [[ -n "$BF16_FLAG" ]]; then
      log "round $run/$REPEATS: alsel select --precision bf16 ($BF16_FLAG)"
      timed "bf16alsel-$run" "$ALSEL" select -m "$MODEL" -p "$POOL" -o "$WORK/bf16alsel-top.jsonl" \
        "${SELECT_FLAGS[@]}" --precision bf16
      log "round $run/$REPEATS: bare forward pass in bf16, $THREADS streams of 1 thread"
      timed "bf16floor-$run" "$FLOOR" --model "$MODEL" --pool "$POOL" --threads 1 --streams "$THREADS" \
        --precision bf16
    fi
  done
fi

# ---- memory: peak RSS of alsel select, small vs large pool
if ! skip memory; then
  read -r small large <<<"$MEMORY_SIZES"
  for n in $small $large; do
    make_pool "$n" "$WORK/pool-$n.jsonl"
    log "memory: alsel select over $n sentences (model)"
    timed "memory-model-$n" "$ALSEL" select -m "$MODEL" -p "$WORK/pool-$n.jsonl" -o "$WORK/memory-top.jsonl" \
      "${SELECT_FLAGS[@]}"
  done
  $PY scripts/make_tiny_model.py --out "$WORK/tiny" >/dev/null
  read -r small large <<<"$TINY_SIZES"
  for n in $small $large; do
    make_pool "$n" "$WORK/pool-$n.jsonl"
    log "memory: alsel select over $n sentences (tiny model)"
    timed "memory-tiny-$n" "$ALSEL" select -m "$WORK/tiny/tiny-crf.pt" -p "$WORK/pool-$n.jsonl" \
      -o "$WORK/memory-top.jsonl" "${SELECT_FLAGS[@]}"
  done
fi

# ---- micro-benchmarks and GEMM
if ! skip micro; then
  log "micro-benchmarks"
  "$BUILD/bench/alsel_micro_bench" --benchmark_min_time=0.5 --benchmark_format=json \
    --benchmark_out="$RESULTS/micro.json" --benchmark_out_format=json >/dev/null
fi
if ! skip gemm; then
  log "BLAS / GEMM check"
  "$BUILD/bench/alsel_gemm_check" --seconds 2 --threads "$THREADS" >"$RESULTS/gemm.json"
  {
    echo "== ldd libtorch_cpu (BLAS, OpenMP, oneDNN)"
    ldd "$(ldd "$ALSEL" | awk '/libtorch_cpu/ {print $3}')" | grep -E -i 'blas|lapack|omp|dnnl|mkl' || true
    echo "== /etc/alternatives"
    ls -l /etc/alternatives/libblas.so.3* /etc/alternatives/liblapack.so.3* 2>/dev/null || true
    blas=$(ldd "$(ldd "$ALSEL" | awk '/libtorch_cpu/ {print $3}')" | awk '/libblas.so.3/ {print $3}')
    echo "== libblas.so.3 resolves to $(readlink -f "$blas"), which needs:"
    ldd "$(readlink -f "$blas")" | grep -i blas || true
    echo "== torch.__config__.show() (Python, same Debian build)"
    $PY -c 'import torch; print(torch.__config__.show()); print(torch.__config__.parallel_info())'
  } >"$RESULTS/blas.txt" 2>&1
fi

echo "$(cut -d' ' -f1-3 /proc/loadavg)" >"$RESULTS/loadavg_at_end.txt"
log "summary"
$PY bench/bench_summarize.py --work "$WORK" --results "$RESULTS"
cat "$RESULTS/summary.md"
