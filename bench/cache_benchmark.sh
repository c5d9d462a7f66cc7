#!/usr/bin/env bash
# What `--cache FILE.sqlite` saves on a nightly rerun over a pool that grew:
#
#   bench/cache_benchmark.sh                       # 5,000 sentences + 5% new
#   POOL_SIZE=2000 BUILD=build-cache bench/cache_benchmark.sh
#
# Makes a pool of POOL_SIZE x (1 + GROWTH_PERCENT/100) sentences, every text distinct
# (scripts/make_pool.py --distinct over the MSRA test split), takes its first POOL_SIZE lines as
# the pool P and all of it as P+ (the new sentences appended, as a nightly pool grows), then
# times alsel select with the same flags:
#   1. uncached over P;
#   2. --cache over P with an empty cache (fills it: the cost of writing it);
#   3. --cache over P+ (only the new sentences go through the model);
#   4. uncached over P+ (what run 3 replaces);
# and prints the wall times, the speedup of 3 over 4, the hit/miss counts from the manifest,
# the cache's size, and how many of the selected ids runs 3 and 4 share (a cached row holds what
# the model gave when it was stored; a forward pass differs in the last bits with the batch it is
# in, so the two selections can differ where scores nearly tie).
#
# Environment (all optional):
#   MODEL           TorchScript model (default models/msra-bert3-crf.pt)
#   POOL_SIZE       sentences in P (default 5000)
#   GROWTH_PERCENT  new sentences, percent of POOL_SIZE (default 5)
#   BUILD           build directory holding (or receiving) the alsel binary (default build-bench)
#   WORK            scratch directory (default $BUILD/cache-bench; the cache is made anew there)
#   SELECT_FLAGS    flags of every select run (default "-k 500 -s ltp -q")
#   RESULT          also write the numbers as JSON to this file (default: none)
#   JOBS            build jobs (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-$ROOT/build-bench}
WORK=${WORK:-$BUILD/cache-bench}
MODEL=${MODEL:-$ROOT/models/msra-bert3-crf.pt}
POOL_SIZE=${POOL_SIZE:-5000}
GROWTH_PERCENT=${GROWTH_PERCENT:-5}
SEED_TEXT=${SEED_TEXT:-$ROOT/../shared/data/msra/test.bio}
read -r -a SELECT_FLAGS <<<"${SELECT_FLAGS:--k 500 -s ltp -q}"
PY=/usr/bin/python3
log() { echo "[cache-bench $(date +%H:%M:%S)] $*" >&2; }

[[ -f "$MODEL" ]] || { echo "no model $MODEL: set MODEL" >&2; exit 1; }
log "building alsel in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"${JOBS:-2}" --target alsel >/dev/null
ALSEL=$BUILD/alsel

mkdir -p "$WORK"
NEW=$((POOL_SIZE * GROWTH_PERCENT / 100))
GROWN=$WORK/pool-grown.jsonl
POOL=$WORK/pool.jsonl
CACHE=$WORK/cache.sqlite
$PY scripts/make_pool.py --seed-text "$SEED_TEXT" -n $((POOL_SIZE + NEW)) --distinct --out "$GROWN"
head -n "$POOL_SIZE" "$GROWN" >"$POOL"
rm -f "$CACHE" "$CACHE-wal" "$CACHE-shm"
log "model $MODEL; P = $POOL_SIZE sentences, P+ = P + $NEW new; select ${SELECT_FLAGS[*]}; load $(cut -d' ' -f1-3 /proc/loadavg)"

# timed NAME ARGS...: alsel select ARGS under /usr/bin/time; prints the wall seconds.
timed() {
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "$ALSEL" select -m "$MODEL" "${SELECT_FLAGS[@]}" \
    -o "$WORK/$name.jsonl" "$@" 2>"$WORK/$name.err" || { cat "$WORK/$name.err" >&2; exit 1; }
  cut -d' ' -f1 "$WORK/$name.time"
}

log "1/4 uncached over P"
t_plain=$(timed plain -p "$POOL")
log "    ${t_plain}s; 2/4 --cache over P (empty cache: fill)"
t_fill=$(timed fill -p "$POOL" --cache "$CACHE")
log "    ${t_fill}s; 3/4 --cache over P+"
t_cached=$(timed cached-grown -p "$GROWN" --cache "$CACHE")
log "    ${t_cached}s; 4/4 uncached over P+"
t_grown=$(timed plain-grown -p "$GROWN")
log "    ${t_grown}s"

$PY - "$WORK" "$t_plain" "$t_fill" "$t_cached" "$t_grown" "$POOL_SIZE" "$NEW" "$CACHE" "${RESULT:-}" <<'EOF'
import json, os, sys
work, t_plain, t_fill, t_cached, t_grown, size, new, cache, result = sys.argv[1:]
t_plain, t_fill, t_cached, t_grown = map(float, (t_plain, t_fill, t_cached, t_grown))
def manifest(name):
    with open(os.path.join(work, name + ".jsonl.manifest.json")) as f:
        return json.load(f)
def ids(name):
    with open(os.path.join(work, name + ".jsonl")) as f:
        return [json.loads(line)["id"] for line in f if line.strip()]
cached = manifest("cached-grown")["cache"]
fill = manifest("fill")["cache"]
shared = len(set(ids("cached-grown")) & set(ids("plain-grown")))
numbers = {
    "pool": int(size), "new": int(new),
    "uncached_pool_s": t_plain, "fill_pool_s": t_fill,
    "cached_grown_s": t_cached, "uncached_grown_s": t_grown,
    "speedup_grown": round(t_grown / t_cached, 2),
    "fill_overhead_percent": round(100 * (t_fill / t_plain - 1), 1),
    "hits": cached["hits"], "misses": cached["misses"], "stored_by_fill": fill["stored"],
    "cache_mb": round(os.path.getsize(cache) / 1e6, 1),
    "selected_ids_shared": shared, "selected": len(ids("plain-grown")),
}
print(f"uncached select over P ({size}):          {t_plain:7.1f} s")
print(f"--cache over P, empty cache (fill):        {t_fill:7.1f} s  ({numbers['fill_overhead_percent']:+.1f}% vs uncached)")
print(f"--cache over P + {new} new:                {t_cached:7.1f} s  (hits {cached['hits']}, misses {cached['misses']})")
print(f"uncached select over P + {new} new:        {t_grown:7.1f} s")
print(f"speedup of the cached rerun:               {numbers['speedup_grown']:7.2f} x")
print(f"cache file: {numbers['cache_mb']} MB for {fill['stored'] + cached['stored']} sentences; "
      f"selections share {shared} of {numbers['selected']} ids")
if result:
    with open(result, "w") as f:
        json.dump(numbers, f, indent=2)
        f.write("\n")
EOF
