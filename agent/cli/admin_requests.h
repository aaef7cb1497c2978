// The requests the enterprise and admin verbs send, checked and built without a server: bad
// input becomes an InvalidArgument Status whose message names the flag (the verb then exits
// 2 before any request is sent). What the server parses again, the client sends as the person
// typed it (resource lists, credits, times), so both sides read the same text.
#ifndef SHARC_AGENT_CLI_ADMIN_REQUESTS_H_
#define SHARC_AGENT_CLI_ADMIN_REQUESTS_H_

#include <optional>
#include <string>

#include "core/status.h"
#include "protocol/json_fields.h"

namespace sharc::cli {

// Quota flags of `admin tenant create` and `admin tenant update`; nullopt = not given.
struct QuotaFlags {
  std::optional<std::string> guaranteed;  // resource lists, e.g. "cpu=8,memory=64G,gpu/H100=1"
  std::optional<std::string> max;
  std::optional<std::string> lendable;
  std::optional<std::string> max_per_job;
  std::optional<std::string> max_running_jobs;  // whole numbers >= 0
  std::optional<std::string> max_pending_jobs;
  std::optional<std::string> max_walltime;  // a duration, e.g. 24h or 1-00:00:00
  // update only: send null, i.e. remove the limit.
  bool unlimited_running_jobs = false;
  bool unlimited_pending_jobs = false;
  bool unlimited_walltime = false;
};

// Scheduling flags of `admin tenant create` and `admin tenant update`; nullopt = not given.
struct SchedulingFlags {
  std::optional<std::string> share;             // fair-share weight, a whole number >= 1
  std::optional<std::string> priority_classes;  // comma-separated class names; "" = all
  std::optional<std::string> default_priority;  // a class name; "" = the cluster's default
};

struct TenantOptions {
  std::string name;  // "acme", or "acme/vision" for a project of acme
  std::optional<std::string> display_name;
  QuotaFlags quota;
  SchedulingFlags scheduling;
};

struct TokenIssueOptions {
  std::string tenant;
  std::string role = "submitter";  // submitter or viewer
  std::string name;                // "" = none
  std::string expires;             // a duration, e.g. 30d; "" = never
};

struct GrantAddOptions {
  std::string tenant;
  std::string credits;  // decimal, > 0, at most six decimals
  std::string source;   // voucher or purchase
  std::string program;
  std::string valid_from;   // RFC 3339 or a bare date; "" = from now
  std::string valid_until;  // required
};

struct ReportOptions {
  std::string from;  // RFC 3339 or a bare date (midnight UTC)
  std::string to;
  std::string tenant;  // "" = every tenant the caller may see
};

struct FacilityReadingOptions {
  std::string energy;  // "123456kWh", "1.2MWh", "5000Wh"
  std::string time;    // "" = now
  std::string note;
};

// A tenant name as a command-line argument (it becomes part of a URL path).
Status CheckTenantArg(const std::string& name);
// A token id: 12 lower-case hex digits, as `admin token list` shows it.
Status CheckTokenId(const std::string& id);

// A resource list as the server reads it: comma-separated resource=amount items, blanks
// around items allowed, no resource twice. "" is allowed (no entries). `flag` prefixes errors.
Status CheckResourceList(const std::string& flag, const std::string& text);

// {"quota": {...}} with only the given fields, or an empty object when no quota flag is given.
StatusOr<protocol::Json> QuotaPatch(const QuotaFlags& flags);

// POST /v1/tenants: {"name", "display_name"?, "quota"?, "share"?, "priority_classes"?,
// "default_priority_class"?}.
StatusOr<protocol::Json> TenantCreateBody(const TenantOptions& options);
// PATCH /v1/tenants/NAME: only the fields given; refuses an update that changes nothing.
StatusOr<protocol::Json> TenantUpdateBody(const TenantOptions& options);
// POST /v1/tenants/T/tokens: {"role", "name"?}.
StatusOr<protocol::Json> TokenIssueBody(const TokenIssueOptions& options);
// POST /v1/tenants/T/grants: {"credits", "source", "program", "valid_from"?, "valid_until"}.
StatusOr<protocol::Json> GrantAddBody(const GrantAddOptions& options);
// GET target "PATH?from=...&to=...[&tenant=...]" (PATH e.g. "/v1/reports/usage"); refuses `to`
// not after `from`.
StatusOr<std::string> ReportTarget(std::string_view path, const ReportOptions& options);
// "123456kWh", "1.2 MWh", "5000Wh" -> watt-hours (whole, rounded down).
StatusOr<int64_t> ParseEnergyWh(std::string_view text);
// POST /v1/facility/readings: {"energy_wh", "time"?, "note"?}.
StatusOr<protocol::Json> FacilityReadingBody(const FacilityReadingOptions& options);

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_ADMIN_REQUESTS_H_
