#include "hub/client_factory.hpp"

#include "hub/settings.hpp"

namespace kcpp::hub {

HubClient client_from_env(const UserAgentFacts& facts) {
  auto settings = settings_from_env();
  settings.user_agent = user_agent(facts, telemetry_disabled_from_env());
  return HubClient(std::move(settings));
}

}  // namespace kcpp::hub
