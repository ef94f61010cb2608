#pragma once
// The Hub client every command uses: settings from the environment (HF_ENDPOINT, HF_TOKEN,
// offline mode, timeouts) and a user agent that tells the Hub this machine's backend, platform,
// torch, tvm-ffi and glibc, as the Python `kernels` does (unless telemetry is disabled).
#include "hub/client.hpp"
#include "variant/system.hpp"

namespace kcpp::versions {

hub::HubClient hub_client_for(const variant::System& system);

}  // namespace kcpp::versions
