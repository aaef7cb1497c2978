#include "core/secret.h"

#include "core/file_util.h"

namespace sharc {

StatusOr<std::string> ReadSecretFile(const std::string& path, std::string_view what) {
  SHARC_ASSIGN_OR_RETURN(std::string secret, ReadFile(path, 4096));
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.size() < 16) {
    return InvalidArgumentError(path + ": the " + std::string(what) +
                                " must be at least 16 characters");
  }
  return secret;
}

bool SecretsEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    differ |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return differ == 0;
}

}  // namespace sharc
