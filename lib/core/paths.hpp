#pragma once
// Hugging Face cache locations, resolved like huggingface_hub:
//   HF_HOME = $HF_HOME | $XDG_CACHE_HOME/huggingface | ~/.cache/huggingface
//   hub cache = $HF_HUB_CACHE | $HUGGINGFACE_HUB_CACHE | $HF_HOME/hub
//   kernels cache = $KERNELS_CACHE | hub cache
#include <filesystem>
#include <string>

namespace kcpp::paths {

std::filesystem::path hf_home();
std::filesystem::path hub_cache();
std::filesystem::path kernels_cache();

// str() of a Python pathlib.PurePosixPath built from ARG ("./a//b/" → "a/b", "" → ".", a
// leading "//" kept): how upstream prints the paths it was given.
std::string python_path_str(const std::string& arg);
// Expands a leading "~" to $HOME.
std::filesystem::path expand_user(const std::string& p);

}  // namespace kcpp::paths
