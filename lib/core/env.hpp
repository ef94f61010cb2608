#pragma once
// Every environment variable the tools read is listed here (and in README "Environment").
//   HF_ENDPOINT            Hub base URL (default https://huggingface.co)
//   HF_TOKEN, HUGGING_FACE_HUB_TOKEN, HF_TOKEN_PATH   credentials (see hub/settings.hpp: token_from_env)
//   HF_HOME, XDG_CACHE_HOME, HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, KERNELS_CACHE   cache paths
//   HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE   offline mode
//   HF_HUB_DISABLE_TELEMETRY, DISABLE_TELEMETRY, DO_NOT_TRACK   minimal User-Agent
//   HF_HUB_DISABLE_IMPLICIT_TOKEN   send no token unless given explicitly
//   HF_HUB_ETAG_TIMEOUT, HF_HUB_DOWNLOAD_TIMEOUT   seconds
//   KERNELS_TORCH_DIR, KERNELS_PYTHON, VIRTUAL_ENV, PATH   where the system probe looks for torch
//   CUDA_HOME, CUDA_PATH   where kernel-builder looks for nvcc (then $PATH, /usr/local/cuda)
//   NO_COLOR               disable colour
//   CUDAHOSTCXX            host compiler of kernel-builder's CUDA builds (else g++ on $PATH)
//   KCPP_RETRY_BASE_MS, KCPP_MAX_RETRIES   retry tuning (tests use small values)
//   KCPP_MAX_RESPONSE_MB   largest Hub API answer / error document kept, decoded (default 64)
//   KCPP_LOW_SPEED_LIMIT, KCPP_LOW_SPEED_TIME   cut a transfer moving fewer bytes/s (default
//                          1024) on average over this many seconds (default 30)
//   KCPP_API_TIMEOUT       seconds one Hub API request may take in all (default 300)
//   KCPP_ALLOW_HTTP_REDIRECTS   accept http:// URLs from an https endpoint (redirects, LFS
//                          hrefs, Link); never other schemes (hub/server_url.hpp)
//   KCPP_CUDA_DEVICE_CC    kernels check: pretend one GPU of this compute capability (tests)
#include <optional>
#include <string>

namespace kcpp::env {

// Value of NAME if set (possibly empty).
std::optional<std::string> get(const char* name);
// Value of NAME if set and non-empty.
std::optional<std::string> get_nonempty(const char* name);
// huggingface_hub's truthiness: 1/ON/YES/TRUE, case-insensitive.
bool is_truthy(const char* name);
// Integer value or fallback when unset or not a number.
long get_long(const char* name, long fallback);
double get_double(const char* name, double fallback);

}  // namespace kcpp::env
