#include "abi/policy_tables.hpp"

#include <sstream>
#include <stdexcept>

namespace kcpp::abi {

namespace {

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// The generated text is part of the program: a malformed line is a build defect, so it
// fails loudly (std::logic_error) the first time the table is used.
[[noreturn]] void bad_table(const char* table, const std::string& line) {
  throw std::logic_error(std::string("malformed generated ABI table ") + table + ": " + line);
}

std::vector<ManylinuxPolicy> load_manylinux() {
  std::vector<ManylinuxPolicy> out;
  std::istringstream in(tables::kManylinuxPolicyText);
  std::string arch;
  for (std::string line; std::getline(in, line);) {
    auto w = words(line);
    if (w.empty()) continue;
    if (w[0] == "policy") {
      if (w.size() < 3) bad_table("manylinux", line);
      ManylinuxPolicy p;
      p.name = w[1];
      p.priority = std::stoi(w[2]);
      p.aliases.assign(w.begin() + 3, w.end());
      out.push_back(std::move(p));
      continue;
    }
    if (out.empty()) bad_table("manylinux", line);
    auto& p = out.back();
    if (w[0] == "arch" && w.size() == 2) {
      arch = w[1];
      p.symbol_versions[arch];
    } else if (w[0] == "dep" && w.size() >= 2 && !arch.empty()) {
      auto& allowed = p.symbol_versions[arch][w[1]];
      for (std::size_t i = 2; i < w.size(); ++i) {
        allowed.listed.push_back(w[i]);
        if (auto v = Version::parse(w[i]))
          allowed.numeric.insert(*v);
        else
          allowed.raw.insert(w[i]);
      }
    } else if (w[0] == "libs") {
      p.lib_whitelist.assign(w.begin() + 1, w.end());
    } else if (w[0] == "blacklist" && w.size() >= 2) {
      p.blacklist[w[1]].insert(w.begin() + 2, w.end());
    } else {
      bad_table("manylinux", line);
    }
  }
  return out;
}

std::unordered_map<std::string, StableAbiItem> load_python() {
  std::unordered_map<std::string, StableAbiItem> out;
  std::istringstream in(tables::kPythonStableAbiText);
  for (std::string line; std::getline(in, line);) {
    auto w = words(line);
    if (w.empty()) continue;
    auto added = w.size() == 3 ? Version::parse(w[2]) : std::nullopt;
    if (!added || (w[0] != "F" && w[0] != "D")) bad_table("python", line);
    out[w[1]] = StableAbiItem{*added, w[0] == "D"};  // data after function wins, as upstream's map
  }
  return out;
}

std::unordered_map<std::string, Version> load_torch() {
  std::unordered_map<std::string, Version> out;
  std::istringstream in(tables::kTorchShimVersionsText);
  for (std::string line; std::getline(in, line);) {
    auto w = words(line);
    if (w.empty()) continue;
    auto v = w.size() == 2 ? Version::parse(w[1]) : std::nullopt;
    if (!v) bad_table("torch", line);
    out[w[0]] = *v;
  }
  return out;
}

}  // namespace

Version AllowedVersions::highest() const { return numeric.empty() ? Version() : *numeric.rbegin(); }

const std::vector<ManylinuxPolicy>& manylinux_policies() {
  static const std::vector<ManylinuxPolicy> policies = load_manylinux();
  return policies;
}

const ManylinuxPolicy* find_manylinux_policy(std::string_view name) {
  for (const auto& p : manylinux_policies()) {
    if (p.name == name) return &p;
    for (const auto& a : p.aliases)
      if (a == name) return &p;
  }
  return nullptr;
}

const std::unordered_map<std::string, StableAbiItem>& python_stable_abi() {
  static const auto table = load_python();
  return table;
}

const std::unordered_map<std::string, Version>& torch_shim_versions() {
  static const auto table = load_torch();
  return table;
}

}  // namespace kcpp::abi
