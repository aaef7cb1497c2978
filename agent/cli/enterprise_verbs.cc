#include "agent/cli/enterprise_verbs.h"

#include <optional>

#include "agent/cli/admin_commands.h"
#include "agent/cli/audit_commands.h"
#include "agent/cli/report_commands.h"

namespace sharc::cli {
namespace {

// --flag VALUE stored into an optional, so "not given" differs from "given as empty".
CLI::Option* AddOptional(CLI::App* cmd, const std::string& name, std::optional<std::string>* out,
                         const std::string& help, const std::string& type = "TEXT") {
  return cmd
      ->add_option_function<std::string>(
          name, [out](const std::string& value) { *out = value; }, help)
      ->type_name(type);
}

void AddQuotaFlags(CLI::App* cmd, QuotaFlags* q, bool update) {
  const std::string clear = update ? " (\"\" clears it)" : "";
  AddOptional(cmd, "--guaranteed", &q->guaranteed,
              "capacity reserved for the tenant whenever it has work, e.g. "
              "cpu=8,memory=64G,gpu=2,gpu/H100=1" +
                  clear,
              "LIST");
  AddOptional(cmd, "--max", &q->max, "the most it may hold at once" + clear, "LIST");
  AddOptional(cmd, "--lendable", &q->lendable,
              "how much of its idle guarantee others may borrow" + clear, "LIST");
  AddOptional(cmd, "--max-per-job", &q->max_per_job, "the largest one job may be" + clear, "LIST");
  AddOptional(cmd, "--max-running-jobs", &q->max_running_jobs, "at most N running jobs", "N");
  AddOptional(cmd, "--max-pending-jobs", &q->max_pending_jobs, "at most N pending jobs", "N");
  AddOptional(cmd, "--max-walltime", &q->max_walltime,
              "the longest time limit a job may ask for, e.g. 24h or 2-00:00:00", "DURATION");
  if (!update) return;
  cmd->add_flag("--unlimited-running-jobs", q->unlimited_running_jobs,
                "remove the limit on running jobs");
  cmd->add_flag("--unlimited-pending-jobs", q->unlimited_pending_jobs,
                "remove the limit on pending jobs");
  cmd->add_flag("--unlimited-walltime", q->unlimited_walltime, "remove the walltime limit");
}

void AddSchedulingFlags(CLI::App* cmd, SchedulingFlags* s, bool update) {
  AddOptional(cmd, "--share", &s->share,
              "fair-share weight among its siblings (default 1): a tenant with share 2 is meant "
              "to get twice the use of one with share 1",
              "N");
  AddOptional(cmd, "--priority-classes", &s->priority_classes,
              std::string("the priority classes its jobs may use, e.g. normal,low") +
                  (update ? " (\"\" allows all)" : " (default: all)"),
              "LIST");
  AddOptional(cmd, "--default-priority-class", &s->default_priority,
              std::string("the class of a job submitted without --priority") +
                  (update ? " (\"\" uses the cluster's default)" : " (default: the cluster's)"),
              "CLASS");
}

}  // namespace

EnterpriseVerbs::EnterpriseVerbs(CLI::App& app, const GlobalOptions& global) : global_(global) {
  AddUsage(app);
  AddReport(app);
  CLI::App* admin = app.add_subcommand(
      "admin", "manage tenants, tokens, credit and nodes, read the audit log (platform staff)");
  admin->require_subcommand(1);
  AddTenant(*admin);
  AddToken(*admin);
  AddGrant(*admin);
  AddLedger(*admin);
  AddNode(*admin);
  AddFacility(*admin);
  AddAudit(*admin);
}

void EnterpriseVerbs::OnChosen(CLI::App* cmd, std::function<int()> run,
                               std::set<std::string> extra_formats) {
  cmd->callback([this, run = std::move(run), extra_formats = std::move(extra_formats)] {
    run_ = run;
    extra_formats_ = extra_formats;
  });
}

void EnterpriseVerbs::AddUsage(CLI::App& app) {
  CLI::App* usage =
      app.add_subcommand("usage", "jobs, quota and credit of a tenant (your own by default)");
  usage->add_option("--tenant", tenant_, "this tenant (admins must name one)");
  OnChosen(usage, [this] { return RunUsage(global_, tenant_); });
}

void EnterpriseVerbs::AddReport(CLI::App& app) {
  CLI::App* report = app.add_subcommand("report", "reports over a period");
  report->require_subcommand(1);
  CLI::App* usage = report->add_subcommand(
      "usage", "jobs, CPU and GPU hours and credits spent per tenant (-o table|json|csv)");
  usage->add_option("--from", report_.from, "start, e.g. 2026-11-01 or an RFC 3339 time")
      ->required();
  usage->add_option("--to", report_.to, "end (exclusive), e.g. 2026-12-01")->required();
  usage->add_option("--tenant", report_.tenant, "only this tenant");
  OnChosen(usage, [this] { return RunReportUsage(global_, report_); }, {"csv"});

  CLI::App* efficiency = report->add_subcommand(
      "efficiency",
      "capacity, granted and used CPU/GPU hours, energy, facility energy and carbon, for the "
      "cluster and per tenant; admins (-o table|json|csv|md)");
  efficiency->add_option("--from", report_.from, "start, e.g. 2026-11-01 or an RFC 3339 time")
      ->required();
  efficiency->add_option("--to", report_.to, "end (exclusive), e.g. 2026-12-01")->required();
  OnChosen(efficiency, [this] { return RunReportEfficiency(global_, report_); }, {"csv", "md"});
}

void EnterpriseVerbs::AddFacility(CLI::App& admin) {
  CLI::App* facility =
      admin.add_subcommand("facility", "the facility energy meter's readings (admins)");
  facility->require_subcommand(1);
  CLI::App* reading = facility->add_subcommand("reading", "add or list meter readings");
  reading->require_subcommand(1);
  CLI::App* add =
      reading->add_subcommand("add", "record a reading of the facility's cumulative energy meter");
  add->add_option("--energy", reading_.energy,
                  "the meter's reading, e.g. 123456kWh, 1.2MWh or 5000Wh")
      ->required();
  add->add_option("--time", reading_.time,
                  "when it was read (default now), e.g. 2026-11-30T12:00:00Z");
  add->add_option("--note", reading_.note, "who or what took it, e.g. \"main meter\"");
  OnChosen(add, [this] { return RunFacilityReadingAdd(global_, reading_); });
  CLI::App* list = reading->add_subcommand("list", "list the readings");
  OnChosen(list, [this] { return RunFacilityReadingList(global_); });
}

void EnterpriseVerbs::AddTenant(CLI::App& admin) {
  CLI::App* tenant = admin.add_subcommand("tenant", "create, change and list tenants");
  tenant->require_subcommand(1);

  CLI::App* create = tenant->add_subcommand("create", "create a tenant");
  create
      ->add_option("name", tenant_options_.name,
                   "tenant name ([a-z0-9_-]), or ENTERPRISE/PROJECT for a project of an "
                   "enterprise, e.g. acme/vision")
      ->required();
  AddOptional(create, "--display-name", &tenant_options_.display_name, "name for people");
  AddQuotaFlags(create, &tenant_options_.quota, /*update=*/false);
  AddSchedulingFlags(create, &tenant_options_.scheduling, /*update=*/false);
  OnChosen(create, [this] { return RunTenantCreate(global_, tenant_options_); });

  CLI::App* update = tenant->add_subcommand("update", "change a tenant (only the flags given)");
  update->add_option("name", tenant_options_.name, "tenant name")->required();
  AddOptional(update, "--display-name", &tenant_options_.display_name, "name for people");
  AddQuotaFlags(update, &tenant_options_.quota, /*update=*/true);
  AddSchedulingFlags(update, &tenant_options_.scheduling, /*update=*/true);
  OnChosen(update, [this] { return RunTenantUpdate(global_, tenant_options_); });

  CLI::App* list = tenant->add_subcommand("list", "list tenants");
  OnChosen(list, [this] { return RunTenantList(global_); });

  CLI::App* show = tenant->add_subcommand("show", "show a tenant and its quota");
  show->add_option("name", tenant_, "tenant name")->required();
  OnChosen(show, [this] { return RunTenantShow(global_, tenant_); });

  CLI::App* disable =
      tenant->add_subcommand("disable", "refuse new submits (pending jobs wait, running finish)");
  disable->add_option("name", tenant_, "tenant name")->required();
  OnChosen(disable, [this] { return RunTenantSetEnabled(global_, tenant_, false); });

  CLI::App* enable = tenant->add_subcommand("enable", "accept submits again");
  enable->add_option("name", tenant_, "tenant name")->required();
  OnChosen(enable, [this] { return RunTenantSetEnabled(global_, tenant_, true); });
}

void EnterpriseVerbs::AddToken(CLI::App& admin) {
  CLI::App* token = admin.add_subcommand("token", "issue, list and revoke tenants' tokens");
  token->require_subcommand(1);

  CLI::App* issue = token->add_subcommand("issue", "issue a token; prints it (shown only once)");
  issue->add_option("tenant", token_issue_.tenant, "tenant name")->required();
  issue->add_option("--role", token_issue_.role, "submitter (default) or viewer (read only)");
  issue->add_option("--name", token_issue_.name, "what the token is for, e.g. ci");
  issue->add_option("--expires", token_issue_.expires,
                    "it stops working this long after issue, e.g. 1h, 30d (default: never)");
  OnChosen(issue, [this] { return RunTokenIssue(global_, token_issue_); });

  CLI::App* list = token->add_subcommand("list", "list a tenant's tokens");
  list->add_option("tenant", tenant_, "tenant name")->required();
  OnChosen(list, [this] { return RunTokenList(global_, tenant_); });

  CLI::App* revoke = token->add_subcommand("revoke", "revoke a token");
  revoke->add_option("id", token_id_, "token id (12 hex digits)")->required();
  OnChosen(revoke, [this] { return RunTokenRevoke(global_, token_id_); });
}

void EnterpriseVerbs::AddGrant(CLI::App& admin) {
  CLI::App* grant = admin.add_subcommand("grant", "give tenants credit");
  grant->require_subcommand(1);

  CLI::App* add = grant->add_subcommand("add", "add a grant of credits to a tenant");
  add->add_option("tenant", grant_.tenant, "tenant name")->required();
  add->add_option("--credits", grant_.credits, "amount, e.g. 100 or 2.5")->required();
  add->add_option("--source", grant_.source, "voucher or purchase")->required();
  add->add_option("--program", grant_.program, "voucher programme or order, e.g. city-ai-2026")
      ->required();
  add->add_option("--valid-from", grant_.valid_from, "start (default: now), e.g. 2026-11-01");
  add->add_option("--valid-until", grant_.valid_until, "end (exclusive), e.g. 2027-01-01")
      ->required();
  OnChosen(add, [this] { return RunGrantAdd(global_, grant_); });

  CLI::App* list = grant->add_subcommand("list", "list a tenant's grants and their balances");
  list->add_option("tenant", tenant_, "tenant name")->required();
  OnChosen(list, [this] { return RunGrantList(global_, tenant_); });
}

void EnterpriseVerbs::AddLedger(CLI::App& admin) {
  CLI::App* ledger = admin.add_subcommand("ledger", "check the credit ledger");
  ledger->require_subcommand(1);
  CLI::App* verify = ledger->add_subcommand(
      "verify", "recompute every grant's balances from the ledger; exit 1 on a mismatch");
  OnChosen(verify, [this] { return RunLedgerVerify(global_); });
}

void EnterpriseVerbs::AddAudit(CLI::App& admin) {
  CLI::App* audit = admin.add_subcommand(
      "audit",
      "the audit log: staff changes, tokens issued and revoked, refused calls (admins and "
      "auditors)");
  audit->add_option("--since", audit_.since, "from this time on, e.g. 2026-12-01 or RFC 3339");
  audit->add_option("--actor", audit_.actor, "only this actor, e.g. admin:ops or tenant:acme/ci");
  audit->add_option("--limit", audit_.limit, "at most N entries (default 100, at most 10000)");
  CLI::App* verify = audit->add_subcommand(
      "verify", "recompute the log's hash chain; exit 1 and name the first broken entry");
  OnChosen(verify, [this] { return RunAuditVerify(global_); });
  audit->callback([this, verify] {
    if (verify->parsed()) return;  // verify's own callback chose it
    run_ = [this] { return RunAudit(global_, audit_); };
    extra_formats_ = {};
  });
}

void EnterpriseVerbs::AddNode(CLI::App& admin) {
  CLI::App* node = admin.add_subcommand("node", "drain and resume nodes, reset their credential");
  node->require_subcommand(1);
  CLI::App* drain =
      node->add_subcommand("drain", "place nothing new on a node; its running jobs finish");
  drain->add_option("node", node_, "node name")->required();
  drain->add_option("--reason", reason_, "why, shown in sharc nodes")->required();
  OnChosen(drain, [this] { return RunNodeDrain(global_, node_, reason_); });
  CLI::App* resume = node->add_subcommand("resume", "place jobs on a drained node again");
  resume->add_option("node", node_, "node name")->required();
  OnChosen(resume, [this] { return RunNodeResume(global_, node_); });
  CLI::App* revoke = node->add_subcommand(
      "revoke",
      "cut a node off now: its credential and join token stop working, its jobs are requeued, "
      "and it is DOWN until it joins again with a new join token");
  revoke->add_option("node", node_, "node name")->required();
  OnChosen(revoke, [this] { return RunNodeRevoke(global_, node_); });
  CLI::App* token = node->add_subcommand("token", "one-time join tokens for nodes");
  token->require_subcommand(1);
  CLI::App* issue = token->add_subcommand(
      "issue",
      "a token that lets one agent join as NODE and get the node's own credential; prints it "
      "(shown only once)");
  issue->add_option("node", node_, "node name")->required();
  issue->add_option("--expires", expires_,
                    "it stops working this long after issue, e.g. 30m (default 1h, at most 7d)");
  OnChosen(issue, [this] { return RunNodeJoinTokenIssue(global_, node_, expires_); });
}

}  // namespace sharc::cli
