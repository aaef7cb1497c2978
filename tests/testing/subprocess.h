// A child process for integration tests: a real binary with its own arguments, environment
// and working directory, stdout and stderr captured to files. The destructor kills (SIGKILL)
// and reaps it if it still runs.
#ifndef SHARC_TESTS_TESTING_SUBPROCESS_H_
#define SHARC_TESTS_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace sharc::testing {

struct SubprocessOptions {
  std::vector<std::string> argv;
  std::string work_dir;                          // "" = inherit
  std::string stdout_path;                       // "" = /dev/null
  std::string stderr_path;                       // "" = inherit the test's stderr
  std::map<std::string, std::string> extra_env;  // added to the test's environment
  std::string stdin_text;                        // fed to stdin, then closed
};

class Subprocess {
 public:
  static StatusOr<Subprocess> Start(const SubprocessOptions& options);
  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  ~Subprocess();

  pid_t pid() const { return pid_; }
  bool running();
  void Signal(int signal);
  // Waits (polling with a deadline) for the exit; the wait status (as waitpid gives it), or
  // nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // SIGKILL and reap.
  void Kill();
  // How it stands, for a failed test's report: "running", "exited with code N" or "killed by
  // signal N (NAME)". Reaps it if it has ended.
  std::string DescribeState();

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Runs a command to completion and returns its exit code and output.
struct CommandResult {
  int exit_code = -1;  // or 128 + signal
  std::string out;
  std::string err;
};
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& extra_env = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(60),
                         const std::string& stdin_text = "");

// SIGKILLs every process whose working directory is `dir` or below it (jobs, their monitors
// and agents a test started there), so tests leave nothing behind.
void KillProcessesUnder(const std::string& dir);

}  // namespace sharc::testing

#endif  // SHARC_TESTS_TESTING_SUBPROCESS_H_
