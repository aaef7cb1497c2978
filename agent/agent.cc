#include "agent/agent.h"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <optional>
#include <set>

#include "agent/agent_lease.h"
#include "agent/attempt_runner.h"
#include "agent/attempt_setup.h"
#include "agent/health_check.h"
#include "agent/job_dir_retention.h"
#include "agent/node_credential.h"
#include "agent/node_metrics.h"
#include "agent/output_reader.h"
#include "agent/usage_monitor.h"
#include "core/clock_jump.h"
#include "core/directory_lock.h"
#include "core/host_port.h"
#include "core/log.h"
#include "core/secret.h"
#include "metrics/exposition.h"
#include "net/http_server.h"
#include "net/tls.h"
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
        agent_metrics_(registry_, inventory_.name),
        usage_(EnergyMeter::Open(inventory_.topology, config_.energy), NodeUsageSampler(),
               clock_.WallMillis()),
        runner_(io, RunnerOptions(cgroups),
                std::make_shared<const NodeTopology>(inventory_.topology), clock_,
                [this](const protocol::AttemptReport& report) { OnReport(report); }),
        retention_(io, config_.state_dir, config_.output_keep_for, clock_,
                   [this] { return AttemptsInUse(); }),
        health_(io, config_.health_check, config_.state_dir,
                [this](const protocol::HealthMsg& health) { OnHealth(health); }),
        cgroups_(cgroups) {}

  Status Start() {
    if (config_.scheduler_url.rfind("https://", 0) == 0) {
      // A CA file that cannot be read is a setting to fix, not a connection to retry.
      SHARC_RETURN_IF_ERROR(net::CheckTlsClientFiles(config_.scheduler_tls)
                                .WithPrefix("the TLS settings for the scheduler (tls.ca_file, "
                                            "--ca-file, tls.cert_file, tls.key_file)"));
    }
    // Before anything of the state directory is read: a second agent on it would re-adopt the
    // first one's jobs and journal over its records.
    SHARC_RETURN_IF_ERROR(MakeStateDirectories(config_.state_dir));
    SHARC_ASSIGN_OR_RETURN(DirectoryLock lock,
                           DirectoryLock::Acquire(config_.state_dir, "state_dir"));
    state_dir_lock_ = std::move(lock);
    if (cgroups_) {
      // Job groups are named by job id: a second agent on this parent (serving another
      // scheduler) would share them, and its cleanup would kill this one's jobs.
      SHARC_ASSIGN_OR_RETURN(
          DirectoryLock parent_lock,
          DirectoryLock::AcquireItself(cgroups_->ParentDir(),
                                       "cgroups.parent (--cgroup-parent): the cgroup"));
      cgroup_parent_lock_ = std::move(parent_lock);
    }
    SHARC_ASSIGN_OR_RETURN(credential_, LoadNodeCredential(config_.state_dir));
    if (credential_.empty() && !config_.join_token_file.empty()) {
      StatusOr<std::string> token = ReadSecretFile(config_.join_token_file, "join token");
      if (!token.ok()) return token.status().WithPrefix("join_token_file (--join-token-file)");
      join_token_ = *std::move(token);
    }
    if (!config_.metrics_listen.empty()) SHARC_RETURN_IF_ERROR(StartMetricsServer());
    if (config_.job_namespaces && ::geteuid() != 0) {
      LogWarning("agent",
                 "not root: jobs run in the node's PID namespace (each sees the others' "
                 "processes) and share its /tmp (job_namespaces needs root)");
    }
    SHARC_RETURN_IF_ERROR(runner_.Restore());
    SHARC_ASSIGN_OR_RETURN(AgentLease lease, AgentLease::Open(config_.state_dir));
    lease_ = std::move(lease);
    retention_.Start();     // after the journal's attempts are known again
    runner_.SampleUsage();  // primes the counters; later samples measure from here
    ScheduleUsageSample();
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
    usage_sample_.cancel();
    retention_.Stop();
    health_.Stop();
    if (metrics_server_) metrics_server_->Stop();
    if (channel_) channel_->Close("agent shutting down");
  }

 private:
  AttemptRunnerOptions RunnerOptions(CgroupManager* cgroups) {
    const AgentConfig& config = config_;
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
    options.setup.allow_setuid = config.allow_setuid;
    options.setup.job_namespaces = config.job_namespaces && ::geteuid() == 0;
    options.output_limit_bytes = config.output_limit_bytes;
    options.usage = &usage_;
    options.on_job_started = [metrics = &agent_metrics_](std::chrono::nanoseconds d) {
      metrics->ObserveJobStart(d);
    };
    return options;
  }

  // Serves GET /metrics (for metrics_token_file's token, if set) and sets
  // inventory_.metrics_url (before the first registration).
  Status StartMetricsServer() {
    net::HttpServerOptions http;
    SHARC_RETURN_IF_ERROR(ParseHostPort(config_.metrics_listen, &http.address, &http.port)
                              .WithPrefix("metrics_listen"));
    const bool https = !config_.metrics_tls.cert_file.empty();
    if (https) {
      SHARC_RETURN_IF_ERROR(
          net::CheckTlsServerFiles(config_.metrics_tls).WithPrefix("metrics_tls"));
      http.tls = config_.metrics_tls;
    }
    std::string token;
    if (!config_.metrics_token_file.empty()) {
      StatusOr<std::string> read = ReadSecretFile(config_.metrics_token_file, "metrics token");
      if (!read.ok()) return read.status().WithPrefix("metrics_token_file");
      token = *std::move(read);
    }
    collector_ = std::make_unique<NodeCollector>([this] { return MetricsSnapshot(); });
    metrics_server_ = std::make_unique<net::HttpServer>(
        io_, http,
        [this, token](net::HttpRequest request, net::Responder respond) {
          net::HttpResponse response;
          std::optional<std::string> presented = net::BearerToken(request);
          if (!token.empty() && !(presented && SecretsEqual(*presented, token))) {
            response.status = 401;
            response.content_type = "text/plain";
            response.body = "this agent's /metrics needs the metrics token (metrics_token_file)\n";
          } else if (request.path != "/metrics") {
            response.status = 404;
            response.content_type = "text/plain";
            response.body = "only /metrics is served here\n";
          } else if (request.method != "GET") {
            response.status = 405;
            response.content_type = "text/plain";
            response.headers.emplace_back("Allow", "GET");
          } else {
            response.content_type = metrics::kTextContentType;
            response.body = metrics::RenderText({collector_.get(), &registry_});
          }
          respond(std::move(response));
        },
        std::vector<net::WebSocketRoute>{});
    SHARC_RETURN_IF_ERROR(metrics_server_->Start().WithPrefix("metrics_listen"));
    inventory_.metrics_url = config_.metrics_advertise_url;
    if (inventory_.metrics_url.empty()) {
      std::string host = http.address;
      if (host.empty() || host == "0.0.0.0" || host == "::") {
        char name[256] = {};
        ::gethostname(name, sizeof name - 1);
        host = name;
      }
      if (host.find(':') != std::string::npos) host = "[" + host + "]";  // IPv6 literal
      inventory_.metrics_url = (https ? "https://" : "http://") + host + ":" +
                               std::to_string(metrics_server_->port()) + "/metrics";
    }
    LogInfo("agent", "serving metrics on " + http.address + ":" +
                         std::to_string(metrics_server_->port()) + ", advertised as " +
                         inventory_.metrics_url);
    return Status::Ok();
  }

  NodeMetricsSnapshot MetricsSnapshot() const {
    NodeMetricsSnapshot s;
    s.node = inventory_.name;
    s.usage = usage_.usage();
    s.running_jobs = static_cast<int64_t>(runner_.running_count());
    for (const GpuInfo& gpu : inventory_.topology.gpus) s.gpus.push_back(gpu.index);
    for (int gpu : runner_.AllocatedGpus()) s.gpus_allocated.insert(gpu);
    s.energy = usage_.energy();
    return s;
  }

  // The attempts whose files must stay: every one the runner still knows.
  std::set<AttemptId> AttemptsInUse() const {
    std::set<AttemptId> in_use;
    for (const protocol::AttemptReport& report : runner_.Reports()) in_use.insert(report.attempt);
    return in_use;
  }

  void ScheduleUsageSample() {
    usage_sample_.expires_after(config_.energy_sample_interval);
    std::weak_ptr<Impl> weak = weak_from_this();
    usage_sample_.async_wait([weak](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (!self || error || self->stopped_) return;
      self->runner_.SampleUsage();
      self->runner_.CapRunningOutput();
      if (std::optional<std::chrono::milliseconds> jump = self->clock_jumps_.Check()) {
        LogWarning("agent", DescribeClockJump(*jump, self->clock_.WallMillis()));
      }
      self->ScheduleUsageSample();
    });
  }

  // Self-fencing (see protocol/agent_messages.h): no word from the scheduler for
  // fence_after means it may have declared this node DOWN and requeued its jobs elsewhere.
  // The check is due when the silence would reach fence_after; a message since moves the
  // deadline, and the check then waits for the new one (an idle agent does not poll). Before
  // registration says how long fence_after is, it looks once a second.
  void ScheduleFenceCheck() {
    const auto now = std::chrono::steady_clock::now();
    auto due = now + std::chrono::seconds(1);
    if (fence_after_.count() > 0) {
      due = last_contact_ + fence_after_;
      if (due <= now) due = now + fence_after_;  // silent already, and nothing was left to fence
    }
    fence_check_.expires_at(due);
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
    bool changed =
        !last_health_ || last_health_->ok != health.ok || last_health_->message != health.message;
    last_health_ = health;
    if (!health.ok && changed) LogWarning("agent", "health check failed: " + health.message);
    if (changed && registered_) Send(health);
  }

  void Connect() {
    if (stopped_) return;
    net::WebSocketConnectOptions options;
    const bool tls = config_.scheduler_url.rfind("https://", 0) == 0;
    options.url = (tls ? "wss://" : "ws://") +
                  config_.scheduler_url.substr(config_.scheduler_url.find("://") + 3);
    options.tls = config_.scheduler_tls;
    while (!options.url.empty() && options.url.back() == '/') options.url.pop_back();
    options.url += protocol::kAgentChannelPath;
    // Before the node has a credential, its join token; then the join secret in development
    // mode, else the node's credential.
    const std::string& bearer = credential_.empty() && !join_token_.empty() ? join_token_
                                : !join_secret_.empty()                     ? join_secret_
                                                                            : credential_;
    if (!bearer.empty()) options.headers["Authorization"] = "Bearer " + bearer;
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
    reg.inventory.address = config_.advertise_address;
    reg.attempts = runner_.Reports();
    reg.credential = credential_;
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
    const bool was_registered = registered_;
    registered_ = false;
    heartbeat_.cancel();
    if (stopped_) return;
    LogWarning("agent", "connection to the scheduler closed: " + why.message() + " (reconnecting)");
    // Back at once after a session ends; a refused registration (another agent holds the node,
    // a wrong credential) backs off towards reconnect_max_delay instead.
    if (was_registered) reconnect_delay_ = std::chrono::milliseconds(50);
    ScheduleReconnect();
  }

  void OnMessage(net::MessageChannel* channel, const std::string& text) {
    if (channel != channel_.get()) return;
    last_contact_ = std::chrono::steady_clock::now();
    if (lease_) lease_->Renew();
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
    runner_.SetFenceAfter(fence_after_);
    LogInfo("agent", "registered with " + config_.scheduler_url + " as node " + inventory_.name);
    if (!m.credential.empty()) KeepCredential(m.credential);
    if (last_health_) Send(*last_health_);
    ScheduleHeartbeat();
  }
  // The scheduler issued this node its credential: without it, a restarted agent is refused.
  void KeepCredential(const std::string& credential) {
    credential_ = credential;  // at least this process presents it when it reconnects
    if (Status saved = SaveNodeCredential(config_.state_dir, credential); !saved.ok()) {
      LogError("agent", "could not keep this node's credential (" + saved.message() +
                            "): after a restart the scheduler will refuse this agent until it "
                            "joins with a new join token (sharc admin node token issue " +
                            inventory_.name + ")");
      return;
    }
    LogInfo("agent",
            "received this node's credential; kept in " + NodeCredentialPath(config_.state_dir));
  }
  void Handle(const protocol::HeartbeatAckMsg&) {}  // last_contact_ is all it is for
  void Handle(const protocol::LaunchMsg& m) { runner_.Launch(m); }
  void Handle(const protocol::KillMsg& m) { runner_.Kill(m); }
  void Handle(const protocol::UpdateAckMsg& m) { runner_.Acknowledge(m); }
  void Handle(const protocol::OutputRequestMsg& m) {
    protocol::OutputResponseMsg response;
    response.request_id = m.request_id;
    const std::string dir = runner_.AttemptDir(m.attempt);
    StatusOr<OutputSlice> slice = ReadOutputSlice(dir + "/" + m.stream, m.offset, m.limit);
    if (slice.ok()) {
      response.data = std::move(slice->data);
      response.total_size = slice->total_size;
    } else {
      std::error_code error;
      const bool gone = slice.status().code() == StatusCode::kNotFound &&
                        !std::filesystem::exists(dir, error) && !error;
      response.error = "job " + std::to_string(m.attempt.job.value) + " attempt " +
                       std::to_string(m.attempt.attempt) + ": " +
                       (gone ? retention_.GoneMessage() : slice.status().message());
    }
    Send(response);
  }

  void ScheduleHeartbeat() {
    heartbeat_.expires_after(heartbeat_interval_);
    std::weak_ptr<Impl> weak = weak_from_this();
    heartbeat_.async_wait([weak](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (!self || error || !self->registered_) return;
      self->Send(protocol::HeartbeatMsg{self->usage_.LatestSample()});
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
  std::string credential_;  // this node's own (node_credential.h); "" before its first join
  std::string join_token_;  // read from join_token_file while there is no credential
  SystemClock clock_;
  ClockJumpDetector clock_jumps_{clock_};  // checked at each usage sample
  prometheus::Registry registry_;          // event-driven metrics (job start latency)
  AgentMetrics agent_metrics_;
  UsageMonitor usage_;
  AttemptRunner runner_;
  JobDirRetention retention_;
  std::unique_ptr<NodeCollector> collector_;
  std::unique_ptr<net::HttpServer> metrics_server_;
  std::shared_ptr<net::MessageChannel> channel_;
  bool registered_ = false;
  bool stopped_ = false;
  std::optional<std::string> last_error_;
  std::chrono::milliseconds heartbeat_interval_{1000};
  std::chrono::milliseconds reconnect_delay_{50};
  HealthChecker health_;
  std::optional<protocol::HealthMsg> last_health_;
  std::chrono::milliseconds fence_after_{0};         // learnt at registration
  std::optional<DirectoryLock> state_dir_lock_;      // held for as long as this agent runs
  CgroupManager* const cgroups_;                     // may be null (no enforcement)
  std::optional<DirectoryLock> cgroup_parent_lock_;  // held like state_dir_lock_
  std::optional<AgentLease> lease_;                  // renewed at each word from the scheduler
  std::chrono::steady_clock::time_point last_contact_;
  asio::steady_timer heartbeat_{io_};
  asio::steady_timer reconnect_{io_};
  asio::steady_timer fence_check_{io_};
  asio::steady_timer usage_sample_{io_};
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
