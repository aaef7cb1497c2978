// Small file helpers with errors people can act on ("/etc/sharc/x.json: No such file...").
#ifndef SHARC_CORE_FILE_UTIL_H_
#define SHARC_CORE_FILE_UTIL_H_

#include <string>

#include "core/status.h"

namespace sharc {

// Reads a whole regular file (at most `max_bytes`). NotFound if it does not exist.
StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes = 64 << 20);

// Writes `contents` to `path` through a temporary file (<path>.tmp, overwritten in place if
// it exists), fsync and rename. A new file gets `mode` less the umask; one left at the
// temporary name gets `mode` exactly.
Status WriteFileAtomically(const std::string& path, std::string_view contents, int mode = 0644);

// The directory part of `path`: "/a/b" -> "/a", "/b" -> "/", "b" -> ".".
std::string DirectoryOf(const std::string& path);

// mkdir -p with `mode` for directories it creates.
Status MakeDirectories(const std::string& path, int mode = 0755);

// "Permission denied" for errno.
std::string ErrnoText(int error);

}  // namespace sharc

#endif  // SHARC_CORE_FILE_UTIL_H_
