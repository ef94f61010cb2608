#!/usr/bin/env bash
# Runs a libFuzzer target for a bounded time on a seed corpus the script builds itself
# with the host compiler (no binaries in the repository): small shared objects that
# exercise symbol versions, DT_NEEDED, stripped tables and a CUDA fat binary section.
# Usage: run_fuzz.sh FUZZER WORK_DIR SECONDS
# Exit status: the fuzzer's (non-zero when it found a crash, a leak or a sanitizer report;
# the reproducer is left in WORK_DIR/artifacts/).
set -euo pipefail
fuzzer=$1 work=$2 seconds=$3
corpus=$work/corpus seeds=$work/seeds
mkdir -p "$corpus" "$seeds" "$work/artifacts"
CC=${CC:-cc}

say() { printf '==> %s\n' "$*" >&2; }

if [ ! -e "$seeds/.done" ]; then
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

say "fuzzing $(basename "$fuzzer") for ${seconds}s (corpus: $corpus)"
cd "$work"
exec "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$corpus"
