#include "agent/spare_files.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/file_util.h"

namespace sharc::agent {

StatusOr<SpareFiles> SpareFiles::Open(const std::string& dir, size_t max_spares) {
  SHARC_RETURN_IF_ERROR(MakeDirectories(dir, 0700).WithPrefix("spare files"));
  SpareFiles spares(dir, max_spares);
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) return InternalError(dir + ": " + ErrnoText(errno));
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(listing)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(listing);
  for (const std::string& name : names) {
    std::string path = dir + "/" + name;
    struct stat st;
    bool usable = ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
                  spares.spares_.size() < max_spares;
    if (usable) {
      spares.spares_.push_back(path);
      uint64_t number = std::strtoull(name.c_str(), nullptr, 10);
      spares.next_ = std::max(spares.next_, number + 1);
    } else {
      ::unlink(path.c_str());
    }
  }
  return spares;
}

std::string SpareFiles::NewName() {
  std::string name;
  do {
    name = dir_ + "/" + std::to_string(next_++);
  } while (std::find(spares_.begin(), spares_.end(), name) != spares_.end());
  return name;
}

bool SpareFiles::MoveTo(const std::string& path) {
  if (spares_.empty()) return false;
  std::string spare = std::move(spares_.back());
  spares_.pop_back();
  if (::rename(spare.c_str(), path.c_str()) == 0) return true;
  ::unlink(spare.c_str());
  return false;
}

bool SpareFiles::Take(const std::string& path) {
  if (spares_.size() >= max_) return false;
  std::string name = NewName();
  if (::rename(path.c_str(), name.c_str()) != 0) return false;
  spares_.push_back(std::move(name));
  return true;
}

std::string SpareFiles::LinkFrom(const std::string& path) {
  if (spares_.size() >= max_) return "";
  std::string name = NewName();
  if (::link(path.c_str(), name.c_str()) != 0) return "";
  spares_.push_back(name);
  return name;
}

void SpareFiles::Forget(const std::string& name) {
  auto it = std::find(spares_.begin(), spares_.end(), name);
  if (it != spares_.end()) spares_.erase(it);
  ::unlink(name.c_str());
}

}  // namespace sharc::agent
