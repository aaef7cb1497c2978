#include "scheduler/tenant_service.h"

#include "core/log.h"
#include "core/units.h"

namespace sharc::scheduler {
namespace {

Status TenantNotFound(const std::string& name) {
  return NotFoundError("tenant '" + name + "' not found");
}

}  // namespace

TenantService::TenantService(const SchedulerContext& context, Accounting& accounting)
    : context_(context), accounting_(accounting), credit_(context.options.prices) {}

Status TenantService::Restore(store::StoredState& stored, std::vector<store::Mutation>* repairs) {
  UnixMillis now = context_.Now();
  tenants_.Restore(std::move(stored.tenants), std::move(stored.tokens));
  credit_.Restore(std::move(stored.grants), stored.next_grant_id, stored.open_reservations);
  tenants_.ApplyFile(context_.options.tenants_file, now, repairs);
  for (const Tenant* tenant : tenants_.List()) {
    SHARC_RETURN_IF_ERROR(CheckHierarchy(*tenant).WithPrefix("tenants file"));
    SHARC_RETURN_IF_ERROR(
        CheckPriorityClasses(*tenant).WithPrefix("tenants file: tenant " + tenant->name));
  }
  // Credit held by attempts that no longer run (a crash between two commits cannot leave
  // any, but a hand-edited database could): give it back.
  for (const store::OpenReservation& open : stored.open_reservations) {
    const Job* job = context_.state.FindJob(open.attempt.job);
    if (!job || job->state != JobState::kRunning || job->attempt != open.attempt.attempt) {
      LogWarning("scheduler", "releasing credit held by job " +
                                  std::to_string(open.attempt.job.value) + " attempt " +
                                  std::to_string(open.attempt.attempt) + ", which is not running");
      credit_.Settle(open.attempt, 0, now, repairs);
    }
  }
  return CheckGuaranteesFit(Tenant{}).WithPrefix("tenants file");
}

Status TenantService::CheckHierarchy(const Tenant& tenant) const {
  std::string_view enterprise = EnterpriseOf(tenant.name);
  if (enterprise.empty()) return Status::Ok();
  std::string_view project = std::string_view(tenant.name).substr(enterprise.size() + 1);
  for (std::string_view action : kTenantActions) {
    if (project == action) {
      return InvalidArgumentError("name: a project may not be called '" + std::string(action) +
                                  "' (a word of the tenants API)");
    }
  }
  if (tenants_.Find(std::string(enterprise)) == nullptr) {
    return FailedPreconditionError("tenant '" + tenant.name + "' is a project of '" +
                                   std::string(enterprise) +
                                   "', which does not exist: create the enterprise first");
  }
  return Status::Ok();
}

namespace {

std::string Listed(const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
  return list;
}

std::string KnownClasses(const SchedulingConfig& scheduling) {
  std::vector<std::string> names;
  for (const policies::PriorityClass& pc : scheduling.priority_classes) names.push_back(pc.name);
  return Listed(names);
}

}  // namespace

Status TenantService::CheckPriorityClasses(const Tenant& tenant) const {
  const SchedulingConfig& scheduling = context_.options.scheduling;
  for (const std::string& name : tenant.priority_classes) {
    if (scheduling.FindClass(name) == nullptr) {
      return InvalidArgumentError(
          "priority_classes: '" + name +
          "' is not a priority class of the scheduler; known: " + KnownClasses(scheduling));
    }
  }
  const std::string& fallback = tenant.default_priority_class;
  if (!fallback.empty() && scheduling.FindClass(fallback) == nullptr) {
    return InvalidArgumentError(
        "default_priority_class: '" + fallback +
        "' is not a priority class of the scheduler; known: " + KnownClasses(scheduling));
  }
  return Status::Ok();
}

Status TenantService::CheckGuaranteesFit(const Tenant& changed) const {
  auto guarantee_of = [&](const Tenant* t) -> const Resources& {
    return t->name == changed.name ? changed.quota.guaranteed : t->quota.guaranteed;
  };
  std::vector<const Tenant*> all = tenants_.List();
  if (!changed.name.empty() && tenants_.Find(changed.name) == nullptr) all.push_back(&changed);
  // Every project's guarantee within its enterprise's, added up.
  std::map<std::string, Resources> projects;
  for (const Tenant* t : all) {
    std::string_view enterprise = EnterpriseOf(t->name);
    if (!enterprise.empty()) (void)projects[std::string(enterprise)].Add(guarantee_of(t));
  }
  for (const auto& [enterprise, sum] : projects) {
    const Tenant* e = tenants_.Find(enterprise);
    Resources own = e ? guarantee_of(e) : Resources();
    for (const auto& [resource, amount] : sum.entries()) {
      if (amount > own.Get(resource)) {
        return InvalidArgumentError(
            "quota: the projects of " + enterprise + " would be guaranteed " +
            FormatResourceAmount(resource, amount) + " " + resource + ", more than the " +
            FormatResourceAmount(resource, own.Get(resource)) + " " + enterprise +
            " is guaranteed; a project's guarantee is part of its enterprise's");
      }
    }
  }
  // The enterprises' guarantees within the capacity of every known node, whatever its state: a
  // node that is down for a while does not make the configuration wrong. With no node known
  // yet there is nothing to check against.
  if (context_.state.nodes().empty()) return Status::Ok();
  Resources capacity, guaranteed;
  for (const auto& [name, node] : context_.state.nodes()) {
    (void)capacity.Add(node.topology->Capacity());
  }
  for (const Tenant* t : all) {
    if (EnterpriseOf(t->name).empty()) (void)guaranteed.Add(guarantee_of(t));
  }
  for (const auto& [resource, amount] : guaranteed.entries()) {
    if (amount > capacity.Get(resource)) {
      return InvalidArgumentError("quota: the tenants' guarantees would add up to " +
                                  FormatResourceAmount(resource, amount) + " " + resource +
                                  ", but the cluster has " +
                                  FormatResourceAmount(resource, capacity.Get(resource)) +
                                  "; a guarantee must be capacity that exists");
    }
  }
  return Status::Ok();
}

void TenantService::Save(std::vector<store::Mutation> batch, Reply<Tenant> done, Tenant saved) {
  context_.cycles.RequestCycle();  // a raised limit or an enabled tenant may let jobs start
  context_.commits.CommitOrDie(std::move(batch),
                               [done = std::move(done), saved = std::move(saved)] { done(saved); });
}

void TenantService::CreateTenant(const Principal& who, Tenant tenant, Reply<Tenant> done) {
  if (Status s = CheckHierarchy(tenant); !s.ok()) return done(s);
  if (Status s = CheckPriorityClasses(tenant); !s.ok()) return done(s);
  if (Status s = CheckGuaranteesFit(tenant); !s.ok()) return done(s);
  std::vector<store::Mutation> batch;
  StatusOr<Tenant> created = tenants_.Create(std::move(tenant), context_.Now(), &batch);
  if (!created.ok()) return done(created.status());
  LogInfo("scheduler", "tenant " + created->name + " created by " + who.name);
  Save(std::move(batch), std::move(done), *created);
}

void TenantService::UpdateTenant(const Principal& who, const std::string& name,
                                 const std::function<Status(Tenant&)>& change, Reply<Tenant> done) {
  const Tenant* current = tenants_.Find(name);
  if (!current) return done(TenantNotFound(name));
  Tenant updated = *current;
  if (Status s = change(updated); !s.ok()) return done(s);
  if (Status s = ValidateTenantQuota(updated.quota); !s.ok()) return done(s);
  if (Status s = CheckPriorityClasses(updated); !s.ok()) return done(s);
  if (Status s = CheckGuaranteesFit(updated); !s.ok()) return done(s);
  std::vector<store::Mutation> batch;
  StatusOr<Tenant> saved = tenants_.Update(updated, &batch);
  if (!saved.ok()) return done(saved.status());
  LogInfo("scheduler", "tenant " + name + " updated by " + who.name);
  Save(std::move(batch), std::move(done), *saved);
}

StatusOr<const Tenant*> TenantService::GetTenant(const std::string& name) const {
  const Tenant* tenant = tenants_.Find(name);
  if (!tenant) return TenantNotFound(name);
  return tenant;
}

std::vector<const Tenant*> TenantService::ListTenants(const Principal& who) const {
  std::vector<const Tenant*> out;
  for (const Tenant* tenant : tenants_.List()) {
    if (who.CanAccess(tenant->name)) out.push_back(tenant);
  }
  return out;
}

void TenantService::IssueToken(const Principal& who, const std::string& tenant,
                               const TokenRequest& request,
                               Reply<std::pair<ApiToken, std::string>> done) {
  std::vector<store::Mutation> batch;
  auto issued = tenants_.IssueToken(tenant, request, context_.Now(), &batch);
  if (!issued.ok()) return done(issued.status());
  LogInfo("scheduler", "token " + issued->first.id + " issued to " + tenant + " by " + who.name);
  // The token works once it is durable, and is shown only then.
  context_.commits.CommitOrDie(std::move(batch),
                               [done = std::move(done), issued = *issued] { done(issued); });
}

void TenantService::RevokeToken(const Principal& who, const std::string& id, Reply<ApiToken> done) {
  std::vector<store::Mutation> batch;
  StatusOr<ApiToken> revoked = tenants_.RevokeToken(id, context_.Now(), &batch);
  if (!revoked.ok()) return done(revoked.status());
  LogInfo("scheduler", "token " + id + " revoked by " + who.name);
  context_.commits.CommitOrDie(std::move(batch),
                               [done = std::move(done), revoked = *revoked] { done(revoked); });
}

StatusOr<std::vector<const ApiToken*>> TenantService::ListTokens(const std::string& tenant) const {
  if (!tenants_.Find(tenant)) return TenantNotFound(tenant);
  return tenants_.TokensOf(tenant);
}

void TenantService::AddGrant(const Principal& who, CreditBook::NewGrant grant, Reply<Grant> done) {
  if (!tenants_.Find(grant.tenant)) return done(TenantNotFound(grant.tenant));
  UnixMillis now = context_.Now();
  if (grant.valid_from == 0) grant.valid_from = now;
  std::vector<store::Mutation> batch;
  StatusOr<Grant> added = credit_.AddGrant(grant, now, &batch);
  if (!added.ok()) return done(added.status());
  LogInfo("scheduler", "grant " + std::to_string(added->id) + " of " +
                           FormatCredits(added->amount) + " credits to " + added->tenant + " by " +
                           who.name);
  context_.cycles.RequestCycle();  // jobs waiting for credit may start
  context_.commits.CommitOrDie(std::move(batch),
                               [done = std::move(done), added = *added] { done(added); });
}

StatusOr<std::vector<const Grant*>> TenantService::ListGrants(const std::string& tenant) const {
  if (!tenants_.Find(tenant)) return TenantNotFound(tenant);
  return credit_.GrantsOf(tenant);
}

std::string TenantService::PayerOf(const std::string& tenant) const {
  std::string_view enterprise = EnterpriseOf(tenant);
  if (enterprise.empty() || !credit_.GrantsOf(tenant).empty()) return tenant;
  return std::string(enterprise);
}

const policies::PriorityClass& TenantService::ClassOf(const Job& job) const {
  const SchedulingConfig& scheduling = context_.options.scheduling;
  const policies::PriorityClass* found = scheduling.FindClass(job.spec.priority_class);
  return found ? *found : *scheduling.FindClass(scheduling.default_priority_class);
}

std::vector<const Tenant*> TenantService::LevelsOf(const Tenant& tenant) const {
  std::vector<const Tenant*> levels{&tenant};
  if (const Tenant* enterprise = tenants_.Find(std::string(EnterpriseOf(tenant.name)))) {
    levels.push_back(enterprise);
  }
  return levels;
}

int64_t TenantService::DefaultTimeLimitSeconds(const Tenant& tenant) const {
  int64_t limit = context_.options.default_time_limit.count();
  for (const Tenant* level : LevelsOf(tenant)) {
    if (level->quota.max_time_limit_seconds) {
      limit = std::min(limit, *level->quota.max_time_limit_seconds);
    }
  }
  return limit;
}

Status TenantService::ResolvePriorityClass(const Tenant& tenant, JobSpec& spec) const {
  const SchedulingConfig& scheduling = context_.options.scheduling;
  // A project's own settings first, then its enterprise's: both levels' lists must allow it.
  const std::vector<const Tenant*> levels = LevelsOf(tenant);
  for (const Tenant* level : levels) {
    if (spec.priority_class.empty()) spec.priority_class = level->default_priority_class;
  }
  if (spec.priority_class.empty()) spec.priority_class = scheduling.default_priority_class;
  if (scheduling.FindClass(spec.priority_class) == nullptr) {
    return InvalidArgumentError("priority_class: '" + spec.priority_class +
                                "' is not a priority class; known: " + KnownClasses(scheduling));
  }
  for (const Tenant* level : levels) {
    const std::vector<std::string>& allowed = level->priority_classes;
    if (!allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), spec.priority_class) == allowed.end()) {
      return PermissionDeniedError("priority_class: " + level->name + " may use " +
                                   Listed(allowed) + ", not '" + spec.priority_class + "'");
    }
  }
  return Status::Ok();
}

Status TenantService::CheckSubmit(const Tenant& tenant, const JobSpec& spec,
                                  size_t new_jobs) const {
  const Resources request = spec.Request();
  const std::vector<const Tenant*> levels = LevelsOf(tenant);
  for (const Tenant* level : levels) {
    const TenantQuota& q = level->quota;
    const std::string& name = level->name;
    if (std::optional<std::string> over = q.max.FirstExceeded(request)) {
      return UnsatisfiableError("quota: " + name + "'s max " + *over + " is " +
                                FormatResourceAmount(*over, *q.max.Get(*over)) +
                                "; this job asks for " +
                                FormatResourceAmount(*over, request.Get(*over)));
    }
    if (std::optional<std::string> over = q.max_per_job.FirstExceeded(request)) {
      return UnsatisfiableError("quota: " + name + "'s jobs may ask for at most " +
                                FormatResourceAmount(*over, *q.max_per_job.Get(*over)) + " " +
                                *over + " each; this one asks for " +
                                FormatResourceAmount(*over, request.Get(*over)));
    }
    if (q.max_time_limit_seconds && spec.time_limit_seconds > *q.max_time_limit_seconds) {
      return UnsatisfiableError("quota: " + name + "'s jobs may run at most " +
                                FormatDuration(std::chrono::seconds(*q.max_time_limit_seconds)) +
                                "; this one asks for " +
                                FormatDuration(std::chrono::seconds(spec.time_limit_seconds)));
    }
    if (q.max_pending_jobs) {
      int64_t pending = context_.state.UsageOf(name).pending;
      if (level != &tenant) {  // an enterprise counts its projects' too
        for (const Tenant* t : tenants_.List()) {
          if (EnterpriseOf(t->name) == name) pending += context_.state.UsageOf(t->name).pending;
        }
      }
      if (pending + static_cast<int64_t>(new_jobs) > *q.max_pending_jobs) {
        return ResourceExhaustedError(
            "quota: " + name + " has " + std::to_string(pending) +
            " pending jobs and may have at most " + std::to_string(*q.max_pending_jobs) +
            "; this request adds " + std::to_string(new_jobs) +
            " (an array counts as its tasks): wait for some to start, or cancel some");
      }
    }
  }
  if (credit_.enforced()) {
    std::string payer = PayerOf(tenant.name);
    MicroCredits worst = WorstCaseCost(credit_.prices(), spec);
    MicroCredits remaining = credit_.Remaining(payer);
    if (worst > remaining) {
      return UnsatisfiableError("credit: this job may cost up to " + FormatCredits(worst) +
                                " credits (its request for its whole time limit); " + payer +
                                " has " + FormatCredits(remaining) +
                                " credits left in all its grants");
    }
  }
  return Status::Ok();
}

std::vector<std::string> TenantService::GrantedGpuModels(const Job& job) const {
  std::vector<std::string> models;
  if (!job.allocation) return models;
  for (const NodeAllocation& part : job.allocation->nodes) {
    const NodeEntry* node = context_.state.FindNode(part.node);
    for (int index : part.gpus) {
      std::string model;  // unknown: the price of models not listed
      if (node) {
        for (const GpuInfo& gpu : node->topology->gpus) {
          if (gpu.index == index) model = gpu.model;
        }
      }
      models.push_back(std::move(model));
    }
  }
  return models;
}

void TenantService::ReserveCredit(const Job& job, std::vector<store::Mutation>* batch) {
  if (!credit_.enforced()) return;
  const std::vector<std::string> models = GrantedGpuModels(job);
  credit_.Reserve(PayerOf(job.tenant), job.current_attempt(),
                  WorstCaseCost(credit_.prices(), job.spec, &models), context_.Now(), batch);
}

void TenantService::SettleCredit(const Job& job, std::vector<store::Mutation>* batch) {
  if (!credit_.enforced()) return;
  UnixMillis now = context_.Now();
  UnixMillis end = job.end_time ? job.end_time : now;
  const std::vector<std::string> models = GrantedGpuModels(job);
  MicroCredits cost =
      Cost(credit_.prices(), job.spec, std::max<int64_t>(0, end - job.start_time), &models);
  credit_.Settle(job.current_attempt(), cost, now, batch);
}

void TenantService::Tick() {
  std::vector<store::Mutation> expired;
  credit_.ExpireDue(context_.Now(), &expired);
  if (!expired.empty()) context_.commits.CommitOrDie(std::move(expired), [] {});
}

policies::TenantsView TenantService::BuildView() const {
  UnixMillis now = context_.Now();
  policies::TenantsView view;
  auto add = [&](const std::string& name, const Tenant* tenant) {
    policies::TenantView t;
    t.name = name;
    t.parent = std::string(EnterpriseOf(name));
    if (tenant) {
      t.quota = tenant->quota;
      t.disabled = tenant->disabled;
      t.share = tenant->share;
    }
    const TenantUsage& usage = context_.state.UsageOf(name);
    t.held = usage.held;
    t.running = usage.running;
    t.pending = usage.pending;
    t.usage = accounting_.UsageOf(name, now);
    t.payer = PayerOf(name);
    view.Add(std::move(t));
  };
  for (const Tenant* tenant : tenants_.List()) add(tenant->name, tenant);
  for (const auto& [name, usage] : context_.state.usage()) {
    if (!tenants_.Find(name)) add(name, nullptr);  // jobs of a tenant the file dropped
  }
  view.credit.enforced = credit_.enforced();
  view.credit.prices = credit_.prices();
  if (credit_.enforced()) {
    for (const Tenant* tenant : tenants_.List()) {
      std::string payer = PayerOf(tenant->name);
      if (!view.credit.available.count(payer)) {
        view.credit.available[payer] = credit_.Available(payer, now);
      }
    }
  }
  view.Finalize();
  return view;
}

Status TenantService::CheckInvariants() const {
  SHARC_RETURN_IF_ERROR(credit_.CheckConsistency());
  for (const Tenant* tenant : tenants_.List()) {
    const TenantUsage& usage = context_.state.UsageOf(tenant->name);
    if (std::optional<std::string> over = tenant->quota.max.FirstExceeded(usage.held)) {
      return InternalError("tenant " + tenant->name + " holds more " + *over + " than its max");
    }
    if (tenant->quota.max_running_jobs && usage.running > *tenant->quota.max_running_jobs) {
      return InternalError("tenant " + tenant->name + " runs more jobs than its limit");
    }
  }
  return Status::Ok();
}

}  // namespace sharc::scheduler
