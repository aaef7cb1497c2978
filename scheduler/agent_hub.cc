#include "scheduler/agent_hub.h"

#include "core/host_port.h"
#include "core/log.h"
#include "core/secret.h"
#include "protocol/rest_errors.h"

namespace sharc::scheduler {

class AgentHub::Connection final : public AgentConnection,
                                   public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<net::MessageChannel> channel, AgentAdmission admission)
      : admission(std::move(admission)), channel_(std::move(channel)) {}

  void Send(const protocol::SchedulerMessage& message) override {
    channel_->Send(protocol::EncodeSchedulerMessage(message));
  }
  void Close(std::string reason) override { channel_->Close(std::move(reason)); }

  net::MessageChannel& channel() { return *channel_; }
  std::string node;  // set once registered
  const AgentAdmission admission;

 private:
  std::shared_ptr<net::MessageChannel> channel_;
};

namespace {

// The host of a peer "ip:port" ("" if it is not one).
std::string HostOf(const std::string& peer) {
  std::string host;
  uint16_t port = 0;
  return ParseHostPort(peer, &host, &port).ok() ? host : "";
}

}  // namespace

AgentHub::AgentHub(Scheduler& scheduler, std::string join_secret,
                   metrics::SchedulerMetrics* metrics)
    : scheduler_(scheduler),
      join_secret_sha256_(join_secret.empty() ? "" : Sha256Hex(join_secret)),
      metrics_(metrics) {}

AgentHub::~AgentHub() = default;

net::WebSocketRoute AgentHub::Route() {
  net::WebSocketRoute route;
  route.path = std::string(protocol::kAgentChannelPath);
  route.authorize = [this](const net::HttpRequest& request) { return Authorize(request); };
  route.on_open = [this](const net::HttpRequest& request,
                         std::shared_ptr<net::MessageChannel> channel) {
    StatusOr<AgentAdmission> admission = Admit(request);
    if (!admission.ok()) return channel->Close(admission.status().message());  // changed since
    Open(std::move(channel), std::move(*admission));
  };
  return route;
}

StatusOr<AgentAdmission> AgentHub::Admit(const net::HttpRequest& request) const {
  std::optional<std::string> token = net::BearerToken(request);
  if (token) {
    if (std::optional<AgentAdmission> admission = scheduler_.nodes().AdmitAgent(*token)) {
      return *admission;
    }
  }
  if (!join_secret_sha256_.empty()) {
    if (token && SecretsEqual(Sha256Hex(*token), join_secret_sha256_)) return AgentAdmission{};
    return UnauthenticatedError(
        token ? "this agent's token is no join token (or it expired or was used), no node's "
                "credential and not the join secret"
              : "the agent sent no join token, node credential or join secret");
  }
  bool loopback = request.peer.rfind("127.", 0) == 0 || request.peer.rfind("[::1]", 0) == 0;
  if (loopback && !token) return AgentAdmission{};
  if (token) {
    return UnauthenticatedError(
        "this agent's token is no join token (or it expired or was used) and no node's "
        "credential (a revoked node's is none); issue a join token: sharc admin node token "
        "issue NODE, and on the node remove a revoked <state_dir>/node-credential");
  }
  return PermissionDeniedError(
      "an agent from another host joins with a join token (sharc admin node token issue NODE; "
      "the agent's join_token_file); without one, this scheduler accepts agents from loopback "
      "only");
}

std::optional<net::HttpResponse> AgentHub::Authorize(const net::HttpRequest& request) const {
  StatusOr<AgentAdmission> admission = Admit(request);
  if (admission.ok()) return std::nullopt;
  if (metrics_) {
    // What it presented: nothing; a token in development mode, checked against the join
    // secret too; a token that is no join token and no node's credential.
    const bool token = net::BearerToken(request).has_value();
    metrics_->CountAuthFailure(!token                         ? "no_token"
                               : !join_secret_sha256_.empty() ? "join_secret"
                                                              : "node_credential");
  }
  LogRefusal(request.peer, admission.status());
  net::HttpResponse response;
  response.status = protocol::HttpStatusFor(admission.status().code());
  response.body = protocol::ErrorBody(admission.status());
  scheduler_.audit().Append({.actor = "agent",
                             .action = "join",
                             .request = request.method + " " + request.path,
                             .peer = request.peer,
                             .status = response.status,
                             .detail = admission.status().message(),
                             .unauthenticated = true});
  return response;
}

void AgentHub::LogRefusal(const std::string& peer, const Status& refusal) const {
  const auto now = std::chrono::steady_clock::now();
  const std::string host = HostOf(peer);
  auto logged = refusals_logged_.find(host);
  if (logged != refusals_logged_.end() && now - logged->second < std::chrono::minutes(1)) return;
  if (refusals_logged_.size() >= 1024) refusals_logged_.clear();  // bounded, whoever knocks
  refusals_logged_[host] = now;
  LogWarning("agent-hub", "refused an agent connection from " + peer + ": " + refusal.message() +
                              " (logged at most once a minute per address)");
}

void AgentHub::Open(std::shared_ptr<net::MessageChannel> channel, AgentAdmission admission) {
  auto connection = std::make_shared<Connection>(std::move(channel), std::move(admission));
  connections_.insert(connection);
  Connection* raw = connection.get();
  raw->channel().Start([this, raw](std::string text) { OnMessage(*raw, text); },
                       [this, raw](Status) { OnClose(*raw); });
}

void AgentHub::OnMessage(Connection& connection, const std::string& text) {
  StatusOr<protocol::AgentMessage> message = protocol::DecodeAgentMessage(text);
  auto reject = [&](const std::string& why) {
    if (metrics_) metrics_->CountRejectedAgentMessage();
    LogWarning("agent-hub", "closing the connection from " + connection.channel().peer() +
                                (connection.node.empty() ? "" : " (node " + connection.node + ")") +
                                ": " + why);
    connection.Close(why);
  };
  if (!message.ok()) return reject("bad message: " + message.status().message());
  if (connection.node.empty()) {
    const auto* reg = std::get_if<protocol::RegisterMsg>(&*message);
    if (!reg) return reject("the first message must be 'register'");
    protocol::RegisterMsg registration = *reg;
    if (registration.inventory.address.empty()) {
      registration.inventory.address = HostOf(connection.channel().peer());
    }
    Status registered = scheduler_.nodes().OnAgentRegister(
        registration, connection.shared_from_this(), connection.admission);
    if (!registered.ok()) {
      if (registered.code() == StatusCode::kPermissionDenied ||
          registered.code() == StatusCode::kFailedPrecondition) {
        if (metrics_) metrics_->CountAuthFailure("node_credential");
        scheduler_.audit().Append({.actor = "agent",
                                   .action = "register",
                                   .request = "register as node " + reg->inventory.name,
                                   .peer = connection.channel().peer(),
                                   .status = protocol::HttpStatusFor(registered.code()),
                                   .detail = registered.message(),
                                   .unauthenticated = true});
      }
      return reject("registration refused: " + registered.message());
    }
    connection.node = reg->inventory.name;
    return;
  }
  scheduler_.nodes().OnAgentMessage(connection.node, *message);
}

void AgentHub::OnClose(Connection& connection) {
  if (!connection.node.empty())
    scheduler_.nodes().OnAgentDisconnected(connection.node, &connection);
  for (auto it = connections_.begin(); it != connections_.end(); ++it) {
    if (it->get() == &connection) {
      connections_.erase(it);
      break;
    }
  }
}

}  // namespace sharc::scheduler
