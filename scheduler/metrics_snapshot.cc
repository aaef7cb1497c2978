// Scheduler::MetricsSnapshot: the state /metrics shows, computed at scrape time.
#include "core/units.h"
#include "policies/fair_share.h"
#include "scheduler/scheduler.h"

namespace sharc::scheduler {
namespace {

void AddNodes(const ClusterState& state, const Accounting& accounting, SteadyTime steady_now,
              UnixMillis wall_now, metrics::ClusterMetricsSnapshot& s) {
  for (const auto& [name, node] : state.nodes()) {
    ++s.nodes_by_state[std::string(NodeStateName(node.record.state))];
    metrics::ClusterMetricsSnapshot::NodeResources r{name, node.topology->Capacity(),
                                                     state.AllocatedOn(node)};
    // A DOWN node uses nothing that anyone knows of: its last sample is history.
    const protocol::NodeSample* sample =
        node.record.state == NodeState::kDown ? nullptr : accounting.LastSample(name);
    if (sample) {
      r.used = Resources{};
      r.used->Set("cpu", sample->cpu_used_millis);
      r.used->Set("memory", sample->memory_used_bytes);
    }
    r.heartbeat_age_seconds =
        std::chrono::duration<double>(node.HeartbeatAge(steady_now, wall_now)).count();
    s.node_resources.push_back(std::move(r));
    if (node.connection) ++s.agent_connections;
  }
}

void AddFairShare(const policies::TenantsView& tenants, metrics::ClusterMetricsSnapshot& s) {
  auto level = [&](const std::vector<std::string>& siblings) {
    double usage = 0;
    int64_t shares = 0;
    for (const std::string& name : siblings) {
      usage += tenants.SubtreeOf(name).usage;
      shares += tenants.Find(name)->share;
    }
    for (const std::string& name : siblings) {
      const policies::TenantView& t = *tenants.Find(name);
      double own = tenants.SubtreeOf(name).usage;
      s.tenant_fair_share.push_back(
          {name, t.share, own, policies::FairShareFactor(own, usage, t.share, shares)});
    }
  };
  level(tenants.enterprises());
  for (const std::string& enterprise : tenants.enterprises()) {
    level(tenants.ChildrenOf(enterprise));
  }
}

}  // namespace

metrics::ClusterMetricsSnapshot Scheduler::MetricsSnapshot() const {
  metrics::ClusterMetricsSnapshot s;
  UnixMillis now = deps_.clock->WallMillis();
  AddNodes(state_, accounting_, deps_.clock->SteadyNow(), now, s);
  accounting_.AddToMetrics(s);
  // Kept in step by the state: the scrape's cost does not grow with finished jobs.
  for (const auto& [key, n] : state_.job_counts()) {
    s.jobs_by_state_tenant[{std::string(JobStateName(key.first)), key.second}] += n;
  }
  for (JobId id : state_.pending()) {
    const Job& job = *state_.FindJob(id);
    ++s.pending_by_tenant_reason[{job.tenant, job.reason}];
  }
  s.pue = options_.efficiency.pue;
  s.grid_carbon_g_per_kwh = options_.efficiency.grid_carbon_g_per_kwh;
  const policies::TenantsView tenants_view = tenants_.BuildView();
  for (const Tenant* tenant : tenants_.book().List()) {
    metrics::ClusterMetricsSnapshot::TenantQuota q;
    q.tenant = tenant->name;
    q.guaranteed = tenant->quota.guaranteed;
    q.max = tenant->quota.max;
    // What its quota counts: an enterprise's own jobs and its projects'.
    q.used = tenants_view.SubtreeOf(tenant->name).held;
    s.tenant_quotas.push_back(std::move(q));
  }
  AddFairShare(tenants_view, s);
  s.reservations = static_cast<int64_t>(cycles_.reservations().size());
  const CreditBook& credit = tenants_.credit();
  s.credit_enforced = credit.enforced();
  for (const auto& [id, grant] : credit.grants()) {
    s.credit_balance[grant.tenant] += grant.closed || !grant.ValidAt(now) ? 0 : grant.available;
    s.credit_spent[{grant.tenant, std::string(GrantSourceName(grant.source))}] += grant.spent;
  }
  return s;
}

}  // namespace sharc::scheduler
