// lib/bench/device.hpp without CUDA: the build had no CUDA compiler (KCPP_BENCH_CUDA unset).
// Every call says so; `kernels benchmark` turns that into "built without CUDA support".
#include "bench/device.hpp"

#ifndef KCPP_BENCH_CUDA

namespace kcpp::bench::device {

namespace {
[[noreturn]] void not_built() { throw CudaError(kErrNotBuilt, "this kernels binary was built without CUDA support"); }
}  // namespace

bool compiled_with_cuda() { return false; }
DeviceInfo open_device(int) { not_built(); }
std::uint64_t free_memory() { not_built(); }
std::vector<std::string> reference_op_names() { not_built(); }
Stream create_stream() { not_built(); }
void destroy_stream(Stream) noexcept {}
void synchronize(Stream) { not_built(); }
Buffer::Buffer(std::uint64_t) { not_built(); }
Buffer::~Buffer() = default;
Buffer::Buffer(Buffer&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) { o.ptr_ = nullptr; }
Buffer& Buffer::operator=(Buffer&& o) noexcept {
  ptr_ = o.ptr_;
  bytes_ = o.bytes_;
  o.ptr_ = nullptr;
  return *this;
}
void fill_uniform(void*, DType, std::uint64_t, std::uint64_t, float, float, Stream) { not_built(); }
void poison(void*, std::uint64_t, Stream) { not_built(); }
void memset_async(void*, int, std::uint64_t, Stream) { not_built(); }
void copy_async(void*, const void*, std::uint64_t, Stream) { not_built(); }
void launch_reference(int, DType, void*, const void*, std::int64_t, std::int64_t, float, Stream) { not_built(); }
CompareResult compare(DType, const void*, const void*, std::uint64_t, double, double, Stream) { not_built(); }
double element(DType, const void*, std::uint64_t) { not_built(); }
void spin(Stream, double) { not_built(); }
Events::Events(int) { not_built(); }
Events::~Events() = default;
void Events::record(int, Stream) { not_built(); }
double Events::elapsed_ms(int, int) const { not_built(); }

}  // namespace kcpp::bench::device

#endif  // KCPP_BENCH_CUDA
