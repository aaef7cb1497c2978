#include "agent/health_check.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>

#include "core/file_util.h"

extern char** environ;

namespace sharc::agent {

namespace asio = boost::asio;

class HealthChecker::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, HealthCheckOptions options, std::string work_dir,
       std::function<void(const protocol::HealthMsg&)> on_result)
      : io_(io),
        options_(std::move(options)),
        output_path_(std::move(work_dir) + "/health-check.out"),
        on_result_(std::move(on_result)) {}

  void Start() {
    if (options_.command.empty()) return;
    Run();
  }

  void Stop() {
    stopped_ = true;
    next_.cancel();
    deadline_.cancel();
    if (pid_ > 0) ::kill(pid_, SIGKILL);
    watch_.reset();
  }

 private:
  void Run() {
    if (stopped_) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<char*> argv;
    for (std::string& arg : options_.command) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    int error = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
      return Report({false, "cannot run the health check '" + options_.command[0] +
                                "': " + ErrnoText(error)});
    }
    pid_ = pid;
    timed_out_ = false;
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    std::weak_ptr<Impl> weak = weak_from_this();
    if (pidfd >= 0) {
      watch_ = std::make_unique<asio::posix::stream_descriptor>(io_, pidfd);
      watch_->async_wait(asio::posix::stream_descriptor::wait_read,
                         [weak](const boost::system::error_code& e) {
                           if (auto self = weak.lock(); self && !e) self->Finished();
                         });
    }
    deadline_.expires_after(options_.timeout);
    deadline_.async_wait([weak](const boost::system::error_code& e) {
      auto self = weak.lock();
      if (!self || e || self->pid_ <= 0) return;
      self->timed_out_ = true;
      ::kill(self->pid_, SIGKILL);
    });
  }

  void Finished() {
    deadline_.cancel();
    watch_.reset();
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    StatusOr<std::string> read = ReadFile(output_path_, 64 << 10);
    std::string output = read.ok() ? *read : "";
    while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
    if (output.size() > 256) output.resize(256);
    protocol::HealthMsg result;
    result.ok = !timed_out_ && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (timed_out_) {
      result.message = "timed out after " + std::to_string(options_.timeout.count()) + "ms";
    } else if (!result.ok) {
      result.message = output.empty() ? (WIFEXITED(status)
                                             ? "exit code " + std::to_string(WEXITSTATUS(status))
                                             : "killed by signal " + std::to_string(WTERMSIG(status)))
                                      : output;
    }
    Report(result);
  }

  void Report(const protocol::HealthMsg& result) {
    on_result_(result);
    if (stopped_) return;
    next_.expires_after(options_.interval);
    std::weak_ptr<Impl> weak = weak_from_this();
    next_.async_wait([weak](const boost::system::error_code& e) {
      if (auto self = weak.lock(); self && !e) self->Run();
    });
  }

  asio::io_context& io_;
  HealthCheckOptions options_;
  std::string output_path_;
  std::function<void(const protocol::HealthMsg&)> on_result_;
  asio::steady_timer next_{io_};
  asio::steady_timer deadline_{io_};
  std::unique_ptr<asio::posix::stream_descriptor> watch_;
  pid_t pid_ = -1;
  bool timed_out_ = false;
  bool stopped_ = false;
};

HealthChecker::HealthChecker(asio::io_context& io, HealthCheckOptions options,
                             std::string work_dir,
                             std::function<void(const protocol::HealthMsg&)> on_result)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(work_dir),
                                   std::move(on_result))) {}
HealthChecker::~HealthChecker() { impl_->Stop(); }
void HealthChecker::Start() { impl_->Start(); }
void HealthChecker::Stop() { impl_->Stop(); }

}  // namespace sharc::agent
