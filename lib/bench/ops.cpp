#include "bench/ops.hpp"

#include <fmt/core.h>

#include <algorithm>

#include "core/error.hpp"

namespace kcpp::bench {

std::optional<DType> parse_dtype(std::string_view t) {
  if (t == "fp32" || t == "float32" || t == "float") return DType::f32;
  if (t == "fp16" || t == "float16" || t == "half") return DType::f16;
  if (t == "bf16" || t == "bfloat16") return DType::bf16;
  return std::nullopt;
}

int op_index(std::string_view name) {
  for (int i = 0; i < kNumOps; ++i)
    if (kOps[static_cast<std::size_t>(i)].name == name) return i;
  return -1;
}

std::vector<std::string> split_list(std::string_view list) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= list.size()) {
    auto j = list.find(',', i);
    if (j == std::string_view::npos) j = list.size();
    auto item = list.substr(i, j - i);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    i = j + 1;
  }
  return out;
}

std::vector<int> parse_ops(std::string_view list) {
  std::vector<int> out;
  const auto items = split_list(list);
  if (items.empty()) throw usage_error("--ops: empty list").hint("name at least one op, or `all`");
  for (const auto& item : items) {
    if (item == "all") {
      for (int i = 0; i < kNumOps; ++i)
        if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
      continue;
    }
    const int i = op_index(item);
    if (i < 0) {
      std::string known;
      for (const auto& op : kOps) known += (known.empty() ? "" : ", ") + std::string(op.name);
      throw usage_error(fmt::format("--ops: unknown op '{}'", item)).hint("known ops: " + known + " (or all)");
    }
    if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
  }
  return out;
}

std::vector<DType> parse_dtypes(std::string_view list) {
  std::vector<DType> out;
  const auto items = split_list(list);
  if (items.empty()) throw usage_error("--dtypes: empty list").hint("name at least one of fp32, fp16, bf16");
  for (const auto& item : items) {
    if (item == "all") {
      for (DType dt : kAllDTypes)
        if (std::find(out.begin(), out.end(), dt) == out.end()) out.push_back(dt);
      continue;
    }
    auto dt = parse_dtype(item);
    if (!dt)
      throw usage_error(fmt::format("--dtypes: unknown dtype '{}'", item))
          .hint("known dtypes: fp32 (float32), fp16 (float16, half), bf16 (bfloat16), or all");
    if (std::find(out.begin(), out.end(), *dt) == out.end()) out.push_back(*dt);
  }
  return out;
}

std::uint64_t bytes_moved(const OpInfo& op, DType dt, std::int64_t rows, std::int64_t d) {
  const auto width = static_cast<std::uint64_t>(op.gated ? 2 * d : d);
  return static_cast<std::uint64_t>(rows) * (width + static_cast<std::uint64_t>(d)) * dtype_size(dt);
}

}  // namespace kcpp::bench
