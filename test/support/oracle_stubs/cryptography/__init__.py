"""Stand-in for `cryptography` on the GPU machine (see sigstore/__init__.py): only the names
kernels/verify.py imports at start-up; never called by `kernels versions`."""
