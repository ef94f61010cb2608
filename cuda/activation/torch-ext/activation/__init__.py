"""Activation kernels (kernels-community/activation compatible), built by kernels-cpp.

Gated ops take ``x`` of shape ``[..., 2d]`` and write ``out`` of shape ``[..., d]``; elementwise
ops write ``out`` of the shape of ``x``. ``out`` and ``x``: CUDA tensors of the same dtype
(float32, float16 or bfloat16), stride 1 in the last dimension. Every function returns ``out``.
"""

import torch

from ._ops import ops

from . import layers


def silu_and_mul(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """out = silu(x[..., :d]) * x[..., d:]"""
    ops.silu_and_mul(out, x)
    return out


def mul_and_silu(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """out = x[..., :d] * silu(x[..., d:])"""
    ops.mul_and_silu(out, x)
    return out


def gelu_and_mul(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """out = gelu(x[..., :d]) * x[..., d:] (exact, erf-based gelu)"""
    ops.gelu_and_mul(out, x)
    return out


def gelu_tanh_and_mul(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """out = gelu_tanh(x[..., :d]) * x[..., d:]"""
    ops.gelu_tanh_and_mul(out, x)
    return out


def fatrelu_and_mul(out: torch.Tensor, x: torch.Tensor, threshold: float = 0.0) -> torch.Tensor:
    """out = where(x[..., :d] > threshold, x[..., :d], 0) * x[..., d:]"""
    ops.fatrelu_and_mul(out, x, threshold)
    return out


def gelu(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """out = gelu(x) (exact, erf-based)"""
    ops.gelu(out, x)
    return out


def silu(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """out = x * sigmoid(x)"""
    ops.silu(out, x)
    return out


def gelu_tanh(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """out = gelu(x, approximate="tanh")"""
    ops.gelu_tanh(out, x)
    return out


def gelu_fast(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """out = 0.5 x (1 + tanh(0.7978845608 x (1 + 0.044715 x^2)))"""
    ops.gelu_fast(out, x)
    return out


def gelu_new(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """out = 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))"""
    ops.gelu_new(out, x)
    return out


def gelu_quick(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """out = x * sigmoid(1.702 x)"""
    ops.gelu_quick(out, x)
    return out


__all__ = [
    "silu_and_mul",
    "mul_and_silu",
    "gelu_and_mul",
    "gelu_tanh_and_mul",
    "fatrelu_and_mul",
    "gelu_fast",
    "gelu_new",
    "gelu_quick",
    "gelu_tanh",
    "silu",
    "gelu",
    "layers",
]
