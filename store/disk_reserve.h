// Keeps the scheduler up when the disk under its store fills.
//
// The scheduler applies the changes it cannot refuse (a job ended on a node) in memory before
// they are durable; a full disk holds their commit until space returns
// (Store::CommitWaitingForSpace), and the scheduler acts on them only once they are stored.
// So that a disk filled by something else refuses changes early and rarely holds any:
//   - CheckRoom() refuses the changes people ask for while the filesystem has less than
//     `min_free_bytes` available, before anything changes;
//   - a reserve file of `reserve_bytes` next to the store is given up the first time a commit
//     finds the disk full (Release), so that the commit can be tried again and succeed;
//   - CheckRoom() allocates the reserve again once there is room for it and `min_free_bytes`,
//     so the store recovers by itself when space comes back.
//
// Thread-safe: CheckRoom runs on the scheduler's state thread, Release on the store's writer.
#ifndef SHARC_STORE_DISK_RESERVE_H_
#define SHARC_STORE_DISK_RESERVE_H_

#include <cstdint>
#include <mutex>
#include <string>

#include "core/status.h"

namespace sharc::store {

class DiskReserve {
 public:
  // `reserve_path` is the reserve file; it lives in the directory whose filesystem is
  // checked. `reserve_bytes` 0: no reserve file. Allocates the reserve if there is room, and
  // logs a warning naming store.reserve if there is not.
  DiskReserve(std::string reserve_path, int64_t min_free_bytes, int64_t reserve_bytes);

  // OK while the filesystem has at least min_free_bytes available (or cannot be asked);
  // otherwise Unavailable, naming the directory, what is free and what is needed.
  Status CheckRoom();
  // Deletes the reserve file. True if it held space (so a retry may now succeed).
  bool Release();
  bool held() const;

 private:
  int64_t AvailableBytes() const;  // -1 when statvfs fails
  void AllocateLocked();
  // Logs, once until the reserve is held again, why it is not.
  void WarnNotHeldLocked(const std::string& why);

  const std::string path_;
  const std::string directory_;
  const int64_t min_free_bytes_;
  const int64_t reserve_bytes_;
  mutable std::mutex mu_;
  bool held_ = false;
  bool warned_ = false;
};

}  // namespace sharc::store

#endif  // SHARC_STORE_DISK_RESERVE_H_
