#!/usr/bin/env bash
# Nightly active-learning batch (docs/cron.md): selects tonight's sentences from the pool,
# never resending what an earlier night already sent or what is already labeled, and writes
# date-stamped outputs for the annotators.
#
# Settings (environment variables; the crontab sets them):
#   POOL_DIR      directory of pool files, *.jsonl (required)
#   OUT_DIR       where the nightly directories go (required)
#   ALSEL_CONFIG  alsel config file whose [select] table holds the selection settings: model,
#                 strategy, k, format, offset-unit, cache, ... (examples/nightly.toml); without
#                 one: ltp, k 500, label-studio, code points
#   LABELED_DIR   annotated data coming back, *.bio / *.conll / *.jsonl (optional)
#   ALSEL_MODEL   the model, when the config file names none (alsel's default when unset)
#   ALSEL_BIN     the alsel binary (default: alsel on PATH, else build/alsel of this checkout)
#   K, STRATEGY, FORMAT, OFFSET_UNIT   override the config file's k, strategy, format and
#                 offset-unit for one night (e.g. K=1000 for a catch-up night)
#   NIGHT         the date stamp (default: today, YYYY-MM-DD)
#   ALSEL_ARGS    extra alsel select flags, split on spaces
#   STOP_SET      the stop set (docs/cron.md, when to stop): a fixed sample of the pool, never
#                 sent, scored by every new model (default OUT_DIR/stopset.jsonl, made on the
#                 first night; "none" turns the stopping rule off)
#   STOP_SET_SIZE its sentences when it is made (default 2000, at most a fifth of the pool)
#   STOP_WINDOW, STOP_KAPPA   the rule: stop when the mean kappa of the last STOP_WINDOW (3)
#                 model changes reaches STOP_KAPPA (0.99)
#
# Output: OUT_DIR/NIGHT/ holding batch.json (label-studio) or batch.jsonl, its run manifest
# batch.*.manifest.json, report.html, rejects.jsonl, dropped.jsonl and alsel.log, plus one line
# per night in OUT_DIR/history.tsv (date, counts, the pool's score distribution). With the stop
# set: NIGHT/stopset.scores.jsonl and, when the model changed, NIGHT/agreement.json (also in
# the batch manifest's "stopping_rule"); OUT_DIR/stop/ keeps the last scores and kappa.jsonl. The night is
# written to OUT_DIR/.NIGHT.partial and renamed only on success, so a failed night leaves no
# batch behind and is not counted as sent.
#
# Exit codes: 0 success; alsel's own codes (2 usage, 3 input, 4 model, 5 output, 128+N
# killed by signal N: 130 SIGINT, 143 SIGTERM, 129 SIGHUP); 10 another run holds the lock;
# 11 bad settings (no pool, no OUT_DIR).
set -euo pipefail

log() { printf '%s nightly_select: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
fail() { log "FAILED (exit $1): $2"; exit "$1"; }

[ -n "${POOL_DIR:-}" ] || fail 11 "POOL_DIR is not set"
[ -n "${OUT_DIR:-}" ] || fail 11 "OUT_DIR is not set"
[ -d "$POOL_DIR" ] || fail 11 "POOL_DIR '$POOL_DIR' is not a directory"
NIGHT=${NIGHT:-$(date +%Y-%m-%d)}
if [ -z "${ALSEL_BIN:-}" ]; then
  ALSEL_BIN=$(command -v alsel || true)
  [ -n "$ALSEL_BIN" ] || ALSEL_BIN="$(cd "$(dirname "$0")/.." && pwd)/build/alsel"
fi
[ -x "$ALSEL_BIN" ] || fail 11 "alsel binary '$ALSEL_BIN' not found (set ALSEL_BIN)"
config=()
if [ -n "${ALSEL_CONFIG:-}" ]; then
  [ -f "$ALSEL_CONFIG" ] || fail 11 "ALSEL_CONFIG '$ALSEL_CONFIG' is not a file"
  config=(--config "$ALSEL_CONFIG")
else
  K=${K:-500} STRATEGY=${STRATEGY:-ltp} FORMAT=${FORMAT:-label-studio}
fi
# Flags of this night's settings from the environment; they win over the config file.
settings=()
[ -z "${K:-}" ] || settings+=(-k "$K")
[ -z "${STRATEGY:-}" ] || settings+=(-s "$STRATEGY")
[ -z "${FORMAT:-}" ] || settings+=(--format "$FORMAT")
[ -z "${OFFSET_UNIT:-}" ] || settings+=(--offset-unit "$OFFSET_UNIT")

mkdir -p "$OUT_DIR"
# One run at a time: a slow night must not overlap the next one.
exec 9>"$OUT_DIR/.nightly.lock"
flock -n 9 || fail 10 "another nightly run holds $OUT_DIR/.nightly.lock"

shopt -s nullglob
pool=("$POOL_DIR"/*.jsonl)
[ ${#pool[@]} -gt 0 ] || fail 11 "no *.jsonl pool files in $POOL_DIR"
# Everything sent on earlier nights (a rerun of tonight replaces tonight's batch).
sent=()
for batch in "$OUT_DIR"/*/batch.json "$OUT_DIR"/*/batch.jsonl; do
  [ "$(basename "$(dirname "$batch")")" = "$NIGHT" ] || sent+=("$batch")
done
labeled=()
if [ -n "${LABELED_DIR:-}" ] && [ -d "$LABELED_DIR" ]; then
  labeled=("$LABELED_DIR"/*.bio "$LABELED_DIR"/*.conll "$LABELED_DIR"/*.jsonl)
fi
shopt -u nullglob

# The effective settings, as alsel reads them from the config file and the flags: a bad config
# file fails here (exit 2) before anything is written; the format names the batch file.
effective=$("$ALSEL_BIN" "${config[@]}" select -p "${pool[@]}" "${settings[@]}" --print-config) ||
  fail $? "alsel rejected the settings (ALSEL_CONFIG '${ALSEL_CONFIG:-}', K, STRATEGY, FORMAT, OFFSET_UNIT)"
FORMAT=$(printf '%s\n' "$effective" | sed -n 's/^format = "\(.*\)"$/\1/p')
case "$FORMAT" in
  label-studio) extension=json ;;
  doccano | jsonl | prodigy) extension=jsonl ;;
  *) fail 11 "format must be label-studio, doccano, prodigy or jsonl, got '$FORMAT'" ;;
esac
MODEL=$(printf '%s\n' "$effective" | sed -n 's/^model = "\(.*\)"$/\1/p')

work="$OUT_DIR/.$NIGHT.partial"
rm -rf "$work"
mkdir -p "$work"
args=("${config[@]}" select -p "${pool[@]}" "${settings[@]}"
      -o "$work/batch.$extension" --report "$work/report.html" --rejects "$work/rejects.jsonl"
      --dropped "$work/dropped.jsonl" --progress log)
[ ${#sent[@]} -eq 0 ] || args+=(--exclude "${sent[@]}")

# The stop set: made once, checked by its hash every night, never sent; scored by tonight's model
# and compared with the last model's scores when the model changed (alsel agreement).
STOP_SET=${STOP_SET:-$OUT_DIR/stopset.jsonl}
if [ "$STOP_SET" != none ]; then
  stop_dir="$OUT_DIR/stop"
  mkdir -p "$stop_dir"
  if [ ! -f "$STOP_SET" ]; then
    lines=$(awk 'NF' "${pool[@]}" | wc -l)
    size=${STOP_SET_SIZE:-2000}
    [ "$size" -le $((lines / 5)) ] || size=$((lines / 5))
    [ "$size" -ge 1 ] || { rm -rf "$work"; fail 11 "the pool has too few sentences ($lines) for a stop set; set STOP_SET=none"; }
    awk -v n="$size" 'NF { print; if (++c >= n) exit }' "${pool[@]}" >"$STOP_SET.partial"
    sha256sum <"$STOP_SET.partial" | cut -d' ' -f1 >"$STOP_SET.sha256"
    mv "$STOP_SET.partial" "$STOP_SET"
    log "stop set: $STOP_SET made from the first $size pool sentences (SHA-256 $(cat "$STOP_SET.sha256"))"
  fi
  [ -f "$STOP_SET.sha256" ] || sha256sum <"$STOP_SET" | cut -d' ' -f1 >"$STOP_SET.sha256"
  [ "$(sha256sum <"$STOP_SET" | cut -d' ' -f1)" = "$(cat "$STOP_SET.sha256")" ] || {
    rm -rf "$work"
    fail 11 "the stop set $STOP_SET changed since it was made (SHA-256 in $STOP_SET.sha256): kappa would compare other sentences"
  }
  args+=(--exclude "$STOP_SET")
  model_args=()
  [ -z "$MODEL" ] || model_args=(-m "$MODEL")
  status=0
  "$ALSEL_BIN" score "${model_args[@]}" -p "$STOP_SET" -o "$work/stopset.scores.jsonl" \
    2>>"$work/alsel.log" || status=$?
  [ "$status" -eq 0 ] || { cat "$work/alsel.log" >&2; rm -rf "$work"; fail "$status" "alsel score of the stop set exited with $status"; }
  # Tonight's model, by content: the first sha256 of the score manifest's "model" object.
  model_sha=$(sed -n '/^  "model": {/,/^  }/s/^    "sha256": "\([0-9a-f]*\)".*/\1/p' "$work/stopset.scores.jsonl.manifest.json")
  if [ -f "$stop_dir/last.scores.jsonl" ] && [ "$model_sha" != "$(cat "$stop_dir/last.model.sha256" 2>/dev/null)" ]; then
    [ ! -f "$stop_dir/kappa.jsonl" ] || cp "$stop_dir/kappa.jsonl" "$work/kappa.jsonl"
    status=0
    "$ALSEL_BIN" agreement "$stop_dir/last.scores.jsonl" "$work/stopset.scores.jsonl" --json \
      -o "$work/agreement.json" --history "$work/kappa.jsonl" --window "${STOP_WINDOW:-3}" \
      --kappa-threshold "${STOP_KAPPA:-0.99}" 2>>"$work/alsel.log" || status=$?
    [ "$status" -eq 0 ] || { cat "$work/alsel.log" >&2; rm -rf "$work"; fail "$status" "alsel agreement exited with $status"; }
    args+=(--agreement "$work/agreement.json")
  fi
fi
[ ${#labeled[@]} -eq 0 ] || args+=(--labeled "${labeled[@]}")
# shellcheck disable=SC2206 # ALSEL_ARGS is split on spaces on purpose
[ -z "${ALSEL_ARGS:-}" ] || args+=(${ALSEL_ARGS})

log "night $NIGHT: ${#pool[@]} pool file(s), ${#sent[@]} earlier batch(es) excluded, ${#labeled[@]} labeled file(s)"
status=0
"$ALSEL_BIN" "${args[@]}" 2>"$work/alsel.log" || status=$?
if [ "$status" -ne 0 ]; then
  cat "$work/alsel.log" >&2
  rm -rf "$work"
  fail "$status" "alsel select exited with $status (see the lines above)"
fi

# Publish the night: replace an earlier run of the same night atomically enough for readers.
rm -rf "$OUT_DIR/$NIGHT"
mv "$work" "$OUT_DIR/$NIGHT"
if [ "$STOP_SET" != none ]; then
  # Tonight's model is the one the next model change is compared with.
  cp "$OUT_DIR/$NIGHT/stopset.scores.jsonl" "$stop_dir/last.scores.jsonl"
  printf '%s\n' "$model_sha" >"$stop_dir/last.model.sha256"
  if [ -f "$OUT_DIR/$NIGHT/agreement.json" ]; then
    cp "$OUT_DIR/$NIGHT/kappa.jsonl" "$stop_dir/kappa.jsonl"
    kappa=$(sed -n 's/^  "kappa": \(.*\),$/\1/p' "$OUT_DIR/$NIGHT/agreement.json")
    if grep -q '"stop": true' "$OUT_DIR/$NIGHT/agreement.json"; then
      log "night $NIGHT: STOP SUGGESTED: $(sed -n 's/^    "reason": "\(.*\)"$/\1/p' "$OUT_DIR/$NIGHT/agreement.json") (kappa $kappa)"
    else
      log "night $NIGHT: stop set kappa $kappa against the last model: keep annotating"
    fi
  fi
fi

# history.tsv: the pool's score distribution night after night (docs/cron.md, when to stop).
manifest="$OUT_DIR/$NIGHT/batch.$extension.manifest.json"
field() { grep -m1 "\"$1\":" "$manifest" | sed -e 's/.*: *//' -e 's/,$//'; }
[ -f "$OUT_DIR/history.tsv" ] ||
  printf 'night\tread\tscored\texcluded\tdeduplicated\tselected\tmean\tmedian\tp90\n' >"$OUT_DIR/history.tsv"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$NIGHT" "$(field read)" "$(field scored)" "$(field excluded)" \
  "$(field deduplicated)" "$(field selected)" "$(field mean)" "$(field median)" "$(field p90)" \
  >>"$OUT_DIR/history.tsv"
log "night $NIGHT: $(grep -m1 'select: read' "$OUT_DIR/$NIGHT/alsel.log" | sed 's/^alsel: info: //')"
log "night $NIGHT: wrote $OUT_DIR/$NIGHT (mean pool score $(field mean))"
