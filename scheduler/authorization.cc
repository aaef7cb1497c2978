#include "scheduler/authorization.h"

#include <array>

namespace sharc::scheduler {
namespace {

// The columns of the roles table.
enum Column { kAdmin, kOperator, kAuditor, kSubmitter, kViewer, kColumns };
constexpr std::array<std::string_view, kColumns> kColumnNames = {"admin", "operator", "auditor",
                                                                 "submitter", "viewer"};

struct Row {
  Action action;
  std::string_view name;
  bool change;
  std::array<Reach, kColumns> reach;
  std::string_view refusal;  // what a caller without the permission is told it cannot do
};

constexpr Reach N = Reach::kNone;
constexpr Reach O = Reach::kOwn;
constexpr Reach A = Reach::kAll;

// In the order of Action; authorization.h shows the same table.
constexpr std::array<Row, kActionCount> kRoles = {{
    {Action::kSession, "session", false, {A, A, A, O, O}, "use the API"},
    {Action::kReadJobs, "read_jobs", false, {A, A, A, O, O}, "read jobs"},
    {Action::kSubmitJobs, "submit_jobs", true, {N, N, N, O, N}, "submit jobs"},
    {Action::kCancelJobs, "cancel_jobs", true, {A, N, N, O, N}, "cancel jobs"},
    {Action::kReadNodes, "read_nodes", false, {A, A, A, A, A}, "read nodes"},
    {Action::kManageNodes, "manage_nodes", true, {A, A, N, N, N}, "manage nodes"},
    {Action::kReadTenants, "read_tenants", false, {A, A, A, O, O}, "read tenants"},
    {Action::kManageTenants, "manage_tenants", true, {A, N, N, N, N}, "manage tenants"},
    {Action::kManageTokens, "manage_tokens", true, {A, N, N, N, N}, "issue or revoke tokens"},
    {Action::kManageCredit, "manage_credit", true, {A, N, N, N, N}, "grant credit"},
    {Action::kReadReports, "read_reports", false, {A, A, A, N, N}, "read platform reports"},
    {Action::kRecordFacility, "record_facility", true, {A, A, N, N, N}, "record facility readings"},
    {Action::kReadAudit, "read_audit", false, {A, N, A, N, N}, "read the audit log"},
    {Action::kScrape, "scrape", false, {A, A, A, N, N}, "scrape metrics"},
}};

constexpr bool RowsInActionOrder() {
  for (int i = 0; i < kActionCount; ++i) {
    if (static_cast<int>(kRoles[i].action) != i) return false;
  }
  return true;
}
static_assert(RowsInActionOrder(), "kRoles must list the actions in the order of Action");

const Row& RowOf(Action action) { return kRoles[static_cast<int>(action)]; }

Column ColumnOf(const Principal& who) {
  switch (who.role) {
    case Principal::Role::kAdmin:
      return kAdmin;
    case Principal::Role::kOperator:
      return kOperator;
    case Principal::Role::kAuditor:
      return kAuditor;
    case Principal::Role::kTenant:
      break;
  }
  return who.token_role == TokenRole::kViewer ? kViewer : kSubmitter;
}

// "admin or operator": the roles that may do `row`'s action.
std::string WhoMay(const Row& row) {
  std::string out;
  for (int c = 0; c < kColumns; ++c) {
    if (row.reach[c] == Reach::kNone) continue;
    if (!out.empty()) out += ", ";
    out += kColumnNames[c];
  }
  return out;
}

}  // namespace

std::string_view ActionName(Action action) { return RowOf(action).name; }

bool IsChange(Action action) { return RowOf(action).change; }

Reach ReachOf(const Principal& who, Action action) { return RowOf(action).reach[ColumnOf(who)]; }

Status Authorize(const Principal& who, Action action, const std::optional<Subject>& subject) {
  const Row& row = RowOf(action);
  switch (row.reach[ColumnOf(who)]) {
    case Reach::kAll:
      return Status::Ok();
    case Reach::kOwn:
      if (!subject || who.Owns(subject->tenant)) return Status::Ok();
      return NotFoundError(subject->what + " not found");
    case Reach::kNone:
      break;
  }
  const std::string_view role = kColumnNames[ColumnOf(who)];
  const std::string article =
      std::string_view("aeiou").find(role.front()) != std::string_view::npos ? "an " : "a ";
  return PermissionDeniedError(article + std::string(role) + " token may not " +
                               std::string(row.refusal) + " (roles that may: " + WhoMay(row) + ")");
}

}  // namespace sharc::scheduler
