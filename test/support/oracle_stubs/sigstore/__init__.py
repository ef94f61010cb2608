"""Stand-in for `sigstore`, used only on the GPU machine, where sigstore's dependency tree
cannot be installed offline. The oracle's CLI imports it at start-up (kernels/verify.py);
`kernels versions` never verifies signatures, so these names are never called."""
