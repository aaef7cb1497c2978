// The scheduler's end of the agent channel: accepts WebSocket connections on
// /v1/agent/connect whose bearer token is a node's one-time join token or a node's credential
// (NodeSessions::AdmitAgent), or, in development mode, the shared join secret (any address) or
// nothing (loopback only, when no join secret is set); decodes every message
// strictly, binds each connection to the node it registered as (a message about node X is
// only accepted from the connection registered as X), and hands the messages to Scheduler.
// A malformed message closes the connection with the reason, and is counted.
#ifndef SHARC_SCHEDULER_AGENT_HUB_H_
#define SHARC_SCHEDULER_AGENT_HUB_H_

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "metrics/scheduler_metrics.h"
#include "net/http_server.h"
#include "scheduler/scheduler.h"

namespace sharc::scheduler {

class AgentHub {
 public:
  // `join_secret` (development mode): any agent holding it is admitted; empty: agents without a
  // join token or credential are admitted from loopback addresses only.
  AgentHub(Scheduler& scheduler, std::string join_secret, metrics::SchedulerMetrics* metrics);
  ~AgentHub();

  // The WebSocket route to give the HTTP server.
  net::WebSocketRoute Route();

 private:
  class Connection;

  // How `request` is admitted, or the refusal.
  StatusOr<AgentAdmission> Admit(const net::HttpRequest& request) const;
  std::optional<net::HttpResponse> Authorize(const net::HttpRequest& request) const;
  // Logs a refused agent connection as a warning, at most once a minute per peer address (a
  // revoked agent left running retries every few seconds).
  void LogRefusal(const std::string& peer, const Status& refusal) const;
  void Open(std::shared_ptr<net::MessageChannel> channel, AgentAdmission admission);
  void OnMessage(Connection& connection, const std::string& text);
  void OnClose(Connection& connection);

  Scheduler& scheduler_;
  std::string join_secret_sha256_;
  metrics::SchedulerMetrics* metrics_;
  std::set<std::shared_ptr<Connection>> connections_;
  mutable std::map<std::string, std::chrono::steady_clock::time_point> refusals_logged_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_AGENT_HUB_H_
