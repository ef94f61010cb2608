#include "core/paths.hpp"

#include "core/env.hpp"

namespace kcpp::paths {

std::filesystem::path expand_user(const std::string& p) {
  if (!p.empty() && p[0] == '~') {
    auto home = env::get_nonempty("HOME").value_or("/");
    return std::filesystem::path(home) / p.substr(p.size() > 1 && p[1] == '/' ? 2 : 1);
  }
  return p;
}

std::filesystem::path hf_home() {
  if (auto v = env::get_nonempty("HF_HOME")) return expand_user(*v);
  if (auto v = env::get_nonempty("XDG_CACHE_HOME")) return expand_user(*v) / "huggingface";
  return expand_user("~/.cache/huggingface");
}

std::filesystem::path hub_cache() {
  if (auto v = env::get_nonempty("HF_HUB_CACHE")) return expand_user(*v);
  if (auto v = env::get_nonempty("HUGGINGFACE_HUB_CACHE")) return expand_user(*v);
  return hf_home() / "hub";
}

std::filesystem::path kernels_cache() {
  if (auto v = env::get_nonempty("KERNELS_CACHE")) return expand_user(*v);
  return hub_cache();
}

std::string python_path_str(const std::string& arg) {
  std::string prefix;
  if (arg.starts_with("//") && !arg.starts_with("///"))
    prefix = "//";
  else if (!arg.empty() && arg[0] == '/')
    prefix = "/";
  std::string out;
  std::size_t start = 0;
  while (start <= arg.size()) {
    auto slash = arg.find('/', start);
    std::string part = arg.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!part.empty() && part != ".") out += (out.empty() ? "" : "/") + part;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  out = prefix + out;
  return out.empty() ? "." : out;
}

}  // namespace kcpp::paths
