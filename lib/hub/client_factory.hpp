#pragma once
// The Hub client every command uses: settings from the environment (HF_ENDPOINT, HF_TOKEN,
// offline mode, timeouts, limits) and a User-Agent that tells the Hub this machine's backend,
// platform, torch, tvm-ffi and glibc, as the Python `kernels` does (unless telemetry is
// disabled). The facts come from the system probe: variant::user_agent_facts(system).
#include "hub/client.hpp"
#include "hub/user_agent.hpp"

namespace kcpp::hub {

HubClient client_from_env(const UserAgentFacts& facts);

}  // namespace kcpp::hub
