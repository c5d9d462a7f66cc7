#!/usr/bin/env bash
# docs/distributed.md's Slurm recipe on a real one-node Slurm cluster: starts munged, slurmctld
# and slurmd under a temporary directory (localhost, 2 CPUs; stopped by PID on exit, whatever
# happens), installs alsel there with `cmake --install`, copies the recipe's three code blocks
# (shards.sbatch, merge.sbatch, the submit lines) out of the page verbatim, submits them with
# ALSEL_DATA and DAY in the environment, waits for the array and the dependent merge, and
# compares the merged batch with one `alsel select` of the same pool with the same flags, byte
# for byte (--batch-tokens 1: docs/distributed.md "Exactness and floating point").
#
#   tests/slurm/run_slurm_test.sh [BUILD_DIR]     # as root; BUILD_DIR defaults to build/
#   ALSEL_SLURM_WAIT_SECONDS=300                  # how long the jobs may take
#
# Needs root (munged and slurmd run as root, SlurmUser=root) and Debian's slurm-wlm and munge
# (scripts/install_deps.sh). Exit 0 and "SKIPPED" when not root; 1 on any failure.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=$(cd "${1:-$source_dir/build}" && pwd)
started=$SECONDS

say() { printf 'slurm test: %s\n' "$*" >&2; }
if [ "$(id -u)" -ne 0 ]; then
  say "SKIPPED: needs root (munged, slurmctld and slurmd run as root here)"
  exit 0
fi
for tool in munged slurmctld slurmd sbatch squeue sinfo scontrol; do
  command -v "$tool" >/dev/null || { say "FAILED: $tool not found (apt-get install slurm-wlm munge)"; exit 1; }
done

tmp=$(mktemp -d /tmp/alsel-slurm.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
  local status=$?
  # Stop the daemons by the PIDs this script started, in reverse order (slurmd, slurmctld,
  # munged: each needs the next one to shut down cleanly), each before the next.
  local i pid
  # Jobs still running (a failure or a timeout) end first, so that no slurmstepd outlives slurmd.
  if [ "${#pids[@]}" -ge 3 ] && [ -n "$(squeue -h -o %i 2>/dev/null)" ]; then
    scancel --full --user="$(id -un)" 2>/dev/null || true
    for _ in $(seq 100); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.1; done
  fi
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    say "FAILED; daemon and job logs:"
    for log in "$tmp"/slurm/*.log "$tmp"/work/logs/*.log "$tmp"/munge/munged.log; do
      [ -f "$log" ] && { echo "== $log" >&2; tail -n 30 "$log" >&2; }
    done
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- alsel, installed as the compute nodes would have it --------------------------------------
cmake --install "$build_dir" --prefix "$tmp/prefix" >"$tmp/install.log"
export PATH="$tmp/prefix/bin:$PATH"
unset ALSEL_MODEL  # the installed default model, as on a node

# --- munge: its own key, socket, pid, log and seed files -------------------------------------
mkdir -p "$tmp/munge" && chmod 700 "$tmp/munge"
head -c 1024 /dev/urandom >"$tmp/munge/munge.key"
chmod 400 "$tmp/munge/munge.key"
munge_socket=$tmp/munge/munge.socket
munged --foreground --force --key-file="$tmp/munge/munge.key" --socket="$munge_socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" \
  --seed-file="$tmp/munge/munged.seed" 2>>"$tmp/munge/munged.log" &
pids+=($!)
for _ in $(seq 100); do [ -S "$munge_socket" ] && break; sleep 0.1; done
[ -S "$munge_socket" ] || { say "munged did not start"; exit 1; }

# --- slurm.conf for this host alone ----------------------------------------------------------
host=$(hostname -s)
memory_mb=$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
[ "$memory_mb" -ge 4096 ] || { say "FAILED: the recipe asks --mem=4G, this machine has ${memory_mb} MB usable"; exit 1; }
port=$((20000 + RANDOM % 20000))
mkdir -p "$tmp/slurm/state" "$tmp/slurm/spool"
export SLURM_CONF=$tmp/slurm/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=alseltest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
StateSaveLocation=$tmp/slurm/state
SlurmdSpoolDir=$tmp/slurm/spool
SlurmctldPidFile=$tmp/slurm/slurmctld.pid
SlurmdPidFile=$tmp/slurm/slurmd.pid
SlurmctldLogFile=$tmp/slurm/slurmctld.log
SlurmdLogFile=$tmp/slurm/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=$memory_mb State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -c -f "$SLURM_CONF" 2>>"$tmp/slurm/slurmctld.stderr" &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" 2>>"$tmp/slurm/slurmd.stderr" &
pids+=($!)
for _ in $(seq 300); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.2
done
[ "$state" = idle ] || { say "the node did not come up (sinfo: '${state:-}')"; exit 1; }
say "cluster up after $((SECONDS - started)) s (node $host, 2 CPUs, ${memory_mb} MB)"

# --- the data the recipe expects under ALSEL_DATA --------------------------------------------
export ALSEL_DATA=$tmp/data DAY=2025-01-31
mkdir -p "$ALSEL_DATA/pool" "$ALSEL_DATA/labeled"
cp "$source_dir/data/sample_pool.jsonl" "$ALSEL_DATA/pool/pool.jsonl"
# Labeled data: two sentences of the pool with their entities, as an annotator returns them.
/usr/bin/python3 - "$ALSEL_DATA/pool/pool.jsonl" "$ALSEL_DATA/labeled/day1.bio" <<'PY'
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for record in lines[:2]:
        text = record["text"]
        tags = ["O"] * len(text)
        tags[0], tags[1] = "B-PER", "I-PER"  # the pool's first two sentences open with a name
        out.write("".join(f"{c} {t}\n" for c, t in zip(text, tags)) + "\n")
PY

# --- the recipe, verbatim from the page -------------------------------------------------------
mkdir -p "$tmp/work"
/usr/bin/python3 - "$source_dir/docs/distributed.md" "$tmp/work" <<'PY'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
section = page[page.index("## Slurm: an array, then a dependent merge"):]
section = section[:section.index("\n## ", 1)]
blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
wanted = {"shards.sbatch": "# shards.sbatch", "merge.sbatch": "# merge.sbatch", "submit.sh": "# submit"}
for name, marker in wanted.items():
    found = [b for b in blocks
             if next((l for l in b.splitlines() if l.startswith("# ")), "").startswith(marker)]
    if len(found) != 1:
        sys.exit(f"docs/distributed.md: expected one block starting with {marker!r}, found {len(found)}")
    open(f"{sys.argv[2]}/{name}", "w", encoding="utf-8").write(found[0])
PY
cd "$tmp/work"
submitted=$SECONDS
bash ./submit.sh >"$tmp/work/submit.out"
merge_job=$(tail -n 1 "$tmp/work/submit.out")
say "submitted: array $(squeue -h -o %F -n alsel-shard | head -n 1), merge job $merge_job"
wait_seconds=${ALSEL_SLURM_WAIT_SECONDS:-300}
for _ in $(seq $((wait_seconds * 2))); do
  [ -z "$(squeue -h -o %i)" ] && break
  sleep 0.5
done
[ -z "$(squeue -h -o %i)" ] || { squeue >&2; say "jobs still queued after $wait_seconds s"; exit 1; }
# No accounting here: scontrol remembers finished jobs for MinJobAge seconds.
scontrol show job "$merge_job" | grep -q "JobState=COMPLETED" ||
  { scontrol show job "$merge_job" >&2; say "the merge job did not complete"; exit 1; }
tasks_done=$(scontrol -o show job | grep -c "JobName=alsel-shard .*JobState=COMPLETED" || true)
[ "$tasks_done" -eq 8 ] || { scontrol -o show job >&2; say "$tasks_done of 8 shard tasks completed"; exit 1; }
say "8 shard tasks and the merge ran in $((SECONDS - submitted)) s"

# --- the single-machine run of the same pool and flags ----------------------------------------
batch=$ALSEL_DATA/batches/$DAY.json
[ -s "$batch" ] || { say "no merged batch at $batch"; exit 1; }
alsel select -p "$ALSEL_DATA/pool/pool.jsonl" --labeled "$ALSEL_DATA"/labeled/*.bio -k 500 --batch-tokens 1 \
  --format label-studio -o "$tmp/single.json" --progress none 2>"$tmp/single.log"
selected=$(/usr/bin/python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$batch")
[ "$selected" -gt 0 ] || { say "the merged batch is empty"; exit 1; }
if ! cmp -s "$batch" "$tmp/single.json"; then
  diff <(/usr/bin/python3 -m json.tool "$batch") <(/usr/bin/python3 -m json.tool "$tmp/single.json") | head -n 40 >&2 || true
  say "the merged batch differs from the single run"
  exit 1
fi
model=$(grep -o '"model_version": *"[^"]*"' "$batch" | head -n 1)
say "PASSED: merged batch = single run, byte for byte ($selected tasks, $model); $((SECONDS - started)) s in all"
