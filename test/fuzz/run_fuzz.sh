#!/usr/bin/env bash
# Runs a libFuzzer target for a bounded time and records what it did.
# Usage: run_fuzz.sh FUZZER WORK_DIR SECONDS REPORT [SEED_DIR [DICT]]
#
# WORK_DIR/corpus is the target's own corpus (kept between runs, so each CI run starts where
# the last one stopped); SEED_DIR (test/fuzz/corpus/<target>, text files) is read as extra
# seeds, DICT is a libFuzzer dictionary. Without SEED_DIR (elf_reader) the seeds are small
# shared objects the script compiles itself with the host compiler (no binaries in the
# repository): symbol versions, DT_NEEDED, stripped tables and a CUDA fat binary section.
#
# REPORT (<build>/fuzz-report.json) gets this target's entry: seconds, executions,
# executions/s, corpus size, new units, crashes (reproducers found, kept in
# WORK_DIR/artifacts/), exit status. Exit status: the fuzzer's (non-zero when it found a
# crash, a leak, a timeout or a sanitizer report).
set -euo pipefail
fuzzer=$1 work=$2 seconds=$3 report=$4 seed_dir=${5:-} dict=${6:-}
abs() { [ -z "$1" ] || realpath -m -- "$1"; }
fuzzer=$(abs "$fuzzer") work=$(abs "$work") report=$(abs "$report") seed_dir=$(abs "$seed_dir") dict=$(abs "$dict")
name=$(basename "$fuzzer"); name=${name%_fuzz}
corpus=$work/corpus seeds=$work/seeds
mkdir -p "$corpus" "$seeds" "$work/artifacts"
CC=${CC:-cc}

say() { printf '==> %s\n' "$*" >&2; }

if [ -z "$seed_dir" ] && [ ! -e "$seeds/.done" ]; then
  say "building seed objects in $seeds"
  cd "$seeds"
  printf 'int f(int a, int b) { return a + b; }\n' > ok.c
  printf '#include <pthread.h>\nstatic void* r(void* p) { return p; }\nint g(void) { pthread_t t; return pthread_create(&t, 0, r, 0); }\n' > glibc.c
  printf 'void* PyCode_New(void); int PyModule_AddType(void*, void*);\nvoid* h(void) { PyModule_AddType(0, 0); return PyCode_New(); }\n' > py.c
  printf 'int dep(void) { return 1; }\n' > dep.c
  printf 'int dep(void);\nint use(void) { return dep(); }\n' > use.c
  printf 'KCPP_1.0 { global: dep; local: *; };\n' > dep.map
  "$CC" -shared -fPIC -O0 -o "$corpus/ok.so" ok.c
  "$CC" -shared -fPIC -O0 -o "$corpus/glibc.so" glibc.c
  "$CC" -shared -fPIC -O0 -o "$corpus/py.so" py.c
  "$CC" -shared -fPIC -O0 -s -o "$corpus/stripped.so" glibc.c
  "$CC" -shared -fPIC -O0 -Wl,--version-script=dep.map -o libdep.so dep.c
  "$CC" -shared -fPIC -O0 -o "$corpus/versioned.so" use.c -L. -ldep
  # A fat binary container (cubin sm_80, cubin sm_90a, PTX compute_90) in .nv_fatbin.
  python3 - > fatbin.bin <<'PY' || printf '' > fatbin.bin
import struct, sys
def entry(kind, sm, flags):
    return struct.pack('<HHIQIIHHIIIQQQ', kind, 0x101, 64, 8, 0, 0, 8, 1, sm, 0, 0, flags | 0x11, 0, 0) + b'\x7f' * 8
body = entry(2, 80, 0) + entry(2, 90, 0x100000) + entry(1, 90, 0)
sys.stdout.buffer.write(struct.pack('<IHHQ', 0xBA55ED50, 1, 16, len(body)) + body)
PY
  if [ -s fatbin.bin ]; then
    cp fatbin.bin "$corpus/fatbin.bin"
    objcopy --add-section .nv_fatbin=fatbin.bin "$corpus/ok.so" "$corpus/gpu.so" || true
  fi
  touch .done
fi

args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1
      -artifact_prefix="$work/artifacts/")
[ -n "$dict" ] && [ -f "$dict" ] && args+=(-dict="$dict")
dirs=("$corpus")
[ -n "$seed_dir" ] && [ -d "$seed_dir" ] && dirs+=("$seed_dir")

say "fuzzing $name for ${seconds}s (corpus: ${dirs[*]})"
cd "$work"
log=$work/last-run.log
touch "$log.start"
rc=0
"$fuzzer" "${args[@]}" "${dirs[@]}" 2>&1 | tee "$log" >&2 || rc=${PIPESTATUS[0]}

stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n1; }
execs=$(stat number_of_executed_units); execs=${execs:-0}
per_sec=$(stat average_exec_per_sec); per_sec=${per_sec:-0}
new_units=$(stat new_units_added); new_units=${new_units:-0}
corpus_size=$(find "$corpus" -type f | wc -l)
crashes=$(find "$work/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) -newer "$log.start" 2>/dev/null | wc -l || true)
[ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
printf '==> %s: %s executions (%s/s) in %ss, %s new units, corpus %s, crashes %s, exit %s\n' \
  "$name" "$execs" "$per_sec" "$seconds" "$new_units" "$corpus_size" "$crashes" "$rc" >&2

# Merge this target's entry into REPORT (targets may finish at the same time: flock).
mkdir -p "$(dirname "$report")"
(
  flock 9
  python3 - "$report" "$name" "$seconds" "$execs" "$per_sec" "$new_units" "$corpus_size" "$crashes" "$rc" <<'PY'
import json, os, sys, time
path, name = sys.argv[1], sys.argv[2]
seconds, execs, per_sec, new_units, corpus, crashes, rc = map(int, sys.argv[3:])
try:
    with open(path) as f:
        report = json.load(f)
except (OSError, ValueError):
    report = {}
targets = report.setdefault("targets", {})
targets[name] = {"seconds": seconds, "executions": execs, "executions_per_second": per_sec,
                 "new_units": new_units, "corpus_files": corpus, "crashes": crashes, "exit_status": rc,
                 "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
report["total"] = {k: sum(t[k] for t in targets.values())
                   for k in ("seconds", "executions", "crashes")}
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump(report, f, indent=2, sort_keys=True)
    f.write("\n")
os.replace(tmp, path)
PY
) 9>"$report.lock"
exit "$rc"
