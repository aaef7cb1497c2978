#include "scheduler/daemon.h"

#include <prometheus/registry.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <optional>

#include "core/directory_lock.h"
#include "core/file_util.h"
#include "core/log.h"
#include "metrics/cluster_collector.h"
#include "metrics/exposition.h"
#include "metrics/scheduler_metrics.h"
#include "net/hangup_notice.h"
#include "net/http_server.h"
#include "protocol/json_fields.h"
#include "scheduler/agent_hub.h"
#include "scheduler/rest_api.h"
#include "scheduler/scheduler.h"
#include "scheduler/startup_files.h"
#include "store/sqlite_store.h"

namespace sharc::scheduler {
namespace {

// Files the scheduler needs besides its connections: the store, its journal, logs.
constexpr int64_t kFilesBesidesConnections = 128;

// Raises the open-file limit to its hard limit, and returns how many of `wanted` connections
// fit in it (saying so when they do not all fit).
size_t ConnectionsThatFit(int64_t wanted) {
  struct rlimit files = {};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0) return static_cast<size_t>(wanted);
  if (files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
    ::getrlimit(RLIMIT_NOFILE, &files);
  }
  if (files.rlim_cur == RLIM_INFINITY) return static_cast<size_t>(wanted);
  int64_t fit =
      std::max<int64_t>(1, static_cast<int64_t>(files.rlim_cur) - kFilesBesidesConnections);
  if (fit >= wanted) return static_cast<size_t>(wanted);
  LogWarning("scheduler", "http.max_connections is " + std::to_string(wanted) +
                              " but the open-file limit is " + std::to_string(files.rlim_cur) +
                              ": holding at most " + std::to_string(fit) +
                              " connections (raise LimitNOFILE in the service unit)");
  return static_cast<size_t>(fit);
}

}  // namespace

class SchedulerDaemon::Impl {
 public:
  explicit Impl(const SchedulerConfig& config) : config_(config) {}

  Status Init(StartupFiles files) {
    SHARC_RETURN_IF_ERROR(MakeDirectories(config_.data_dir, 0700).WithPrefix("data_dir"));
    // Two schedulers on one store would each acknowledge what the other then overwrites.
    SHARC_ASSIGN_OR_RETURN(DirectoryLock lock,
                           DirectoryLock::Acquire(config_.data_dir, "data_dir"));
    data_dir_lock_ = std::move(lock);
    LogStartupChoices(config_);
    metrics_ = std::make_unique<metrics::SchedulerMetrics>(registry_);
    store::SqliteStoreOptions store_options;
    store_options.path = config_.data_dir + "/sharc.db";
    store_options.sync = config_.store_sync;
    store_options.min_free_bytes = config_.store_min_free_bytes;
    store_options.reserve_bytes = config_.store_reserve_bytes;
    store_options.on_commit = [metrics = metrics_.get()](const store::CommitStats& stats) {
      metrics->ObserveCommit(stats.duration);
    };
    SHARC_ASSIGN_OR_RETURN(store_, store::OpenSqliteStore(store_options));
    // Jobs that ended before the retention window (or beyond the most held) load without
    // their records.
    store::LoadOptions load;
    load.records_ended_since = std::max<UnixMillis>(
        1, clock_.WallMillis() - static_cast<UnixMillis>(config_.retention.count()));
    load.max_ended_records = config_.max_finished_in_memory;
    SHARC_ASSIGN_OR_RETURN(store::StoredState stored, store_->Load(load));
    SHARC_ASSIGN_OR_RETURN(scheduler_,
                           Scheduler::Create(Options(std::move(files.tenants)), Deps()));
    SHARC_RETURN_IF_ERROR(scheduler_->Restore(std::move(stored)));
    return Serve(std::move(files.join_secret), std::move(files.metrics_token));
  }

  SchedulerOptions Options(TenantsFile tenants_file) const {
    SchedulerOptions options;
    options.heartbeat_interval = config_.heartbeat_interval;
    options.node_timeout = config_.node_timeout;
    options.fence_after = config_.fence_after.value_or(config_.node_timeout / 2);
    options.max_attempts = config_.max_attempts;
    options.retention = config_.retention;
    options.max_finished_in_memory = static_cast<size_t>(config_.max_finished_in_memory);
    options.default_memory_per_cpu = config_.default_memory_per_cpu;
    options.default_time_limit = config_.default_time_limit;
    options.max_time_limit = config_.max_time_limit;
    options.prices = config_.prices;
    options.tenants_file = std::move(tenants_file);
    options.check_invariants = config_.check_invariants;
    options.efficiency = {config_.pue, config_.grid_carbon_g_per_kwh};
    options.scheduling = config_.scheduling;
    return options;
  }

  SchedulerDeps Deps() {
    SchedulerDeps deps;
    deps.clock = &clock_;
    deps.store = store_.get();
    deps.post = [this](std::function<void()> task) { boost::asio::post(io_, std::move(task)); };
    deps.post_after = [this](std::chrono::milliseconds delay, std::function<void()> task) {
      auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
      timer->async_wait([timer, task = std::move(task)](const boost::system::error_code& error) {
        if (!error) task();
      });
    };
    deps.run_in_background = [this](std::function<void()> task) {
      boost::asio::post(background_, std::move(task));
    };
    deps.metrics = metrics_.get();
    return deps;
  }

  Status Serve(std::string join_secret, std::string metrics_token) {
    collector_ = std::make_unique<metrics::ClusterCollector>(
        [this] { return scheduler_->MetricsSnapshot(); });
    rest_ = std::make_unique<RestApi>(
        *scheduler_,
        [this] {
          return metrics::RenderText({collector_.get(), &registry_});
        },
        metrics_.get(), std::move(metrics_token));
    hub_ = std::make_unique<AgentHub>(*scheduler_, std::move(join_secret), metrics_.get());
    net::HttpServerOptions http;
    http.address = config_.listen_address;
    http.port = config_.listen_port;
    if (!config_.plain_http) http.tls = config_.tls;
    http.max_body_bytes = protocol::kMaxRequestBodyBytes;
    http.max_connections = ConnectionsThatFit(config_.http_max_connections);
    http.max_connections_per_peer = static_cast<size_t>(config_.http_max_connections_per_peer);
    http.websocket_idle_timeout = config_.websocket_idle_timeout;
    http.check_head = [this](const net::HttpRequest& head) { return rest_->CheckHead(head); };
    http.on_refused = [metrics = metrics_.get()](std::string_view reason) {
      metrics->CountHttpRefused(reason);
    };
    server_ = std::make_unique<net::HttpServer>(
        io_, http,
        [this](net::HttpRequest request, net::Responder respond) {
          rest_->Handle(std::move(request), std::move(respond));
        },
        std::vector<net::WebSocketRoute>{hub_->Route()});
    SHARC_RETURN_IF_ERROR(server_->Start());
    const std::string scheme = config_.plain_http ? "http" : "https";
    LogInfo("scheduler", "listening on " + scheme + "://" + config_.listen_address + ":" +
                             std::to_string(server_->port()) + " (data in " + config_.data_dir +
                             ")");
    if (config_.plain_http) {
      LogWarning("scheduler",
                 "serving plain HTTP (tls.plain_http): tokens, node credentials and job data "
                 "cross the network unencrypted; use it only on a network you trust");
    }
    return Status::Ok();
  }

  void Run() {
    boost::asio::signal_set signals(io_, SIGINT, SIGTERM);
    signals.async_wait([this](const boost::system::error_code& error, int signal) {
      if (error) return;
      LogInfo("scheduler", std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
                               "; shutting down");
      Shutdown();
    });
    net::WarnOnHangup(io_, "scheduler",
                      "the scheduler does not reload its configuration; restart it to apply "
                      "changes (running jobs outlive a restart shorter than agents.fence_after)");
    ScheduleTick();
    io_.run();
    background_.join();
    store_->Close();
  }

  void Shutdown() {
    tick_.cancel();
    server_->Stop();
    io_.stop();
  }

  void ScheduleTick() {
    auto period = std::max(std::chrono::milliseconds(20), config_.heartbeat_interval / 4);
    tick_.expires_after(period);
    tick_.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      scheduler_->Tick();
      ScheduleTick();
    });
  }

  uint16_t port() const { return server_->port(); }
  boost::asio::io_context& io() { return io_; }

 private:
  SchedulerConfig config_;
  boost::asio::io_context io_;
  boost::asio::steady_timer tick_{io_};
  // Heavy reads (reports, the ledger check) run here, off the state thread.
  boost::asio::thread_pool background_{1};
  SystemClock clock_;
  prometheus::Registry registry_;
  std::unique_ptr<metrics::SchedulerMetrics> metrics_;
  std::optional<DirectoryLock> data_dir_lock_;  // held for as long as this scheduler runs
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<metrics::ClusterCollector> collector_;
  std::unique_ptr<RestApi> rest_;
  std::unique_ptr<AgentHub> hub_;
  std::unique_ptr<net::HttpServer> server_;
};

StatusOr<std::unique_ptr<SchedulerDaemon>> SchedulerDaemon::Start(const SchedulerConfig& config,
                                                                  StartupFiles files) {
  auto impl = std::make_unique<Impl>(config);
  SHARC_RETURN_IF_ERROR(impl->Init(std::move(files)));
  return std::unique_ptr<SchedulerDaemon>(new SchedulerDaemon(std::move(impl)));
}

SchedulerDaemon::SchedulerDaemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SchedulerDaemon::~SchedulerDaemon() = default;

uint16_t SchedulerDaemon::port() const { return impl_->port(); }
void SchedulerDaemon::Run() { impl_->Run(); }
void SchedulerDaemon::Stop() {
  boost::asio::post(impl_->io(), [impl = impl_.get()] { impl->Shutdown(); });
}

}  // namespace sharc::scheduler
