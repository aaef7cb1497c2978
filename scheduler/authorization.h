// The roles table: what each role may do, and to whose objects. It is the one place that says
// so; the REST pipeline (rest_api.h) asks it for every request before any handler runs.
//
//   action            admin  operator  auditor  submitter  viewer
//   session           all    all       all      own        own      whoami
//   read_jobs         all    all       all      own        own
//   submit_jobs       -      -         -        own        -
//   cancel_jobs       all    -         -        own        -
//   read_nodes        all    all       all      all        all
//   manage_nodes      all    all       -        -          -        drain, resume, credentials
//   read_tenants      all    all       all      own        own      tenants, their tokens,
//                                                                   grants and usage
//   manage_tenants    all    -         -        -          -        create, change, disable
//   manage_tokens     all    -         -        -          -        issue, revoke
//   manage_credit     all    -         -        -          -        grants
//   read_reports      all    all       all      -          -        usage of all, efficiency,
//                                                                   facility readings, ledger
//   record_facility   all    all       -        -          -        facility meter readings
//   read_audit        all    -         all      -          -        the audit log
//   scrape            all    all       all      -          -        /metrics, service discovery
//
// "own": objects of the caller's tenant, or of its projects for an enterprise's token; another
// tenant's objects are answered as if they did not exist (404), so their names leak nothing.
#ifndef SHARC_SCHEDULER_AUTHORIZATION_H_
#define SHARC_SCHEDULER_AUTHORIZATION_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "scheduler/auth.h"

namespace sharc::scheduler {

enum class Action {
  kSession,
  kReadJobs,
  kSubmitJobs,
  kCancelJobs,
  kReadNodes,
  kManageNodes,
  kReadTenants,
  kManageTenants,
  kManageTokens,
  kManageCredit,
  kReadReports,
  kRecordFacility,
  kReadAudit,
  kScrape,
};
inline constexpr int kActionCount = static_cast<int>(Action::kScrape) + 1;

std::string_view ActionName(Action action);  // "read_jobs", ...
// Whether `action` changes anything (so that it is refused while the disk is full, and an
// admin's or operator's use of it is audited).
bool IsChange(Action action);

// How far a role's permission for an action reaches.
enum class Reach { kNone, kOwn, kAll };
Reach ReachOf(const Principal& who, Action action);

// The object a request is about, when it is one tenant's: its owner and how to name it in a
// "not found" answer ("job 12", "tenant acme").
struct Subject {
  std::string tenant;
  std::string what;
};

// OK when `who` may do `action` (to `subject`, when the request is about one tenant's object).
// PermissionDenied names the roles that may; a subject beyond the caller's reach is NotFound.
Status Authorize(const Principal& who, Action action, const std::optional<Subject>& subject);

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_AUTHORIZATION_H_
