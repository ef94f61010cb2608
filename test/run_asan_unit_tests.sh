#!/usr/bin/env bash
# ctest "asan: unit_tests": the Catch2 unit tests built with -DKCPP_SANITIZE=ON
# (AddressSanitizer + UBSan) into build-asan/ by scripts/setup, run with leak detection
# and UBSan halting on the first report. Usage: run_asan_unit_tests.sh UNIT_TESTS [ARGS…]
# Exit 77 (ctest: skipped) when that binary has not been built.
set -uo pipefail
bin=$1; shift
if [ ! -x "$bin" ]; then
  echo "skipped: $bin is not built (scripts/setup builds it unless KCPP_SKIP_ASAN=1; by hand:" \
       "cmake -S . -B build-asan -DKCPP_SANITIZE=ON -DKCPP_FUZZ=OFF && cmake --build build-asan --target unit_tests)"
  exit 77
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
echo "==> $bin (ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS)"
start=$(date +%s)
"$bin" --durations no "$@"
rc=$?
echo "==> asan unit tests: exit $rc after $(( $(date +%s) - start ))s"
exit $rc
