#include "agent/agent.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <unistd.h>

#include "agent/attempt_runner.h"
#include "agent/health_check.h"
#include "agent/output_reader.h"
#include "core/log.h"
#include "net/websocket_client.h"
#include "protocol/agent_messages.h"

namespace sharc::agent {

namespace asio = boost::asio;

class Agent::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, AgentConfig config, NodeInventory inventory, std::string secret,
       CgroupManager* cgroups)
      : io_(io),
        config_(std::move(config)),
        inventory_(std::move(inventory)),
        join_secret_(std::move(secret)),
        runner_(io, RunnerOptions(config_, cgroups),
                std::make_shared<const NodeTopology>(inventory_.topology), clock_,
                [this](const protocol::AttemptReport& report) { OnReport(report); }),
        health_(io, config_.health_check, config_.state_dir,
                [this](const protocol::HealthMsg& health) { OnHealth(health); }) {}

  Status Start() {
    SHARC_RETURN_IF_ERROR(runner_.Restore());
    last_contact_ = std::chrono::steady_clock::now();
    Connect();
    ScheduleFenceCheck();
    health_.Start();
    return Status::Ok();
  }

  void Stop() {
    stopped_ = true;
    heartbeat_.cancel();
    reconnect_.cancel();
    fence_check_.cancel();
    health_.Stop();
    if (channel_) channel_->Close("agent shutting down");
  }

 private:
  static AttemptRunnerOptions RunnerOptions(const AgentConfig& config, CgroupManager* cgroups) {
    AttemptRunnerOptions options;
    options.node_name = config.node_name;
    options.kill_grace = config.kill_grace;
    options.setup.state_dir = config.state_dir;
    options.setup.job_path = config.job_path;
    options.setup.cgroups = cgroups;
    options.setup.identities = config.identities;
    options.setup.switch_users = ::geteuid() == 0;
    options.setup.pids_max = config.pids_max;
    options.setup.restrict_devices = config.restrict_devices;
    return options;
  }

  // Self-fencing (see protocol/agent_messages.h): no word from the scheduler for
  // fence_after means it may have declared this node DOWN and requeued its jobs elsewhere.
  void ScheduleFenceCheck() {
    fence_check_.expires_after(std::chrono::milliseconds(100));
    std::weak_ptr<Impl> weak = weak_from_this();
    fence_check_.async_wait([weak](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (!self || error) return;
      self->CheckFence();
      self->ScheduleFenceCheck();
    });
  }

  void CheckFence() {
    if (fence_after_.count() <= 0 || runner_.running_count() == 0) return;
    auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - last_contact_);
    if (silent < fence_after_) return;
    runner_.KillAllRunning("no word from the scheduler for " + std::to_string(silent.count()) +
                           "ms: the node may be declared DOWN and its jobs requeued elsewhere");
  }

  void OnHealth(const protocol::HealthMsg& health) {
    bool changed = !last_health_ || last_health_->ok != health.ok ||
                   last_health_->message != health.message;
    last_health_ = health;
    if (!health.ok && changed) LogWarning("agent", "health check failed: " + health.message);
    if (changed && registered_) Send(health);
  }

  void Connect() {
    if (stopped_) return;
    net::WebSocketConnectOptions options;
    options.url = "ws://" + config_.scheduler_url.substr(std::string("http://").size());
    while (!options.url.empty() && options.url.back() == '/') options.url.pop_back();
    options.url += protocol::kAgentChannelPath;
    if (!join_secret_.empty()) options.headers["Authorization"] = "Bearer " + join_secret_;
    std::weak_ptr<Impl> weak = weak_from_this();
    net::ConnectWebSocket(io_, options,
                          [weak](StatusOr<std::shared_ptr<net::MessageChannel>> channel) {
                            if (auto self = weak.lock()) self->OnConnected(std::move(channel));
                          });
  }

  void OnConnected(StatusOr<std::shared_ptr<net::MessageChannel>> channel) {
    if (stopped_) {
      if (channel.ok()) (*channel)->Close("agent shutting down");
      return;
    }
    if (!channel.ok()) {
      if (!last_error_ || *last_error_ != channel.status().message()) {
        LogWarning("agent", "cannot reach the scheduler at " + config_.scheduler_url + ": " +
                                channel.status().message() + " (retrying)");
        last_error_ = channel.status().message();
      }
      return ScheduleReconnect();
    }
    last_error_.reset();
    channel_ = *channel;
    std::weak_ptr<Impl> weak = weak_from_this();
    net::MessageChannel* raw = channel_.get();
    channel_->Start(
        [weak, raw](std::string text) {
          if (auto self = weak.lock()) self->OnMessage(raw, text);
        },
        [weak, raw](Status why) {
          if (auto self = weak.lock()) self->OnClosed(raw, why);
        });
    protocol::RegisterMsg reg;
    reg.inventory = inventory_;
    reg.attempts = runner_.Reports();
    channel_->Send(protocol::EncodeAgentMessage(reg));
  }

  void ScheduleReconnect() {
    if (stopped_) return;
    reconnect_delay_ = std::min(reconnect_delay_ * 2, config_.reconnect_max_delay);
    reconnect_.expires_after(reconnect_delay_);
    std::weak_ptr<Impl> weak = weak_from_this();
    reconnect_.async_wait([weak](const boost::system::error_code& error) {
      if (auto self = weak.lock(); self && !error) self->Connect();
    });
  }

  void OnClosed(net::MessageChannel* channel, const Status& why) {
    if (channel != channel_.get()) return;
    channel_.reset();
    registered_ = false;
    heartbeat_.cancel();
    if (stopped_) return;
    LogWarning("agent", "connection to the scheduler closed: " + why.message() + " (reconnecting)");
    reconnect_delay_ = std::chrono::milliseconds(50);
    ScheduleReconnect();
  }

  void OnMessage(net::MessageChannel* channel, const std::string& text) {
    if (channel != channel_.get()) return;
    last_contact_ = std::chrono::steady_clock::now();
    StatusOr<protocol::SchedulerMessage> message = protocol::DecodeSchedulerMessage(text);
    if (!message.ok()) {
      LogError("agent", "bad message from the scheduler: " + message.status().message());
      return channel_->Close("bad message: " + message.status().message());
    }
    std::visit([this](const auto& m) { Handle(m); }, *message);
  }

  void Handle(const protocol::RegisteredMsg& m) {
    registered_ = true;
    reconnect_delay_ = std::chrono::milliseconds(50);
    heartbeat_interval_ = std::chrono::milliseconds(m.heartbeat_interval_ms);
    fence_after_ = std::chrono::milliseconds(m.fence_after_ms);
    LogInfo("agent", "registered with " + config_.scheduler_url + " as node " + inventory_.name);
    if (last_health_) Send(*last_health_);
    ScheduleHeartbeat();
  }
  void Handle(const protocol::HeartbeatAckMsg&) {}  // last_contact_ is all it is for
  void Handle(const protocol::LaunchMsg& m) { runner_.Launch(m); }
  void Handle(const protocol::KillMsg& m) { runner_.Kill(m); }
  void Handle(const protocol::UpdateAckMsg& m) { runner_.Acknowledge(m); }
  void Handle(const protocol::OutputRequestMsg& m) {
    protocol::OutputResponseMsg response;
    response.request_id = m.request_id;
    StatusOr<OutputSlice> slice =
        ReadOutputSlice(runner_.AttemptDir(m.attempt) + "/" + m.stream, m.offset, m.limit);
    if (slice.ok()) {
      response.data = std::move(slice->data);
      response.total_size = slice->total_size;
    } else {
      response.error = "job " + std::to_string(m.attempt.job.value) + " attempt " +
                       std::to_string(m.attempt.attempt) + ": " + slice.status().message();
    }
    Send(response);
  }

  void ScheduleHeartbeat() {
    heartbeat_.expires_after(heartbeat_interval_);
    std::weak_ptr<Impl> weak = weak_from_this();
    heartbeat_.async_wait([weak](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (!self || error || !self->registered_) return;
      self->Send(protocol::HeartbeatMsg{});
      self->ScheduleHeartbeat();
    });
  }

  void OnReport(const protocol::AttemptReport& report) {
    // Registration is the first message on every channel and carries every report, so any
    // report made after it can follow on the same channel.
    if (channel_) Send(protocol::JobUpdateMsg{report});
  }

  void Send(const protocol::AgentMessage& message) {
    if (channel_) channel_->Send(protocol::EncodeAgentMessage(message));
  }

  asio::io_context& io_;
  AgentConfig config_;
  NodeInventory inventory_;
  std::string join_secret_;
  SystemClock clock_;
  AttemptRunner runner_;
  std::shared_ptr<net::MessageChannel> channel_;
  bool registered_ = false;
  bool stopped_ = false;
  std::optional<std::string> last_error_;
  std::chrono::milliseconds heartbeat_interval_{1000};
  std::chrono::milliseconds reconnect_delay_{50};
  HealthChecker health_;
  std::optional<protocol::HealthMsg> last_health_;
  std::chrono::milliseconds fence_after_{0};  // learnt at registration
  std::chrono::steady_clock::time_point last_contact_;
  asio::steady_timer heartbeat_{io_};
  asio::steady_timer reconnect_{io_};
  asio::steady_timer fence_check_{io_};
};

Agent::Agent(asio::io_context& io, AgentConfig config, NodeInventory inventory,
             std::string join_secret, CgroupManager* cgroups)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(inventory),
                                   std::move(join_secret), cgroups)) {}
Agent::~Agent() {
  if (impl_) impl_->Stop();
}
Status Agent::Start() { return impl_->Start(); }
void Agent::Stop() { impl_->Stop(); }

}  // namespace sharc::agent
