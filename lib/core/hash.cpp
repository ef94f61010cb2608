#include "core/hash.hpp"

#include <openssl/evp.h>

#include "core/error.hpp"

namespace kcpp::hash {

struct Hasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(Algorithm alg) : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  const EVP_MD* md = alg == Algorithm::sha1 ? EVP_sha1() : EVP_sha256();
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, md, nullptr) != 1)
    throw Error(ErrorKind::failure, "OpenSSL digest initialisation failed");
}
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(std::string_view bytes) {
  EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size());
}

std::string Hasher::finish_raw() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Hasher::finish_hex() { return to_hex(finish_raw()); }

std::string to_hex(std::string_view raw) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) throw Error(ErrorKind::parse, "odd-length hex string: " + std::string(hex));
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = val(hex[i]), lo = val(hex[i + 1]);
    if (hi < 0 || lo < 0) throw Error(ErrorKind::parse, "not a hex string: " + std::string(hex));
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  Hasher h(Algorithm::sha256);
  h.update(bytes);
  return h.finish_hex();
}

std::string sha1_hex(std::string_view bytes) {
  Hasher h(Algorithm::sha1);
  h.update(bytes);
  return h.finish_hex();
}

std::string git_blob_id(std::string_view content) {
  Hasher h(Algorithm::sha1);
  h.update("blob " + std::to_string(content.size()));
  h.update(std::string_view("\0", 1));
  h.update(content);
  return h.finish_hex();
}

}  // namespace kcpp::hash
