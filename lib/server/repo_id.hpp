#pragma once
// Repository identity for kernels-hub: a repo type (kernel | model) plus a validated
// `namespace/name`. A RepoId can only be obtained through RepoId::parse, so every RepoId in
// the program satisfies the Hub's naming rules; storage code builds file-system paths from
// RepoIds only, never from raw strings taken off the wire or the command line.
#include <optional>
#include <string>
#include <string_view>

#include "hub/types.hpp"

namespace kcpp::server {

// Repo types, their URL segments and the repo-id rules are the Hub's wire vocabulary,
// defined once in hub/types.hpp and shared with the client.
using hub::api_segment;
using hub::parse_repo_type;
using hub::repo_id_problem;
using hub::repo_type_from_api_segment;
using hub::RepoType;
using hub::type_name;
using hub::url_prefix;

class RepoId {
 public:
  // Throws kcpp::Error(usage) with the rule that ID breaks.
  static RepoId parse(RepoType type, std::string_view id);

  RepoType type() const noexcept { return type_; }
  const std::string& ns() const noexcept { return ns_; }
  const std::string& name() const noexcept { return name_; }
  // "ns/name"
  std::string str() const { return ns_ + "/" + name_; }
  // "kernels/ns/name": unambiguous across types, for messages and logs.
  std::string display() const;

  friend bool operator==(const RepoId&, const RepoId&) = default;

 private:
  RepoId(RepoType type, std::string ns, std::string name) : type_(type), ns_(std::move(ns)), name_(std::move(name)) {}
  RepoType type_;
  std::string ns_;
  std::string name_;
};

}  // namespace kcpp::server
