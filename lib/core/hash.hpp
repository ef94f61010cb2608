#pragma once
// Streaming SHA-256 / SHA-1 over OpenSSL EVP, and git object ids.
#include <cstdint>
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

// splitmix64's finaliser: a well-mixed 64-bit value from any input (seeded, reproducible
// decisions: benchmark data, random fault injection). Not cryptographic. lib/bench/cuda has
// a __device__ twin (mix64) that nvcc code cannot take from here.
constexpr std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace kcpp::hash
