// The command-line wiring of the enterprise and admin verbs: `usage`, `report usage|efficiency`
// and `admin tenant|token|grant|ledger|node|facility|audit ...`. main.cc constructs one
// EnterpriseVerbs before parsing; after a successful parse, chosen() says whether one of these
// verbs was given and Run() runs it (admin_commands.h, report_commands.h).
#ifndef SHARC_AGENT_CLI_ENTERPRISE_VERBS_H_
#define SHARC_AGENT_CLI_ENTERPRISE_VERBS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <set>
#include <string>

#include "agent/cli/admin_requests.h"
#include "agent/cli/audit_commands.h"
#include "agent/cli/commands.h"

namespace sharc::cli {

class EnterpriseVerbs {
 public:
  // Adds the verbs to `app`. Both `app` and `global` must outlive this object; `global` is read
  // only when Run() is called, so it may still be filled in by the parse.
  EnterpriseVerbs(CLI::App& app, const GlobalOptions& global);
  // CLI11 keeps pointers into the argument storage below.
  EnterpriseVerbs(const EnterpriseVerbs&) = delete;
  EnterpriseVerbs& operator=(const EnterpriseVerbs&) = delete;

  bool chosen() const { return static_cast<bool>(run_); }
  // Whether the chosen verb writes `format` ("csv": the reports; "md": report efficiency).
  bool accepts_output(const std::string& format) const {
    return format == "table" || format == "json" || extra_formats_.count(format) > 0;
  }
  // Precondition: chosen(). Returns the exit code.
  int Run() const { return run_(); }

 private:
  void AddUsage(CLI::App& app);
  void AddReport(CLI::App& app);
  void AddTenant(CLI::App& admin);
  void AddToken(CLI::App& admin);
  void AddGrant(CLI::App& admin);
  void AddLedger(CLI::App& admin);
  void AddNode(CLI::App& admin);
  void AddAudit(CLI::App& admin);
  // Makes `cmd`, once parsed, the verb Run() runs.
  // `extra_formats`: what it writes besides table and json.
  void OnChosen(CLI::App* cmd, std::function<int()> run, std::set<std::string> extra_formats = {});
  void AddFacility(CLI::App& admin);

  const GlobalOptions& global_;
  std::function<int()> run_;
  std::set<std::string> extra_formats_;

  // Argument storage; only one verb is parsed, so verbs may share a field.
  std::string tenant_;  // usage --tenant, and the TENANT / NAME positional of admin verbs
  std::string token_id_;
  std::string node_;
  std::string reason_;
  std::string expires_;  // node token issue --expires
  ReportOptions report_;
  TenantOptions tenant_options_;
  TokenIssueOptions token_issue_;
  GrantAddOptions grant_;
  FacilityReadingOptions reading_;
  AuditOptions audit_;
};

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_ENTERPRISE_VERBS_H_
