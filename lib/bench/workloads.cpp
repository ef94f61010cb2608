#include "bench/workloads.hpp"

#include <fmt/core.h>

#include <charconv>
#include <limits>

#include "core/error.hpp"

namespace kcpp::bench {

const std::vector<Workload>& default_workloads() {
  static const std::vector<Workload> w = {
      {"small", {8, 1024, 2048}}, {"medium", {8, 2048, 4096}}, {"large", {8, 4096, 8192}},
      {"decode", {1, 4096}},      {"prefill", {4096, 28672}},
  };
  return w;
}

std::string shape_str(const std::vector<std::int64_t>& shape) {
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

namespace {

// "AxBxC" → dims; empty on a malformed shape (why in *why).
std::vector<std::int64_t> parse_shape(std::string_view text, std::string* why) {
  std::vector<std::int64_t> dims;
  std::size_t i = 0;
  double elems = 1;
  while (i <= text.size()) {
    auto j = text.find('x', i);
    if (j == std::string_view::npos) j = text.size();
    auto part = text.substr(i, j - i);
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc() || p != part.data() + part.size() || v < 1) {
      *why = fmt::format("'{}' is not a dimension (a positive integer)", part);
      return {};
    }
    dims.push_back(v);
    elems *= static_cast<double>(v);
    i = j + 1;
  }
  if (elems > static_cast<double>(std::numeric_limits<std::int64_t>::max() / 8)) {
    *why = "too many elements";
    return {};
  }
  if (dims.back() % 2 != 0) {
    *why = fmt::format("the last dimension ({}) must be even: gated ops read 2d and write d", dims.back());
    return {};
  }
  return dims;
}

}  // namespace

std::vector<Workload> parse_workloads(std::string_view list) {
  std::vector<Workload> out;
  auto add = [&](const Workload& w) {
    for (const auto& o : out)
      if (o.name == w.name) return;
    out.push_back(w);
  };
  const auto items = split_list(list);
  if (items.empty()) throw usage_error("--workloads: empty list").hint("name at least one workload, or `all`");
  for (const auto& item : items) {
    if (item == "all") {
      for (const auto& w : default_workloads()) add(w);
      continue;
    }
    bool known = false;
    for (const auto& w : default_workloads())
      if (w.name == item) add(w), known = true;
    if (known) continue;
    if (!item.empty() && item[0] >= '0' && item[0] <= '9') {
      std::string why;
      auto dims = parse_shape(item, &why);
      if (dims.empty())
        throw usage_error(fmt::format("--workloads: bad shape '{}': {}", item, why))
            .hint("a custom workload is a shape such as 2x4096 (dimensions separated by x)");
      add({shape_str(dims), dims});
      continue;
    }
    std::string names;
    for (const auto& w : default_workloads()) names += (names.empty() ? "" : ", ") + w.name;
    throw usage_error(fmt::format("--workloads: unknown workload '{}'", item))
        .hint("known workloads: " + names + ", all, or a shape such as 2x4096");
  }
  return out;
}

Problem problem_for(const OpInfo& op, DType dt, const Workload& w) {
  Problem p;
  p.in_shape = w.shape;
  p.in_width = w.shape.back();
  p.rows = 1;
  for (std::size_t i = 0; i + 1 < w.shape.size(); ++i) p.rows *= w.shape[i];
  p.d = op.gated ? p.in_width / 2 : p.in_width;
  p.out_shape = w.shape;
  p.out_shape.back() = p.d;
  p.in_elems = static_cast<std::uint64_t>(p.rows) * static_cast<std::uint64_t>(p.in_width);
  p.out_elems = static_cast<std::uint64_t>(p.rows) * static_cast<std::uint64_t>(p.d);
  p.in_bytes = p.in_elems * dtype_size(dt);
  p.out_bytes = p.out_elems * dtype_size(dt);
  p.bytes = bytes_moved(op, dt, p.rows, p.d);
  return p;
}

}  // namespace kcpp::bench
