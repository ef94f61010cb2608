#pragma once
// Streaming SHA-256 / SHA-1 over OpenSSL EVP, and git object ids.
#include <memory>
#include <string>
#include <string_view>

namespace kcpp::hash {

enum class Algorithm { sha1, sha256 };

class Hasher {
 public:
  explicit Hasher(Algorithm alg);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  void update(std::string_view bytes);
  // Finishes and returns the raw digest bytes; the hasher cannot be updated afterwards.
  std::string finish_raw();
  std::string finish_hex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(std::string_view bytes);
std::string sha1_hex(std::string_view bytes);
// Git blob id: sha1("blob <len>\0" + content).
std::string git_blob_id(std::string_view content);
std::string to_hex(std::string_view raw);
// Hex → raw bytes; throws kcpp::Error(parse) on a non-hex string.
std::string from_hex(std::string_view hex);

}  // namespace kcpp::hash
