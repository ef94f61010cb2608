#pragma once
// The torch the probe found, loaded into this process without Python, and driven through
// torch's stable C shim (torch/csrc/inductor/aoti_torch/c/shim.h, torch/csrc/stable/c/shim.h):
// every entry point is looked up with dlsym, so building needs no torch headers and the
// `kernels` binary needs no torch until `kernels benchmark` runs.
//
// Loading mirrors `import torch`: TORCH_DIR/lib/libtorch_global_deps.so first (it pulls in the
// CUDA libraries of site-packages/nvidia/… through its RPATH, as torch/__init__.py does), then
// libc10, libtorch_cpu, libc10_cuda, libtorch_cuda, libtorch with RTLD_GLOBAL | RTLD_LAZY; a
// library still missing is searched under site-packages/nvidia (torch's own fallback). A kernel
// library is then opened with RTLD_LAZY: its static TORCH_LIBRARY initialisers register the
// ops; its PyInit_* function refers to libpython, which lazy binding never resolves because
// nothing calls it.
//
// Calls use torch_call_dispatcher (torch >= 2.10; aoti_torch_call_dispatcher before): a stack
// of StableIValues, one per schema argument — a tensor is an owning AtenTensorHandle that the
// call consumes, a float is the bits of a double — results replace the stack's first slots.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bench/dtype.hpp"

namespace kcpp::bench {

using StableIValue = std::uint64_t;
struct AtenTensorOpaque;
using AtenTensorHandle = AtenTensorOpaque*;

// Why a call failed: the exception text torch logged, and what it means for the benchmark.
struct CallFailure {
  std::string message;
  bool op_missing = false;    // "Could not find schema for …": the op is not registered
  bool no_cuda_impl = false;  // "Could not run '…' with arguments from the 'CUDA' backend"
};

// Classifies a shim error message (pure; unit-tested).
CallFailure classify_failure(std::string message);

// StableIValue encodings (pure; unit-tested).
StableIValue stable_from_double(double v);
StableIValue stable_from_handle(AtenTensorHandle h);
AtenTensorHandle stable_to_handle(StableIValue v);

// The value torch_call_dispatcher expects as extension_build_version for torch MAJOR.MINOR:
// TORCH_ABI_VERSION = major << 56 | minor << 48.
std::uint64_t torch_abi_version(int major, int minor);

class TorchRuntime {
 public:
  // Loads the torch in TORCH_DIR (once per process; a second call with another dir throws).
  // VERSION: torch.__version__ ("2.11.0+cu130"). Throws kcpp::Error naming the library and
  // the loader's message.
  static TorchRuntime& load(const std::filesystem::path& torch_dir, const std::string& version);
  // Whether load() succeeded in this process.
  static bool loaded();

  // Opens a kernel library (registers its ops). Throws kcpp::Error with the loader's message.
  void load_library(const std::filesystem::path& so);

  // torch's current CUDA stream on DEVICE (the stream ops launch on).
  void* current_cuda_stream(int device) const;

  // An owning tensor handle over memory the caller owns (torch never frees it).
  class Tensor {
   public:
    Tensor() = default;
    Tensor(const TorchRuntime* rt, AtenTensorHandle h) : rt_(rt), h_(h) {}
    ~Tensor();
    Tensor(Tensor&& o) noexcept : rt_(o.rt_), h_(o.h_) { o.h_ = nullptr; }
    Tensor& operator=(Tensor&& o) noexcept;
    Tensor(const Tensor&) = delete;
    Tensor& operator=(const Tensor&) = delete;
    AtenTensorHandle get() const noexcept { return h_; }
    // A new owning handle to the same tensor, for a call stack (the call consumes it).
    AtenTensorHandle share() const;

   private:
    const TorchRuntime* rt_ = nullptr;
    AtenTensorHandle h_ = nullptr;
  };

  Tensor from_blob(void* data, DType dt, const std::vector<std::int64_t>& sizes,
                   const std::vector<std::int64_t>& strides, int device) const;
  // Takes ownership of a handle a call returned.
  Tensor adopt(AtenTensorHandle h) const { return Tensor(this, h); }
  void* data_ptr(AtenTensorHandle h) const;

  // Calls the op QUALIFIED ("ns::name") with STACK (one slot per schema argument). With
  // CAPTURE, stderr is captured during the call so a failure carries torch's message
  // (and successful calls' warnings are dropped); without, torch prints it. nullopt = success.
  std::optional<CallFailure> call(const std::string& qualified, const std::string& overload, StableIValue* stack,
                                  bool capture) const;

  const std::string& version() const noexcept { return version_; }
  const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  TorchRuntime() = default;
  void resolve_symbols();
  void release(AtenTensorHandle h) const noexcept;

  std::filesystem::path dir_;
  std::string version_;
  std::uint64_t abi_version_ = 0;

  // Shim entry points (torch's C ABI: int32_t error codes, 0 = success).
  int32_t (*dtype_f32_)() = nullptr;
  int32_t (*dtype_f16_)() = nullptr;
  int32_t (*dtype_bf16_)() = nullptr;
  int32_t (*device_cuda_)() = nullptr;
  int32_t (*from_blob_)(void*, std::int64_t, const std::int64_t*, const std::int64_t*, std::int64_t, int32_t, int32_t,
                        int32_t, AtenTensorHandle*) = nullptr;
  int32_t (*new_handle_)(AtenTensorHandle, AtenTensorHandle*) = nullptr;
  int32_t (*delete_handle_)(AtenTensorHandle) = nullptr;
  int32_t (*data_ptr_)(AtenTensorHandle, void**) = nullptr;
  int32_t (*call_v2_)(const char*, const char*, StableIValue*, std::uint64_t) = nullptr;
  int32_t (*call_v1_)(const char*, const char*, StableIValue*) = nullptr;
  int32_t (*current_stream_)(int32_t, void**) = nullptr;
  const char* (*last_error_)() = nullptr;  // torch >= 2.13: torch_exception_get_what_without_backtrace
};

}  // namespace kcpp::bench
