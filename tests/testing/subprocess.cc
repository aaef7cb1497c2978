#include "tests/testing/subprocess.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "tests/testing/temp_dir.h"
#include "tests/testing/wait_for.h"

extern char** environ;

namespace sharc::testing {

StatusOr<Subprocess> Subprocess::Start(const SubprocessOptions& options) {
  if (options.argv.empty()) return InvalidArgumentError("no argv");
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    std::string key = entry.substr(0, entry.find('='));
    if (!options.extra_env.count(key)) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : options.extra_env) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (const std::string& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const std::string& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int in_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return InternalError("pipe failed");
  pid_t pid = fork();
  if (pid < 0) return InternalError("fork failed");
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    if (!options.stdout_path.empty()) {
      int fd = open(options.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) dup2(fd, 1);
    } else {
      int fd = open("/dev/null", O_WRONLY);
      if (fd >= 0) dup2(fd, 1);
    }
    if (!options.stderr_path.empty()) {
      int fd = open(options.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) dup2(fd, 2);
    }
    if (!options.work_dir.empty() && chdir(options.work_dir.c_str()) != 0) _exit(126);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(in_pipe[0]);
  if (!options.stdin_text.empty()) {
    ssize_t ignored = write(in_pipe[1], options.stdin_text.data(), options.stdin_text.size());
    (void)ignored;
  }
  close(in_pipe[1]);
  return Subprocess(pid);
}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(other.status_) {}

Subprocess& Subprocess::operator=(Subprocess&& other) noexcept {
  if (this != &other) {
    Kill();
    pid_ = std::exchange(other.pid_, -1);
    status_ = other.status_;
  }
  return *this;
}

Subprocess::~Subprocess() { Kill(); }

bool Subprocess::running() {
  if (pid_ <= 0 || status_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) status_ = status;
  return r == 0;
}

void Subprocess::Signal(int signal) {
  if (running()) kill(pid_, signal);
}

std::optional<int> Subprocess::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return status_;
  WaitFor([&] { return !running(); }, timeout);
  return status_;
}

void Subprocess::Kill() {
  if (pid_ <= 0) return;
  if (running()) {
    kill(pid_, SIGKILL);
    int status = 0;
    if (waitpid(pid_, &status, 0) == pid_) status_ = status;
  }
  pid_ = -1;
}

std::string Subprocess::DescribeState() {
  if (running()) return "running";
  if (!status_) return "not started";
  if (WIFEXITED(*status_)) return "exited with code " + std::to_string(WEXITSTATUS(*status_));
  if (WIFSIGNALED(*status_)) {
    int signal = WTERMSIG(*status_);
    return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  }
  return "ended with wait status " + std::to_string(*status_);
}

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& extra_env,
                         std::chrono::milliseconds timeout, const std::string& stdin_text) {
  TempDir dir("sharc-cmd");
  SubprocessOptions options;
  options.argv = argv;
  options.extra_env = extra_env;
  options.stdout_path = dir.File("out");
  options.stderr_path = dir.File("err");
  options.stdin_text = stdin_text;
  CommandResult result;
  StatusOr<Subprocess> process = Subprocess::Start(options);
  if (!process.ok()) return result;
  std::optional<int> status = process->Wait(timeout);
  if (status) {
    result.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
  }
  process->Kill();
  result.out = ReadTextFile(dir.File("out"));
  result.err = ReadTextFile(dir.File("err"));
  return result;
}

void KillProcessesUnder(const std::string& dir) {
  std::error_code ec;
  std::string root = std::filesystem::weakly_canonical(dir, ec).string();
  if (root.empty() || root == "/") return;
  DIR* proc = opendir("/proc");
  if (!proc) return;
  pid_t self = getpid();
  while (dirent* entry = readdir(proc)) {
    pid_t pid = static_cast<pid_t>(atoi(entry->d_name));
    if (pid <= 1 || pid == self) continue;
    char link[PATH_MAX];
    std::string cwd_path = "/proc/" + std::to_string(pid) + "/cwd";
    ssize_t n = readlink(cwd_path.c_str(), link, sizeof link - 1);
    if (n <= 0) continue;
    link[n] = '\0';
    std::string cwd(link);
    if (cwd == root || cwd.rfind(root + "/", 0) == 0) kill(pid, SIGKILL);
  }
  closedir(proc);
}

}  // namespace sharc::testing
