// The node agent: registers this node's hardware with the scheduler, heartbeats, runs the
// attempts it is sent (AttemptRunner), answers output requests, and reconnects with backoff
// whenever the channel drops. Jobs keep running while the channel is down; their reports
// are re-sent in the next registration.
//
// Threading: runs on the given io_context, which one thread runs.
#ifndef SHARC_AGENT_AGENT_H_
#define SHARC_AGENT_AGENT_H_

#include <memory>
#include <string>

#include "agent/config.h"
#include "core/node.h"
#include "core/status.h"

namespace boost::asio {
class io_context;
}

namespace sharc::agent {

class CgroupManager;

class Agent {
 public:
  // `cgroups` may be null (no usable hierarchy); it must outlive the agent.
  Agent(boost::asio::io_context& io, AgentConfig config, NodeInventory inventory,
        std::string join_secret, CgroupManager* cgroups);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Re-adopts the attempts a previous agent process left (its journal), then starts dialling
  // the scheduler. Fails if the journal cannot be read.
  Status Start();
  // Closes the channel and stops timers. Running jobs are left running.
  void Stop();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_AGENT_H_
