#pragma once
// metadata.json's `digest` (upstream: kernels-data/src/digest.rs, kernels-data digest.rs): per-file
// standard base64 of the SHA-256 or SHA-512 of every file of the variant, except the
// top-level metadata.json and metadata.json.sigstore, anything under a __pycache__
// directory and *.pyc files; keys are "/"-separated paths relative to the variant.
// validate() reports upstream's violation kinds, in upstream's order, with its messages.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kcpp::check {

enum class DigestAlgorithm { sha256, sha512 };

// "sha256"/"sha512" (metadata spelling); nullopt otherwise.
std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view s);
// "SHA256"/"SHA512" (upstream's Debug spelling in messages).
std::string_view digest_algorithm_debug(DigestAlgorithm a);

struct Digest {
  DigestAlgorithm algorithm = DigestAlgorithm::sha256;
  std::map<std::string, std::string> files;  // rel path → base64 hash, ordered like a BTreeMap
};

struct DigestViolation {
  enum class Kind { missing_file, unknown_file, hash_mismatch, algorithm_mismatch };
  Kind kind = Kind::missing_file;
  std::string path;
  std::string expected, got;  // hashes, or the algorithms' Debug names
  // upstream's Display: "Missing file: p", "Unknown file: p",
  // "File hash mismatch for p: expected: e, got: g", "Algorithm mismatch: expected: SHA256, got: SHA512".
  std::string message() const;
};

// Whether REL (path inside the variant) is left out of the digest.
bool excluded_from_digest(std::string_view rel);

// Standard base64 with padding.
std::string base64(std::string_view raw);

// base64 of the hash of the file at PATH; throws kcpp::Error(io).
std::string hash_file_base64(const std::filesystem::path& path, DigestAlgorithm algorithm);

// Every way ACTUAL deviates from EXPECTED: the algorithm first, then EXPECTED's files in
// path order (missing or different), then files only in ACTUAL (in path order).
std::vector<DigestViolation> validate_digest(const Digest& expected, const Digest& actual);

}  // namespace kcpp::check
