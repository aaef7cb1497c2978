// Files kept for reuse, so that rewriting a small record file (temporary file, fsync,
// rename) takes an existing inode instead of allocating one and freeing the one it replaces.
// Allocating inodes costs the file system more the more were freed recently (ext4 without a
// journal scans for inodes not deleted recently): the agent's journal writes two records and
// removes one per job.
//
// A spare is a plain file in its own directory, with one link: its contents are stale and
// meaningless. Open discards any spare with more than one link (an agent that stopped between
// KeepLinkTo and the rename that should have followed it), so a spare never shares its inode
// with a live record. Not thread-safe.
#ifndef SHARC_AGENT_SPARE_FILES_H_
#define SHARC_AGENT_SPARE_FILES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace sharc::agent {

class SpareFiles {
 public:
  // Spares live in `dir` (made with mode 0700 if needed); at most `max_spares` are kept, the
  // rest are unlinked. Errors: Internal when `dir` cannot be made or listed.
  static StatusOr<SpareFiles> Open(const std::string& dir, size_t max_spares);

  // Renames a spare to `path` (replacing what is there); false when there is none or the
  // rename fails (then nothing changed at `path` and the caller writes a new file).
  bool MoveTo(const std::string& path);
  // Keeps the file now at `path` as a spare, under another name (a rename): true if it did;
  // false, and `path` left alone, when the pool is full or the rename fails.
  bool Take(const std::string& path);
  // Keeps the file at `path`, which stays, as a spare too (a hard link): for the version of
  // a record that the caller is about to rename something over. The caller calls Forget
  // with the result if it does not go on with that rename. Returns the spare's name, or ""
  // when none was made (no file at `path`, the pool is full, or link failed).
  std::string LinkFrom(const std::string& path);
  // Drops the spare `name` (from LinkFrom): unlinked and forgotten.
  void Forget(const std::string& name);

  size_t size() const { return spares_.size(); }

 private:
  SpareFiles(std::string dir, size_t max_spares) : dir_(std::move(dir)), max_(max_spares) {}
  std::string NewName();

  std::string dir_;
  size_t max_;
  std::vector<std::string> spares_;  // paths
  uint64_t next_ = 0;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_SPARE_FILES_H_
