"""nn.Module wrappers of the activation ops (the layer names of kernels-community/activation,
usable with ``kernels.kernelize`` layer mapping). Each ``forward`` allocates a contiguous output
of the right shape ([..., d] for the gated ops)."""

import torch
import torch.nn as nn

from ._ops import ops


def _input(x: torch.Tensor) -> torch.Tensor:
    # The kernels need stride 1 in the last dimension (any row stride is fine).
    return x if x.dim() == 0 or x.stride(-1) == 1 else x.contiguous()


def _gated_out(x: torch.Tensor) -> torch.Tensor:
    d = x.shape[-1] // 2
    return torch.empty(x.shape[:-1] + (d,), dtype=x.dtype, device=x.device)


def _out(x: torch.Tensor) -> torch.Tensor:
    return torch.empty(x.shape, dtype=x.dtype, device=x.device)


class SiluAndMul(nn.Module):
    """SwiGLU activation: silu(x[..., :d]) * x[..., d:].

    Shapes: x: (num_tokens, 2 * d) or (batch_size, seq_len, 2 * d); return: (num_tokens, d) or
    (batch_size, seq_len, d).
    """

    can_torch_compile: bool = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _input(x)
        out = _gated_out(x)
        ops.silu_and_mul(out, x)
        return out


class MulAndSilu(nn.Module):
    """x[..., :d] * silu(x[..., d:])."""

    can_torch_compile: bool = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _input(x)
        out = _gated_out(x)
        ops.mul_and_silu(out, x)
        return out


class GeluAndMul(nn.Module):
    """GeGLU activation: gelu(x[..., :d]) * x[..., d:] (exact, erf-based gelu)."""

    can_torch_compile: bool = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _input(x)
        out = _gated_out(x)
        ops.gelu_and_mul(out, x)
        return out


class GeluTanhAndMul(nn.Module):
    """GeGLU activation with the tanh approximation: gelu_tanh(x[..., :d]) * x[..., d:]."""

    can_torch_compile: bool = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _input(x)
        out = _gated_out(x)
        ops.gelu_tanh_and_mul(out, x)
        return out


class FatreluAndMul(nn.Module):
    """FATReLU gated activation: where(x[..., :d] > threshold, x[..., :d], 0) * x[..., d:]."""

    can_torch_compile: bool = True

    def __init__(self, threshold: float = 0.0):
        super().__init__()
        self.threshold = threshold

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _input(x)
        out = _gated_out(x)
        ops.fatrelu_and_mul(out, x, self.threshold)
        return out


class FastGELU(nn.Module):
    """0.5 x (1 + tanh(0.7978845608 x (1 + 0.044715 x^2)))."""

    can_torch_compile: bool = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _input(x)
        out = _out(x)
        ops.gelu_fast(out, x)
        return out


class NewGELU(nn.Module):
    """0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))."""

    can_torch_compile: bool = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _input(x)
        out = _out(x)
        ops.gelu_new(out, x)
        return out


class QuickGELU(nn.Module):
    """x * sigmoid(1.702 x)."""

    can_torch_compile: bool = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _input(x)
        out = _out(x)
        ops.gelu_quick(out, x)
        return out


class Silu(nn.Module):
    """x * sigmoid(x)."""

    can_torch_compile: bool = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _input(x)
        out = _out(x)
        ops.silu(out, x)
        return out


class Gelu(nn.Module):
    """Exact (erf-based) gelu."""

    can_torch_compile: bool = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _input(x)
        out = _out(x)
        ops.gelu(out, x)
        return out


class GeluTanh(nn.Module):
    """gelu(x, approximate="tanh")."""

    can_torch_compile: bool = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _input(x)
        out = _out(x)
        ops.gelu_tanh(out, x)
        return out
