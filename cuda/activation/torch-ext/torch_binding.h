#pragma once

#include <torch/torch.h>

// out = act(input[..., :d]) * input[..., d:]   (input [..., 2d], out [..., d])
void silu_and_mul(torch::Tensor &out, torch::Tensor const &input);
void mul_and_silu(torch::Tensor &out, torch::Tensor const &input);
void gelu_and_mul(torch::Tensor &out, torch::Tensor const &input);
void gelu_tanh_and_mul(torch::Tensor &out, torch::Tensor const &input);
void fatrelu_and_mul(torch::Tensor &out, torch::Tensor const &input, double threshold);

// out = act(input)   (same shape)
void gelu_new(torch::Tensor &out, torch::Tensor const &input);
void gelu_fast(torch::Tensor &out, torch::Tensor const &input);
void gelu_quick(torch::Tensor &out, torch::Tensor const &input);
void gelu_tanh(torch::Tensor &out, torch::Tensor const &input);
void silu(torch::Tensor &out, torch::Tensor const &input);
void gelu(torch::Tensor &out, torch::Tensor const &input);
