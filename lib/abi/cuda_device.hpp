#pragma once
// The GPUs of this machine, asked of the CUDA driver (libcuda.so.1, opened with dlopen so
// that the tools neither link against nor require it): name and compute capability per
// device. No driver, no device or an initialisation error is an answer too (`reason`),
// never an exception: `kernels check` reports it and goes on.
#include <string>
#include <vector>

#include "abi/fatbin.hpp"

namespace kcpp::abi {

struct CudaDevice {
  int index = 0;
  std::string name;
  ComputeCapability capability;
};

struct CudaProbe {
  bool driver_loaded = false;
  int driver_version = 0;  // cuDriverGetVersion, e.g. 13000
  std::vector<CudaDevice> devices;
  std::string reason;  // why there are no devices ("libcuda.so.1 not found", "cuInit failed: 100")
};

// Probes once per call (cheap: dlopen + a few driver calls). KCPP_CUDA_DEVICE_CC="9.0"
// (tests, or asking about another GPU) replaces the probe with one synthetic device.
CudaProbe probe_cuda_devices();

}  // namespace kcpp::abi
