#include "scheduler/auth.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>

namespace sharc::scheduler {

Status AdminsOnly(const Principal& who) {
  if (who.is_admin()) return Status::Ok();
  return PermissionDeniedError("only an admin may do this");
}

namespace {

std::string Hex(const unsigned char* data, size_t length) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (size_t i = 0; i < length; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 15];
  }
  return out;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return Hex(digest, length);
}

std::string NewToken() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();  // no entropy: never hand out a token
  return Hex(bytes, sizeof bytes);
}

}  // namespace sharc::scheduler
