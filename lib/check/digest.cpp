#include "check/digest.hpp"

#include <fmt/core.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "core/error.hpp"

namespace kcpp::check {

std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view s) {
  if (s == "sha256") return DigestAlgorithm::sha256;
  if (s == "sha512") return DigestAlgorithm::sha512;
  return std::nullopt;
}

std::string_view digest_algorithm_debug(DigestAlgorithm a) {
  return a == DigestAlgorithm::sha256 ? "SHA256" : "SHA512";
}

std::string DigestViolation::message() const {
  switch (kind) {
    case Kind::missing_file:
      return "Missing file: " + path;
    case Kind::unknown_file:
      return "Unknown file: " + path;
    case Kind::hash_mismatch:
      return fmt::format("File hash mismatch for {}: expected: {}, got: {}", path, expected, got);
    case Kind::algorithm_mismatch:
      return fmt::format("Algorithm mismatch: expected: {}, got: {}", expected, got);
  }
  return {};
}

bool excluded_from_digest(std::string_view rel) {
  if (rel == "metadata.json" || rel == "metadata.json.sigstore") return true;
  for (std::size_t start = 0;;) {
    const auto slash = rel.find('/', start);
    if (rel.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start) == "__pycache__")
      return true;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  // Path::extension: ".pyc" alone is a stem, not an extension.
  const auto slash = rel.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  return base.size() > 4 && base.substr(base.size() - 4) == ".pyc";
}

std::string base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string hash_file_base64(const std::filesystem::path& path, DigestAlgorithm algorithm) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::io, fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const EVP_MD* md = algorithm == DigestAlgorithm::sha256 ? EVP_sha256() : EVP_sha512();
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1)
    throw Error(ErrorKind::failure, "OpenSSL digest init failed");
  std::string buf(1 << 16, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw Error(ErrorKind::io, fmt::format("cannot read {}", path.string()));
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), out, &len);
  return base64(std::string_view(reinterpret_cast<const char*>(out), len));
}

std::vector<DigestViolation> validate_digest(const Digest& expected, const Digest& actual) {
  using K = DigestViolation::Kind;
  std::vector<DigestViolation> out;
  if (expected.algorithm != actual.algorithm)
    out.push_back({K::algorithm_mismatch,
                   {},
                   std::string(digest_algorithm_debug(expected.algorithm)),
                   std::string(digest_algorithm_debug(actual.algorithm))});
  for (const auto& [path, hash] : expected.files) {
    auto it = actual.files.find(path);
    if (it == actual.files.end())
      out.push_back({K::missing_file, path, {}, {}});
    else if (it->second != hash)
      out.push_back({K::hash_mismatch, path, hash, it->second});
  }
  for (const auto& [path, hash] : actual.files)
    if (!expected.files.count(path)) out.push_back({K::unknown_file, path, {}, {}});
  return out;
}

}  // namespace kcpp::check
