#pragma once
// Repository identity for kernels-hub: a repo type (kernel | model) plus a validated
// `namespace/name`. A RepoId can only be obtained through RepoId::parse, so every RepoId in
// the program satisfies the Hub's naming rules; storage code builds file-system paths from
// RepoIds only, never from raw strings taken off the wire or the command line.
#include <optional>
#include <string>
#include <string_view>

namespace kcpp::server {

enum class RepoType { kernel, model };

// "kernels" / "models": the plural used in `/api/{T}/…` routes and in the storage layout.
std::string_view api_segment(RepoType type);
// "kernels/" / "": the prefix of file URLs (`/{prefix}{ns}/{name}/resolve/…`).
std::string_view url_prefix(RepoType type);
// "kernel" / "model": the `repoType` value of the info endpoint and the CLI's --type.
std::string_view type_name(RepoType type);
// Inverse of api_segment; nullopt for anything else (datasets/spaces are not served).
std::optional<RepoType> repo_type_from_api_segment(std::string_view segment);
// Inverse of type_name; throws kcpp::Error(usage) naming the accepted values.
RepoType parse_repo_type(std::string_view name);

// Why ID is not a valid Hub repo id (`namespace/name`), or an empty string when it is.
// Rules (huggingface_hub's validate_repo_id plus a mandatory namespace): exactly one `/`;
// each part 1–96 characters from [A-Za-z0-9_.-], starting and ending with a letter, digit
// or `_`; no `--` and no `..` anywhere.
std::string repo_id_problem(std::string_view id);

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
