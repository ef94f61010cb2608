"""Fixture data shared by conformance and GPU tests: a kernel repo with 3 versions and
>= 20 distinct variants, ties in upstream's sort order, and one invalid directory name."""

REPO = "kernels-test/activation"

VERSIONS = {
    "v1": [
        "torch29-cxx11-cu126-x86_64-linux", "torch29-cxx11-cu128-x86_64-linux", "torch29-cxx11-cpu-x86_64-linux",
        "torch210-cxx11-cu126-x86_64-linux", "torch210-cxx11-cu128-x86_64-linux", "torch210-cxx11-cpu-x86_64-linux",
        "torch-universal",
    ],
    "v2": [
        "torch210-cxx11-cu126-x86_64-linux", "torch210-cxx11-cu128-x86_64-linux", "torch210-cxx11-cu130-x86_64-linux",
        "torch211-cxx11-cu126-x86_64-linux", "torch211-cxx11-cu128-x86_64-linux", "torch211-cxx11-cu130-x86_64-linux",
        "torch211-cxx11-cpu-x86_64-linux", "torch211-cxx11-cu130-aarch64-linux", "torch211-cpu-aarch64-darwin",
        "torch211-metal-aarch64-darwin", "torch211-cxx11-rocm71-x86_64-linux", "torch-cuda", "torch-cpu",
    ],
    "v3": [
        "torch-stable-abi210-cu128-x86_64-linux", "torch-stable-abi211-cu130-x86_64-linux",
        "torch211-cxx11-cu130-x86_64-linux", "torch211-cu130-x86_64-linux", "torch212-cxx11-cu130-x86_64-linux",
        "torch29-cxx11-cu128-x86_64-linux", "tvm-ffi01-cu130-x86_64-linux", "torch211-cxx11-xpu20253-x86_64-linux",
        "torch210-cxx98-cu128-x86_64-linux", "torch-cuda", "torch-rocm", "torch-universal",
        "not-a-variant",  # skipped with a warning by both tools
    ],
}
