#include "scheduler/auth.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>

namespace sharc::scheduler {

std::string_view RoleName(const Principal& who) {
  switch (who.role) {
    case Principal::Role::kAdmin:
      return "admin";
    case Principal::Role::kOperator:
      return "operator";
    case Principal::Role::kAuditor:
      return "auditor";
    case Principal::Role::kTenant:
      break;
  }
  return TokenRoleName(who.token_role);
}

std::optional<Principal::Role> ParseStaffRole(std::string_view name) {
  if (name == "admin") return Principal::Role::kAdmin;
  if (name == "operator") return Principal::Role::kOperator;
  if (name == "auditor") return Principal::Role::kAuditor;
  return std::nullopt;
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
