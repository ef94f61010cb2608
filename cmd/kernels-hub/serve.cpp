// kernels-hub serve
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "core/error.hpp"
#include "server/fault_injection.hpp"
#include "server/hub_server.hpp"

namespace kcpp::hub_cli {

Runner add_serve(CLI::App& app) {
  auto opts = std::make_shared<server::ServeOptions>();
  auto root = std::make_shared<std::string>();
  auto request_log = std::make_shared<std::string>();
  auto injects = std::make_shared<std::vector<std::string>>();
  auto lfs_url = std::make_shared<std::string>();
  auto public_url = std::make_shared<std::string>();
  auto fault_rules = std::make_shared<std::vector<std::string>>();
  auto fault_log = std::make_shared<std::string>();

  auto* cmd = app.add_subcommand("serve", "Serve the Hub read API from a storage root until SIGINT/SIGTERM");
  cmd->add_option("--root", *root, "Storage root (created if missing)")->required();
  cmd->add_option("--host", opts->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", opts->port, "Port (0: any free port; the URL is printed on stdout)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--lfs-port", opts->lfs_port, "Port of the LFS object listener (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--public-url", *public_url,
                  "Base URL clients reach the API by, used in Link, commitUrl, ... (default: http://HOST:PORT)");
  cmd->add_option("--lfs-url", *lfs_url, "Base URL for LFS redirects (default: http://PUBLIC_HOST:LFS_PORT)");
  cmd->add_option("--token", opts->tokens, "Accepted bearer token (repeatable)");
  cmd->add_option("--trusted-publisher", opts->trusted_publishers,
                  "Organization marked trustedKernelPublisher in its overview (repeatable)");
  cmd->add_option("--request-log", *request_log, "Append 'METHOD PATH STATUS BYTES' per request to FILE");
  cmd->add_option("--inject", *injects, "Fault injection STATUS[xCOUNT][@ERROR_CODE][:PATH_PREFIX] (repeatable)");
  cmd->add_option("--faults", *fault_rules,
                  "Test faults KIND[=ARG][xCOUNT][@CODE][:PATH_PREFIX] (KIND: STATUS, reset, truncate, stall, "
                  "wrong-etag, corrupt-lfs) or random:seed=S,rate=R[,...] (repeatable; see man kernels-hub)");
  cmd->add_option("--fault-log", *fault_log, "Append 'KIND METHOD PATH' per injected fault to FILE");
  cmd->add_option("--threads", opts->threads, "Workers always running per listener (more start on demand, up to 1024)")
      ->capture_default_str()
      ->check(CLI::Range(2, 1024));
  cmd->add_option("--header-timeout", opts->header_timeout_s,
                  "Seconds a client has to send a request's line and headers (slowloris defence)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--max-connections", opts->max_connections,
                  "Connections served at once, both listeners together; more get 503")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--max-connections-per-ip", opts->max_connections_per_address,
                  "Connections served at once per client address (IPv6: per /64); 0: no limit")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));

  return [opts, root, request_log, injects, lfs_url, public_url, fault_rules, fault_log]() {
    opts->root = *root;
    if (!request_log->empty()) opts->request_log = *request_log;
    if (!lfs_url->empty()) opts->lfs_url = *lfs_url;
    if (!public_url->empty()) opts->public_url = *public_url;
    for (const auto& spec : *injects) opts->faults.push_back(server::parse_fault_spec(spec));
    for (const auto& spec : *fault_rules) {
      if (!server::is_random_faults_spec(spec)) {
        opts->faults.push_back(server::parse_fault_rule(spec));
      } else if (opts->random_faults) {
        throw kcpp::usage_error("--faults: only one random:... spec may be given").hint("merge them into one");
      } else {
        opts->random_faults = server::parse_random_faults(spec);
      }
    }
    if (!fault_log->empty()) opts->fault_log = *fault_log;
    server::HubServer hub(*opts);
    server::serve_until_signal(hub, std::cout);
    return 0;
  };
}

}  // namespace kcpp::hub_cli
