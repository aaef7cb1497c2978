#include "agent/job_dir_retention.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>
#include <utility>

#include "agent/attempt_setup.h"
#include "core/file_util.h"  // ErrnoText
#include "core/log.h"

extern char** environ;

namespace sharc::agent {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

// Attempts removed per sweep: a backlog (a first start with retention on a node that kept
// everything) is worked off a few hundred at a time.
constexpr int kMaxAttemptsPerSweep = 512;
constexpr std::chrono::milliseconds kMinSweepInterval{1000};
constexpr std::chrono::milliseconds kMaxSweepInterval{10 * 60 * 1000};

// The modification time of `path` (not following a symlink), or nullopt if there is none.
std::optional<UnixMillis> ModifiedAt(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<UnixMillis>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

// Names of the form <job>.<attempt> in `dir` whose attempts are not in `in_use`. A directory
// that cannot be read (yet) contributes nothing.
void CollectUnused(const std::string& dir, const std::set<AttemptId>& in_use,
                   std::set<std::string>* names) {
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    std::string name = it->path().filename().string();
    std::optional<AttemptId> id = ParseAttemptDirName(name);
    if (id && !in_use.contains(*id)) names->insert(std::move(name));
  }
}

// The first line of a file (at most 512 bytes), or "" if there is none.
std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  if (line.size() > 512) line.resize(512);
  return line;
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

ExpiredAttempts FindExpiredAttempts(const std::string& state_dir,
                                    std::chrono::milliseconds keep_for, UnixMillis now,
                                    const std::set<AttemptId>& in_use, int max_attempts) {
  ExpiredAttempts expired;
  std::set<std::string> names;
  CollectUnused(state_dir + "/jobs", in_use, &names);
  CollectUnused(state_dir + "/status", in_use, &names);
  for (const std::string& name : names) {
    const std::string status = state_dir + "/status/" + name;
    std::optional<UnixMillis> ended = ModifiedAt(status);
    if (!ended) {
      int fd = ::open(status.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd >= 0) ::close(fd);
      continue;
    }
    if (now - *ended <= keep_for.count()) continue;
    if (expired.attempts >= max_attempts) {
      expired.more = true;
      break;
    }
    // The status file last: a removal cut short leaves the rest dated, to be tried again.
    expired.paths.push_back(state_dir + "/jobs/" + name);
    expired.paths.push_back(status + ".tmp");
    expired.paths.push_back(status);
    ++expired.attempts;
  }
  return expired;
}

class JobDirRetention::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, std::string state_dir, std::chrono::milliseconds keep_for,
       const Clock& clock, std::function<std::set<AttemptId>()> in_use)
      : io_(io),
        state_dir_(std::move(state_dir)),
        keep_for_(keep_for),
        clock_(clock),
        in_use_(std::move(in_use)),
        timer_(io) {}

  void Sweep() {
    if (stopped_) return;
    ExpiredAttempts expired = FindExpiredAttempts(state_dir_, keep_for_, clock_.WallMillis(),
                                                  in_use_(), kMaxAttemptsPerSweep);
    if (expired.attempts == 0) return ScheduleSweep(expired.more);
    if (Status started = StartRemoval(expired); !started.ok()) {
      LogWarning("agent", "cannot remove ended jobs' files: " + started.message());
      return ScheduleSweep(false);
    }
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
  std::string ErrorsPath() const { return state_dir_ + "/output-removal.err"; }

  // `rm -rf --one-file-system -- PATHS...`, its errors in ErrorsPath(); Removed() once it exits.
  Status StartRemoval(const ExpiredAttempts& expired) {
    std::vector<std::string> args = {"rm", "-rf", "--one-file-system", "--"};
    args.insert(args.end(), expired.paths.begin(), expired.paths.end());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, ErrorsPath().c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
    pid_t pid = -1;
    int error = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) return InternalError("cannot start rm: " + ErrnoText(error));
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {  // no pidfd (a kernel before 5.3): waited for here
      int wait_status = 0;
      while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
      }
      Removed(expired.attempts, expired.more, wait_status);
      return Status::Ok();
    }
    watch_ = std::make_unique<asio::posix::stream_descriptor>(io_, pidfd);
    std::weak_ptr<Impl> weak = weak_from_this();
    watch_->async_wait(asio::posix::stream_descriptor::wait_read,
                       [weak, pid, attempts = expired.attempts,
                        more = expired.more](const boost::system::error_code& error) {
                         // The agent is stopping: rm finishes on its own, not waited for.
                         if (error == asio::error::operation_aborted) return;
                         int wait_status = 0;
                         while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
                         }
                         if (auto self = weak.lock()) {
                           self->watch_.reset();
                           self->Removed(attempts, more, wait_status);
                         }
                       });
    return Status::Ok();
  }

  void Removed(int attempts, bool more, int wait_status) {
    if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) {
      LogInfo("agent", "removed the files of " + std::to_string(attempts) +
                           " attempt(s) that ended more than " + FormatKeepFor(keep_for_) +
                           " ago (output_keep_for)");
    } else {
      std::string errors = FirstLine(ErrorsPath());
      LogWarning("agent", "removing the files of " + std::to_string(attempts) +
                              " ended attempt(s) failed in part (rm " +
                              (WIFEXITED(wait_status)
                                   ? "exited with code " + std::to_string(WEXITSTATUS(wait_status))
                                   : "was killed") +
                              "): " + errors + "; what is left is tried again later");
    }
    ScheduleSweep(more);
  }

  void ScheduleSweep(bool soon) {
    if (stopped_) return;
    auto interval = std::clamp(keep_for_ / 10, kMinSweepInterval, kMaxSweepInterval);
    timer_.expires_after(soon ? kMinSweepInterval : interval);
    std::weak_ptr<Impl> weak = weak_from_this();
    timer_.async_wait([weak](const boost::system::error_code& error) {
      if (auto self = weak.lock(); self && !error) self->Sweep();
    });
  }

  asio::io_context& io_;
  const std::string state_dir_;
  const std::chrono::milliseconds keep_for_;
  const Clock& clock_;
  const std::function<std::set<AttemptId>()> in_use_;
  asio::steady_timer timer_;
  std::unique_ptr<asio::posix::stream_descriptor> watch_;  // the running rm's pidfd
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
