#include "bench/torch_runtime.hpp"

#include <dlfcn.h>
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <memory>
#include <system_error>

#include "bench/stderr_capture.hpp"
#include "core/error.hpp"

namespace kcpp::bench {

namespace fs = std::filesystem;

CallFailure classify_failure(std::string message) {
  CallFailure f;
  f.op_missing = message.find("Could not find schema for") != std::string::npos;
  f.no_cuda_impl = message.find("Could not run '") != std::string::npos &&
                   message.find("from the 'CUDA' backend") != std::string::npos;
  f.message = std::move(message);
  return f;
}

StableIValue stable_from_double(double v) {
  StableIValue s = 0;
  static_assert(sizeof v == sizeof s);
  std::memcpy(&s, &v, sizeof v);
  return s;
}

StableIValue stable_from_handle(AtenTensorHandle h) {
  return static_cast<StableIValue>(reinterpret_cast<std::uintptr_t>(h));
}

AtenTensorHandle stable_to_handle(StableIValue v) {
  return reinterpret_cast<AtenTensorHandle>(static_cast<std::uintptr_t>(v));
}

std::uint64_t torch_abi_version(int major, int minor) {
  return (static_cast<std::uint64_t>(major) << 56) | (static_cast<std::uint64_t>(minor) << 48);
}

namespace {

TorchRuntime* g_runtime = nullptr;

// "libcublas.so.13: cannot open shared object file: …" → "libcublas.so.13".
std::string missing_library(const std::string& dlerror_text) {
  const auto p = dlerror_text.find(": cannot open shared object file");
  if (p == std::string::npos) return {};
  auto start = dlerror_text.rfind(' ', p);
  start = start == std::string::npos ? 0 : start + 1;
  auto name = dlerror_text.substr(start, p - start);
  if (name.find('/') != std::string::npos) return {};
  return name;
}

// torch's fallback when libtorch_global_deps cannot be loaded: the CUDA libraries live in
// site-packages/nvidia/<pkg>/lib (or nvidia/cu13/lib); load the one the loader misses.
bool preload_from_nvidia(const fs::path& torch_dir, const std::string& name) {
  const fs::path nvidia = torch_dir.parent_path() / "nvidia";
  std::error_code ec;
  if (!fs::is_directory(nvidia, ec)) return false;
  for (auto it = fs::recursive_directory_iterator(nvidia, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it.depth() > 3) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->path().filename() == name) {
      if (dlopen(it->path().c_str(), RTLD_LAZY | RTLD_GLOBAL)) {
        spdlog::debug("benchmark: preloaded {}", it->path().string());
        return true;
      }
    }
  }
  return false;
}

void* open_global(const fs::path& torch_dir, const fs::path& lib) {
  for (int attempt = 0; attempt < 32; ++attempt) {
    if (void* h = dlopen(lib.c_str(), RTLD_LAZY | RTLD_GLOBAL)) return h;
    const char* e = dlerror();
    const std::string why = e ? e : "unknown error";
    const std::string missing = missing_library(why);
    if (missing.empty() || !preload_from_nvidia(torch_dir, missing))
      throw Error(ErrorKind::failure, fmt::format("cannot load {}", lib.string()))
          .cause(why)
          .hint(
              "the torch found by the probe must be a complete CUDA build with its nvidia-* wheels; "
              "`kernels debug system` shows which torch that is (KERNELS_TORCH_DIR / KERNELS_PYTHON choose another)");
  }
  throw Error(ErrorKind::failure, fmt::format("cannot load {}: too many missing libraries", lib.string()));
}

template <typename F>
void sym(F& fn, const char* name, bool required = true) {
  dlerror();
  void* p = dlsym(RTLD_DEFAULT, name);
  if (!p && required)
    throw Error(ErrorKind::failure, fmt::format("torch has no `{}` (its stable C shim is older than expected)", name))
        .hint("kernels benchmark needs torch >= 2.8 with CUDA");
  fn = reinterpret_cast<F>(p);
}

}  // namespace

TorchRuntime& TorchRuntime::load(const fs::path& torch_dir, const std::string& version) {
  if (g_runtime) {
    if (g_runtime->dir_ != torch_dir)
      throw Error(ErrorKind::failure, "a different torch is already loaded in this process");
    return *g_runtime;
  }
  const fs::path lib = torch_dir / "lib";
  std::error_code ec;
  if (!fs::exists(lib / "libtorch_cuda.so", ec))
    throw Error(ErrorKind::failure, fmt::format("the torch at {} ({}) has no CUDA support: {} is missing",
                                                torch_dir.string(), version, (lib / "libtorch_cuda.so").string()))
        .hint(
            "install a CUDA build of torch (e.g. torch 2.11.0+cu130), or point KERNELS_TORCH_DIR / KERNELS_PYTHON at "
            "one");
  auto rt = std::unique_ptr<TorchRuntime>(new TorchRuntime());
  rt->dir_ = torch_dir;
  rt->version_ = version;
  int major = 0, minor = 0;
  std::sscanf(version.c_str(), "%d.%d", &major, &minor);
  rt->abi_version_ = torch_abi_version(major, minor);

  // libtorch_global_deps: torch/__init__.py loads it first (RTLD_GLOBAL) for the CUDA libraries.
  if (fs::exists(lib / "libtorch_global_deps.so", ec)) {
    if (!dlopen((lib / "libtorch_global_deps.so").c_str(), RTLD_LAZY | RTLD_GLOBAL)) {
      const char* e = dlerror();
      spdlog::debug("benchmark: libtorch_global_deps.so: {} (falling back to site-packages/nvidia)", e ? e : "");
    }
  }
  for (const char* name : {"libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"})
    if (fs::exists(lib / name, ec)) open_global(torch_dir, lib / name);
  rt->resolve_symbols();
  g_runtime = rt.release();  // torch stays loaded until the process ends
  return *g_runtime;
}

bool TorchRuntime::loaded() { return g_runtime != nullptr; }

void TorchRuntime::resolve_symbols() {
  sym(dtype_f32_, "aoti_torch_dtype_float32");
  sym(dtype_f16_, "aoti_torch_dtype_float16");
  sym(dtype_bf16_, "aoti_torch_dtype_bfloat16");
  sym(device_cuda_, "aoti_torch_device_type_cuda");
  sym(from_blob_, "aoti_torch_create_tensor_from_blob");
  sym(new_handle_, "aoti_torch_new_tensor_handle");
  sym(delete_handle_, "aoti_torch_delete_tensor_object");
  sym(data_ptr_, "aoti_torch_get_data_ptr");
  sym(current_stream_, "aoti_torch_get_current_cuda_stream");
  sym(call_v2_, "torch_call_dispatcher", false);
  sym(call_v1_, "aoti_torch_call_dispatcher", false);
  sym(last_error_, "torch_exception_get_what_without_backtrace", false);
  if (!call_v2_ && !call_v1_)
    throw Error(ErrorKind::failure,
                fmt::format("torch {} has no torch_call_dispatcher / aoti_torch_call_dispatcher", version_))
        .hint("kernels benchmark calls ops through torch's stable C shim: use torch >= 2.8");
}

void TorchRuntime::load_library(const fs::path& so) {
  if (!dlopen(so.c_str(), RTLD_LAZY | RTLD_LOCAL)) {
    const char* e = dlerror();
    throw Error(ErrorKind::failure, fmt::format("cannot load the kernel library {}", so.string()))
        .cause(e ? e : "unknown error")
        .hint("the variant must be built for this torch and CUDA (`kernels check` shows its ABI and libraries)");
  }
}

void* TorchRuntime::current_cuda_stream(int device) const {
  void* s = nullptr;
  if (current_stream_(device, &s) != 0)
    throw Error(ErrorKind::failure,
                "torch could not give its current CUDA stream (aoti_torch_get_current_cuda_stream)");
  return s;
}

TorchRuntime::Tensor::~Tensor() {
  if (h_ && rt_) rt_->release(h_);
}

TorchRuntime::Tensor& TorchRuntime::Tensor::operator=(Tensor&& o) noexcept {
  if (this != &o) {
    if (h_ && rt_) rt_->release(h_);
    rt_ = o.rt_;
    h_ = o.h_;
    o.h_ = nullptr;
  }
  return *this;
}

AtenTensorHandle TorchRuntime::Tensor::share() const {
  AtenTensorHandle out = nullptr;
  if (rt_->new_handle_(h_, &out) != 0) throw Error(ErrorKind::failure, "aoti_torch_new_tensor_handle failed");
  return out;
}

void TorchRuntime::release(AtenTensorHandle h) const noexcept { delete_handle_(h); }

TorchRuntime::Tensor TorchRuntime::from_blob(void* data, DType dt, const std::vector<std::int64_t>& sizes,
                                             const std::vector<std::int64_t>& strides, int device) const {
  const int32_t code = dt == DType::f32 ? dtype_f32_() : dt == DType::f16 ? dtype_f16_() : dtype_bf16_();
  AtenTensorHandle h = nullptr;
  StderrCapture cap;
  const int32_t rc = from_blob_(data, static_cast<std::int64_t>(sizes.size()), sizes.data(), strides.data(), 0, code,
                                device_cuda_(), device, &h);
  const std::string text = cap.finish();
  if (rc != 0)
    throw Error(ErrorKind::failure,
                "torch could not wrap a device buffer as a tensor (aoti_torch_create_tensor_from_blob)")
        .cause(shim_error_message(text));
  return Tensor(this, h);
}

void* TorchRuntime::data_ptr(AtenTensorHandle h) const {
  void* p = nullptr;
  if (data_ptr_(h, &p) != 0) throw Error(ErrorKind::failure, "aoti_torch_get_data_ptr failed");
  return p;
}

std::optional<CallFailure> TorchRuntime::call(const std::string& qualified, const std::string& overload,
                                              StableIValue* stack, bool capture) const {
  std::unique_ptr<StderrCapture> cap;
  if (capture) cap = std::make_unique<StderrCapture>();
  const int32_t rc = call_v2_ ? call_v2_(qualified.c_str(), overload.c_str(), stack, abi_version_)
                              : call_v1_(qualified.c_str(), overload.c_str(), stack);
  std::string text = cap ? cap->finish() : std::string();
  if (rc == 0) return std::nullopt;
  std::string message = shim_error_message(text);
  if (message.empty() && last_error_) {
    if (const char* w = last_error_()) message = shim_error_message(w);
  }
  if (message.empty()) message = fmt::format("{} failed (torch printed no message)", qualified);
  return classify_failure(std::move(message));
}

}  // namespace kcpp::bench
