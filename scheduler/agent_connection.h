// The scheduler's handle on one connected agent. The agent hub implements it over a
// WebSocket; tests implement it in memory. Used only on the state thread.
#ifndef SHARC_SCHEDULER_AGENT_CONNECTION_H_
#define SHARC_SCHEDULER_AGENT_CONNECTION_H_

#include <string>

#include "protocol/agent_messages.h"

namespace sharc::scheduler {

class AgentConnection {
 public:
  virtual ~AgentConnection() = default;
  // Queues a message; messages arrive in the order sent. A no-op once closed.
  virtual void Send(const protocol::SchedulerMessage& message) = 0;
  // Closes the connection; the agent will reconnect and register again.
  virtual void Close(std::string reason) = 0;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_AGENT_CONNECTION_H_
