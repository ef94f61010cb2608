#include "abi/cuda_device.hpp"

#include <dlfcn.h>

#include <string_view>

#include "core/env.hpp"

namespace kcpp::abi {

namespace {

// Driver API entry points used (cuda.h; all return CUresult, 0 = CUDA_SUCCESS).
using CuInit = int (*)(unsigned);
using CuDriverGetVersion = int (*)(int*);
using CuDeviceGetCount = int (*)(int*);
using CuDeviceGet = int (*)(int*, int);
using CuDeviceGetName = int (*)(char*, int, int);
using CuDeviceGetAttribute = int (*)(int*, int, int);
constexpr int kAttrCapabilityMajor = 75;  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
constexpr int kAttrCapabilityMinor = 76;  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR

template <class F>
F sym(void* handle, const char* name) {
  return reinterpret_cast<F>(dlsym(handle, name));
}

bool parse_cc(std::string_view s, ComputeCapability& cc) {
  const auto dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= s.size()) return false;
  try {
    cc.major = std::stoi(std::string(s.substr(0, dot)));
    cc.minor = std::stoi(std::string(s.substr(dot + 1)));
  } catch (const std::exception&) {
    return false;
  }
  return cc.major >= 0 && cc.minor >= 0;
}

}  // namespace

CudaProbe probe_cuda_devices() {
  CudaProbe out;
  if (const auto fake = env::get_nonempty("KCPP_CUDA_DEVICE_CC")) {
    CudaDevice d;
    if (parse_cc(*fake, d.capability)) {
      d.name = "KCPP_CUDA_DEVICE_CC=" + *fake;
      out.driver_loaded = true;
      out.devices.push_back(d);
    } else {
      out.reason = "KCPP_CUDA_DEVICE_CC is not MAJOR.MINOR: " + *fake;
    }
    return out;
  }
  // The handle stays open for the life of the process: unloading a CUDA driver after
  // cuInit is not supported.
  void* handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    out.reason = "no CUDA driver (libcuda.so.1 not found)";
    return out;
  }
  out.driver_loaded = true;
  auto init = sym<CuInit>(handle, "cuInit");
  auto version = sym<CuDriverGetVersion>(handle, "cuDriverGetVersion");
  auto count = sym<CuDeviceGetCount>(handle, "cuDeviceGetCount");
  auto get = sym<CuDeviceGet>(handle, "cuDeviceGet");
  auto name = sym<CuDeviceGetName>(handle, "cuDeviceGetName");
  auto attr = sym<CuDeviceGetAttribute>(handle, "cuDeviceGetAttribute");
  if (!init || !count || !get || !attr) {
    out.reason = "libcuda.so.1 lacks the driver API entry points";
    return out;
  }
  if (version) version(&out.driver_version);
  if (int rc = init(0); rc != 0) {
    out.reason = "cuInit failed (CUresult " + std::to_string(rc) + (rc == 100 ? ": no CUDA-capable device)" : ")");
    return out;
  }
  int n = 0;
  if (int rc = count(&n); rc != 0) {
    out.reason = "cuDeviceGetCount failed (CUresult " + std::to_string(rc) + ")";
    return out;
  }
  for (int i = 0; i < n; ++i) {
    int dev = 0;
    CudaDevice d;
    d.index = i;
    if (get(&dev, i) != 0) continue;
    if (attr(&d.capability.major, kAttrCapabilityMajor, dev) != 0) continue;
    if (attr(&d.capability.minor, kAttrCapabilityMinor, dev) != 0) continue;
    char buf[256] = {};
    if (name && name(buf, sizeof buf - 1, dev) == 0) d.name = buf;
    out.devices.push_back(d);
  }
  if (out.devices.empty()) out.reason = "the CUDA driver reports no usable device";
  return out;
}

}  // namespace kcpp::abi
