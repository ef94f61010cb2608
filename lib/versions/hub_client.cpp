#include "versions/hub_client.hpp"

#include "hub/settings.hpp"
#include "hub/user_agent.hpp"

namespace kcpp::versions {

hub::HubClient hub_client_for(const variant::System& system) {
  auto settings = hub::settings_from_env();
  hub::UserAgentFacts facts;
  facts.backend = system.backend.variant_str();
  facts.platform = system.cpu + "-" + system.os;
  facts.torch = system.torch_version_full;
  facts.tvm_ffi = system.tvm_ffi_version_full;
  facts.glibc = hub::glibc_version();
  settings.user_agent = hub::user_agent(facts, hub::telemetry_disabled_from_env());
  return hub::HubClient(std::move(settings));
}

}  // namespace kcpp::versions
