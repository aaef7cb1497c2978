// Runs the node's health-check command periodically (Slurm's HealthCheckProgram): exit 0 is
// healthy; anything else, or running past the timeout (then it is killed), is not, and its
// output becomes the reason the scheduler drains the node with.
#ifndef SHARC_AGENT_HEALTH_CHECK_H_
#define SHARC_AGENT_HEALTH_CHECK_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/agent_messages.h"

namespace boost::asio {
class io_context;
}

namespace sharc::agent {

struct HealthCheckOptions {
  std::vector<std::string> command;  // empty: no health check
  std::chrono::milliseconds interval{30000};
  std::chrono::milliseconds timeout{10000};
};

class HealthChecker {
 public:
  // `on_result` runs on the io thread after every run. `work_dir` holds the output file.
  HealthChecker(boost::asio::io_context& io, HealthCheckOptions options, std::string work_dir,
                std::function<void(const protocol::HealthMsg&)> on_result);
  ~HealthChecker();
  // Runs the check now, then every interval.
  void Start();
  void Stop();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_HEALTH_CHECK_H_
