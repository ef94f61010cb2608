#include "builder/cuda_archs.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <tuple>

namespace kcpp::builder {

namespace {

constexpr std::string_view kPtx = "+PTX";

bool has_ptx(const std::string& a) { return a.size() >= kPtx.size() && a.compare(a.size() - kPtx.size(), kPtx.size(), kPtx) == 0; }

std::string without_ptx(const std::string& a) { return has_ptx(a) ? a.substr(0, a.size() - kPtx.size()) : a; }

// "9.0a" → (9, 0, "a"); numbers compare numerically (CMake NATURAL order and VERSION_*).
std::tuple<long, long, std::string> key(const std::string& a) {
  long major = 0, minor = 0;
  std::size_t i = 0;
  while (i < a.size() && std::isdigit(static_cast<unsigned char>(a[i]))) major = major * 10 + (a[i++] - '0');
  if (i < a.size() && a[i] == '.') ++i;
  while (i < a.size() && std::isdigit(static_cast<unsigned char>(a[i]))) minor = minor * 10 + (a[i++] - '0');
  return {major, minor, a.substr(i)};
}

bool version_le(const std::string& a, const std::string& b) {
  auto [am, an, as] = key(a);
  auto [bm, bn, bs] = key(b);
  return std::pair(am, an) <= std::pair(bm, bn);
}

void natural_sort(std::vector<std::string>& v) {
  std::stable_sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) { return key(a) < key(b); });
}

void dedupe(std::vector<std::string>& v) {
  std::vector<std::string> out;
  for (auto& s : v)
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  v = std::move(out);
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

std::vector<std::string> default_cuda_archs(variant::MajorMinor cuda) {
  if (cuda >= variant::MajorMinor{13, 0})
    return {"7.5", "8.0", "8.6", "8.7", "8.9", "9.0", "10.0", "11.0", "12.0", "12.1+PTX"};
  if (cuda >= variant::MajorMinor{12, 8})
    return {"7.0", "7.2", "7.5", "8.0", "8.6", "8.7", "8.9", "9.0", "10.0", "10.1", "12.0+PTX"};
  return {"7.0", "7.2", "7.5", "8.0", "8.6", "8.7", "8.9", "9.0+PTX"};
}

std::vector<std::string> strip_ptx(const std::vector<std::string>& archs) {
  std::vector<std::string> out;
  for (const auto& a : archs) out.push_back(without_ptx(a));
  return out;
}

std::vector<std::string> cuda_archs_loose_intersection(const std::vector<std::string>& src_in,
                                                       const std::vector<std::string>& tgt_in) {
  std::vector<std::string> ptx, src;
  for (const auto& a : src_in) {
    if (has_ptx(a)) ptx.push_back(without_ptx(a));
    src.push_back(without_ptx(a));
  }
  dedupe(ptx);
  dedupe(src);

  // x.ya / x.yf: kept as-is when x.y is a target (which then needs no other match).
  std::vector<std::string> tgt = tgt_in, out, plain;
  for (const auto& a : src) {
    char last = a.empty() ? '\0' : a.back();
    if (last == 'a' || last == 'f') {
      std::string base = a.substr(0, a.size() - 1);
      if (contains(tgt_in, base)) {
        tgt.erase(std::remove(tgt.begin(), tgt.end(), base), tgt.end());
        out.push_back(a);
      }
    } else {
      plain.push_back(a);
    }
  }
  natural_sort(plain);

  // For each target, the highest source <= it of the same major (any major for +PTX).
  for (const auto& t : tgt) {
    std::string found;
    long tmajor = std::get<0>(key(t));
    for (const auto& s : plain) {
      if (!version_le(s, t)) break;
      if (contains(ptx, s) || std::get<0>(key(s)) == tmajor) found = s;
    }
    if (!found.empty()) out.push_back(found);
  }
  dedupe(out);
  for (auto& a : out)
    if (contains(ptx, a)) a += kPtx;
  natural_sort(out);
  return out;
}

std::vector<std::string> kernel_cuda_archs(const std::vector<std::string>* capabilities, variant::MajorMinor cuda) {
  std::vector<std::string> defaults = default_cuda_archs(cuda);
  if (!capabilities) return defaults;
  return cuda_archs_loose_intersection(*capabilities, strip_ptx(defaults));
}

std::vector<std::string> gencode_flags(const std::vector<std::string>& archs) {
  std::vector<std::string> out;
  for (const auto& a : archs) {
    std::string base = without_ptx(a);
    std::string num;
    for (char c : base)
      if (c != '.') num += c;
    out.push_back("-gencode=arch=compute_" + num + ",code=sm_" + num);
    if (has_ptx(a)) out.push_back("-gencode=arch=compute_" + num + ",code=compute_" + num);
  }
  return out;
}

std::vector<std::string> metadata_archs(const std::vector<std::vector<std::string>>& per_kernel) {
  std::set<std::string> all;
  for (const auto& k : per_kernel) all.insert(k.begin(), k.end());
  return {all.begin(), all.end()};
}

}  // namespace kcpp::builder
