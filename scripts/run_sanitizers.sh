#!/usr/bin/env bash
# The sanitizer half of the test command: an ASan + UBSan build (clang) of the unit tests, run on
# the library's in-process suites, then a short libFuzzer run of each fuzz target (fuzz/), then
# every saved crash input (fuzz/regressions/) replayed. Needs the release build (build/alsel)
# for the tiny models' seeds; run_tests.sh calls it after ctest.
#
#   FUZZ_SECONDS=600 scripts/run_sanitizers.sh   # the longer run: 10 minutes per target
#
# New crashes land in build-sanitize/fuzz-crashes/TARGET/; copy each into
# fuzz/regressions/TARGET/ (and fix it) so that every later run replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${FUZZ_SECONDS:-12}
jobs=${ALSEL_JOBS:-2}

if ! command -v clang++ >/dev/null; then
  echo "run_sanitizers.sh: clang++ is missing (scripts/install_deps.sh installs it)" >&2
  exit 1
fi
# -O1 with line tables: what ASan recommends, and half the compile time of -O2 -g.
CC=clang CXX=clang++ cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Sanitize \
  -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -gline-tables-only" \
  -DALSEL_ENABLE_ASAN=ON -DALSEL_BUILD_FUZZERS=ON -DALSEL_BUILD_TESTS=ON >/dev/null
cmake --build build-sanitize -j"$jobs" --target alsel_tests fuzzers

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# 1. Unit tests under ASan + UBSan. Suites that only drive the release binary or Python (the
# end-to-end ones) add nothing under the sanitizers and are left to ctest.
end_to_end='AlExperimentTest.*:AnnotationLoopTest.*:CacheCliTest.*:CliTest.*:EvalTest.*'
end_to_end+=':HostileCliTest.*:MlmPretrainingTest.*:MlmMaskingTest.*:MsraSmokeTest.*'
end_to_end+=':NearDuplicateLoopTest.*:SelectAndScore/*:ShardCliTest.*:TrainAblationTest.*'
end_to_end+=':TokenizerParity*:UnicodeParity*:HtmlReportTest.*:ConfigCliTest.*:BudgetCliTest.*'
ALSEL_TEST_BINARY="$root/build/alsel" ALSEL_TINY_DIR="$root/build/tiny" \
  ALSEL_SHARED_DIR="$root/../shared" \
  build-sanitize/alsel_tests --gtest_filter="-$end_to_end" --gtest_brief=1

# 2. Seeds: the committed corpus, plus a shard candidates file and cache rows made by the real
# binary with the tiny model, so they follow the formats as they change.
seeds=build-sanitize/fuzz-seeds
rm -rf "$seeds" && mkdir -p "$seeds"
cp -r fuzz/corpus/. "$seeds/"
for target in fuzz_pool_reader fuzz_tokenizer fuzz_labeled_readers fuzz_exclude_file \
              fuzz_cache_row fuzz_shard_candidates; do
  mkdir -p "$seeds/$target"  # git keeps no empty directory: the generated seeds' ones may be missing
done
tiny=build/tiny
[ -f "$tiny/tiny-crf.pt" ] || /usr/bin/python3 scripts/make_tiny_model.py --out "$tiny" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build/alsel select -q -m "$tiny/tiny-crf.pt" -p data/sample_pool.jsonl -k 8 --shard 0/2 \
  -o "$seeds/fuzz_shard_candidates/sample-shard-0" --no-manifest
build/alsel score -q -m "$tiny/tiny-crf.pt" -p data/sample_pool.jsonl -o "$work/scores.jsonl" \
  --cache "$work/cache.sqlite" --no-manifest
/usr/bin/python3 - "$work/cache.sqlite" "$seeds/fuzz_cache_row" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
# The rows of src/scoring/score_cache.cc's schema: scores(model_id, text_sha256, result BLOB).
for i, (blob,) in enumerate(db.execute("select result from scores limit 6")):
    with open(f"{sys.argv[2]}/row-{i}", "wb") as f:
        f.write(bytes([7 - 1]) + blob)  # first byte: number of labels - 1 (the tiny model has 7)
    with open(f"{sys.argv[2]}/row-{i}-checksum-added", "wb") as f:
        f.write(bytes([0x80 | (7 - 1)]) + blob[:-8])  # the target appends the checksum
PY

# 3. Fuzz each target, then replay the saved crashes.
status=0
for target in fuzz_pool_reader fuzz_tokenizer fuzz_labeled_readers fuzz_exclude_file \
              fuzz_cache_row fuzz_shard_candidates; do
  crashes=build-sanitize/fuzz-crashes/$target
  mkdir -p "$crashes" "build-sanitize/fuzz-corpus/$target"
  echo "== $target: ${seconds}s"
  if ! build-sanitize/fuzz/$target -max_total_time="$seconds" -max_len=4096 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/" \
      "build-sanitize/fuzz-corpus/$target" "$seeds/$target" > "build-sanitize/$target.log" 2>&1; then
    echo "run_sanitizers.sh: $target failed; its input is in $crashes/ (log: build-sanitize/$target.log)" >&2
    tail -40 "build-sanitize/$target.log" >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|cov:" "build-sanitize/$target.log" | tail -2 || true
  if [ -d "fuzz/regressions/$target" ] && [ -n "$(ls -A "fuzz/regressions/$target")" ]; then
    build-sanitize/fuzz/$target fuzz/regressions/$target/* > "build-sanitize/$target.regressions.log" 2>&1 || {
      echo "run_sanitizers.sh: a saved crash of $target fails again (build-sanitize/$target.regressions.log)" >&2
      status=1
    }
  fi
done
exit $status
