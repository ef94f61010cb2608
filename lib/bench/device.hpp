#pragma once
// The GPU side of `kernels benchmark`: device discovery, buffers, input generation,
// poisoning, the reference kernels (cuda/activation/activation_cuda/activation_kernels.cuh),
// an element-by-element comparison on the GPU, and CUDA-event timing.
//
// Implemented by lib/bench/cuda/device.cu (nvcc, linked with the static CUDA runtime, which
// opens libcuda.so.1 only when first called: the `kernels` binary runs without a driver) or,
// in a build without a CUDA compiler, by device_stub.cpp, whose calls throw CudaError
// "built without CUDA support". C++17 and free of CUDA headers: streams are void*.
//
// Errors are CudaError (the cudaError_t value and its name and text); callers turn them into
// kcpp::Error with hints. Pointers are device pointers unless stated otherwise.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/dtype.hpp"

namespace kcpp::bench::device {

// cudaError_t values the caller explains (stable across CUDA versions).
inline constexpr int kErrInsufficientDriver = 35;
inline constexpr int kErrNoDevice = 100;
inline constexpr int kErrStubLibrary = 34;
inline constexpr int kErrNotBuilt = -1;  // this build has no CUDA support

class CudaError : public std::runtime_error {
 public:
  CudaError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

// Whether this build has the CUDA part (false: every call below throws kErrNotBuilt).
bool compiled_with_cuda();

struct DeviceInfo {
  int index = 0;
  std::string name;
  int cc_major = 0, cc_minor = 0, sm_count = 0;
  std::uint64_t l2_bytes = 0, total_bytes = 0;
  int driver_version = 0, runtime_version = 0;
};

// Makes device INDEX current and describes it.
DeviceInfo open_device(int index);

std::uint64_t free_memory();

// The reference kernels' op names in kcpp::activation::Op order (checked against kOps).
std::vector<std::string> reference_op_names();

using Stream = void*;  // cudaStream_t
Stream create_stream();
void destroy_stream(Stream s) noexcept;
// Waits for S; throws the first asynchronous error (a kernel fault poisons the context).
void synchronize(Stream s);

// An owned device allocation (cudaMalloc / cudaFree).
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::uint64_t bytes);
  ~Buffer();
  Buffer(Buffer&& o) noexcept;
  Buffer& operator=(Buffer&& o) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  unsigned char* get() const noexcept { return static_cast<unsigned char*>(ptr_); }
  std::uint64_t bytes() const noexcept { return bytes_; }

 private:
  void* ptr_ = nullptr;
  std::uint64_t bytes_ = 0;
};

// N elements of DT, uniform in [lo, hi), from a counter-based hash of (SEED, index).
void fill_uniform(void* p, DType dt, std::uint64_t n, std::uint64_t seed, float lo, float hi, Stream s);
// 0xFF bytes: NaN in fp32, fp16 and bf16, so an element the kernel does not write fails.
void poison(void* p, std::uint64_t bytes, Stream s);
void memset_async(void* p, int value, std::uint64_t bytes, Stream s);
void copy_async(void* dst, const void* src, std::uint64_t bytes, Stream s);

// kcpp::activation::launch(op, dt, out, in, rows, d, s, threshold) for the op at index OP.
void launch_reference(int op, DType dt, void* out, const void* in, std::int64_t rows, std::int64_t d, float threshold,
                      Stream s);

struct CompareResult {
  std::uint64_t mismatches = 0, nonfinite = 0;
  double max_abs = 0, max_rel = 0, worst = 0;
  std::int64_t first_index = -1;  // first element outside tolerance
};

// Every element of GOT against WANT (N elements of DT), on the GPU; synchronizes S.
CompareResult compare(DType dt, const void* got, const void* want, std::uint64_t n, double rtol, double atol, Stream s);

// Element I of a device array of DT, as double (a synchronous copy of one element).
double element(DType dt, const void* p, std::uint64_t i);

// Keeps S busy for about MICROSECONDS (a spinning kernel), so that the launches queued
// behind it run back to back: event timings then measure the GPU, not the host's enqueueing.
void spin(Stream s, double microseconds);

// N timing events (cudaEvent_t).
class Events {
 public:
  explicit Events(int n);
  ~Events();
  Events(const Events&) = delete;
  Events& operator=(const Events&) = delete;
  void record(int i, Stream s);
  // Milliseconds between events A and B (both completed).
  double elapsed_ms(int a, int b) const;

 private:
  std::vector<void*> ev_;
};

}  // namespace kcpp::bench::device
