#include "agent/job_dir_retention.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>

#include "agent/attempt_setup.h"
#include "core/log.h"
#include "core/units.h"

namespace sharc::agent {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

// Expired attempts removed per sweep: a backlog (a first start with retention on a node that
// kept everything) is worked off a second at a time instead of holding the event loop.
constexpr int kMaxRemovalsPerSweep = 512;
constexpr std::chrono::milliseconds kMinSweepInterval{1000};
constexpr std::chrono::milliseconds kMaxSweepInterval{10 * 60 * 1000};

// The modification time of `path` (not following a symlink), or nullopt if there is none.
std::optional<UnixMillis> ModifiedAt(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<UnixMillis>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

// The sizes of the regular files under `dir` (symlinks not followed).
int64_t TreeBytes(const std::string& dir) {
  int64_t bytes = 0;
  std::error_code error;
  if (!fs::is_directory(fs::symlink_status(dir, error))) return 0;
  for (auto it = fs::recursive_directory_iterator(dir, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    std::error_code ignored;
    if (it->is_regular_file(ignored) && !it->is_symlink(ignored)) {
      bytes += static_cast<int64_t>(it->file_size(ignored));
    }
  }
  return bytes;
}

// Names of the form <job>.<attempt> in `dir` whose attempts are not in `in_use`.
void CollectUnused(const std::string& dir, const std::set<AttemptId>& in_use,
                   std::set<std::string>* names) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    std::string name = entry.path().filename().string();
    std::optional<AttemptId> id = ParseAttemptDirName(name);
    if (id && !in_use.contains(*id)) names->insert(std::move(name));
  }
}

// "7d", "36h", "90m", "45s", "1500ms": the largest unit the duration is a whole number of.
std::string FormatKeepFor(std::chrono::milliseconds keep_for) {
  int64_t ms = keep_for.count();
  for (auto [unit, suffix] : {std::pair<int64_t, const char*>{86'400'000, "d"},
                              {3'600'000, "h"},
                              {60'000, "m"},
                              {1'000, "s"}}) {
    if (ms > 0 && ms % unit == 0) return std::to_string(ms / unit) + suffix;
  }
  return std::to_string(ms) + "ms";
}

}  // namespace

JobDirSweep SweepJobDirs(const std::string& state_dir, std::chrono::milliseconds keep_for,
                         UnixMillis now, const std::set<AttemptId>& in_use, int max_removals) {
  JobDirSweep sweep;
  std::set<std::string> names;
  CollectUnused(state_dir + "/jobs", in_use, &names);
  CollectUnused(state_dir + "/status", in_use, &names);
  for (const std::string& name : names) {
    const std::string dir = state_dir + "/jobs/" + name;
    const std::string status = state_dir + "/status/" + name;
    // The age is the status file's (see the header); one that ended without one gets an empty
    // one now.
    std::optional<UnixMillis> ended = ModifiedAt(status);
    if (!ended) {
      int fd = ::open(status.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd >= 0) ::close(fd);
      continue;
    }
    if (now - *ended <= keep_for.count()) continue;
    if (sweep.removed >= max_removals) {
      sweep.more = true;
      break;
    }
    int64_t bytes = TreeBytes(dir);
    std::error_code error;
    fs::remove_all(dir, error);
    if (!error && ::unlink(status.c_str()) != 0 && errno != ENOENT) {
      error = std::error_code(errno, std::generic_category());
    }
    if (error) {
      if (sweep.error.empty()) sweep.error = "cannot remove " + dir + ": " + error.message();
      continue;
    }
    ++sweep.removed;
    sweep.freed_bytes += bytes;
  }
  return sweep;
}

class JobDirRetention::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, std::string state_dir, std::chrono::milliseconds keep_for,
       const Clock& clock, std::function<std::set<AttemptId>()> in_use)
      : state_dir_(std::move(state_dir)),
        keep_for_(keep_for),
        clock_(clock),
        in_use_(std::move(in_use)),
        timer_(io) {}

  void Sweep() {
    if (stopped_) return;
    JobDirSweep sweep =
        SweepJobDirs(state_dir_, keep_for_, clock_.WallMillis(), in_use_(), kMaxRemovalsPerSweep);
    if (sweep.removed > 0) {
      LogInfo("agent", "removed the files of " + std::to_string(sweep.removed) +
                           " attempt(s) that ended more than " + FormatKeepFor(keep_for_) +
                           " ago (output_keep_for), freeing " + FormatSize(sweep.freed_bytes));
    }
    if (!sweep.error.empty()) LogWarning("agent", sweep.error);
    auto interval = std::clamp(keep_for_ / 10, kMinSweepInterval, kMaxSweepInterval);
    timer_.expires_after(sweep.more ? kMinSweepInterval : interval);
    std::weak_ptr<Impl> weak = weak_from_this();
    timer_.async_wait([weak](const boost::system::error_code& error) {
      if (auto self = weak.lock(); self && !error) self->Sweep();
    });
  }

  void Stop() {
    stopped_ = true;
    timer_.cancel();
  }

  std::string GoneMessage() const {
    return "the node has no output of it: an ended job's files are removed " +
           FormatKeepFor(keep_for_) +
           " after it ended (output_keep_for in the agent's config), and a job whose launch "
           "failed may have written none";
  }

 private:
  const std::string state_dir_;
  const std::chrono::milliseconds keep_for_;
  const Clock& clock_;
  const std::function<std::set<AttemptId>()> in_use_;
  asio::steady_timer timer_;
  bool stopped_ = false;
};

JobDirRetention::JobDirRetention(asio::io_context& io, std::string state_dir,
                                 std::chrono::milliseconds keep_for, const Clock& clock,
                                 std::function<std::set<AttemptId>()> in_use)
    : impl_(std::make_shared<Impl>(io, std::move(state_dir), keep_for, clock, std::move(in_use))) {}

JobDirRetention::~JobDirRetention() { impl_->Stop(); }

void JobDirRetention::Start() { impl_->Sweep(); }

void JobDirRetention::Stop() { impl_->Stop(); }

std::string JobDirRetention::GoneMessage() const { return impl_->GoneMessage(); }

}  // namespace sharc::agent
