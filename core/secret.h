// Shared secrets kept in files (the agents' join secret, the metrics scrape token): how they are
// read and compared.
#ifndef SHARC_CORE_SECRET_H_
#define SHARC_CORE_SECRET_H_

#include <string>
#include <string_view>

#include "core/status.h"

namespace sharc {

// Reads the secret in `path` (trailing newlines dropped). InvalidArgument, naming the file and
// `what` it holds, if it is shorter than 16 characters; the error of reading it otherwise.
StatusOr<std::string> ReadSecretFile(const std::string& path, std::string_view what);

// a == b, in a time that depends only on their lengths: for comparing a presented secret.
bool SecretsEqual(std::string_view a, std::string_view b);

}  // namespace sharc

#endif  // SHARC_CORE_SECRET_H_
