// Tenants (enterprises) and their quotas.
//
// Quota semantics (per resource: "cpu" in millicpus, "memory" in bytes, "gpu", "gpu/<model>"):
//   guaranteed  capacity reserved for the tenant whenever it has work (Kueue's nominal quota);
//               absent = 0.
//   max         the most it may hold at once, borrowing idle capacity beyond its guarantee;
//               absent = unlimited.
//   lendable    how much of its unused guarantee others may borrow while it has no work for
//               it; absent = all of it.
// plus limits on running and pending jobs, on one job's walltime and on one job's size.
#ifndef SHARC_CORE_TENANT_H_
#define SHARC_CORE_TENANT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/resources.h"
#include "core/status.h"

namespace sharc {

struct TenantQuota {
  Resources guaranteed;
  ResourceLimits max;
  ResourceLimits lendable;
  std::optional<int64_t> max_running_jobs;
  std::optional<int64_t> max_pending_jobs;
  std::optional<int64_t> max_time_limit_seconds;
  ResourceLimits max_per_job;
  friend bool operator==(const TenantQuota&, const TenantQuota&) = default;
};

struct Tenant {
  // An enterprise: [a-z0-9_-], 1..63, starting with a letter or digit. A project of an
  // enterprise: "<enterprise>/<project>", each part by the same rule ("acme/vision").
  std::string name;
  std::string display_name;  // for people; may be empty
  bool disabled = false;     // no new submits; pending jobs wait; running jobs finish
  TenantQuota quota;
  int64_t share = 1;  // fair-share weight among its siblings, 1..1000000
  // The priority classes its jobs may use (empty: all of them), and the one a job gets when
  // it names none ("": the scheduler's default).
  std::vector<std::string> priority_classes;
  std::string default_priority_class;
  UnixMillis created = 0;
  friend bool operator==(const Tenant&, const Tenant&) = default;
};

// A bearer token issued to a tenant. Only the SHA-256 of the token is kept.
enum class TokenRole {
  kSubmitter,  // submit, cancel, read the tenant's own jobs and usage
  kViewer,     // read only
};
std::string_view TokenRoleName(TokenRole role);  // "submitter", "viewer"
std::optional<TokenRole> ParseTokenRole(std::string_view name);

struct ApiToken {
  std::string id;      // public handle: the first 12 hex digits of the hash
  std::string sha256;  // 64 lower-case hex digits
  std::string tenant;
  TokenRole role = TokenRole::kSubmitter;
  std::string name;  // what it is for, e.g. "ci"
  UnixMillis created = 0;
  UnixMillis revoked = 0;  // 0 = valid
  UnixMillis expires = 0;  // it stops working then; 0 = never
  friend bool operator==(const ApiToken&, const ApiToken&) = default;
};

// An enterprise name, or "<enterprise>/<project>".
Status ValidateTenantName(std::string_view name);
// "acme/vision" -> "acme"; "acme" -> "" (an enterprise has no parent).
std::string_view EnterpriseOf(std::string_view tenant);

inline constexpr int64_t kMaxTenantShare = 1'000'000;
// share in [1, kMaxTenantShare]; class names non-empty; the default class, when both are given,
// one of the allowed. (That the classes exist is the scheduler's configuration's business.)
Status ValidateTenantSettings(const Tenant& tenant);

// max >= guaranteed and lendable <= guaranteed for every resource, counts non-negative. The
// message names the resource: "quota: max cpu (4) is below guaranteed cpu (8)".
Status ValidateTenantQuota(const TenantQuota& quota);

// "cpu=8,memory=64G,gpu=2,gpu/H100=1" -> resources (cpu in CPUs, may be fractional to three
// decimals: "cpu=0.5"; memory a size). Resource names other than cpu, memory, gpu and
// gpu/<model> are refused.
StatusOr<Resources> ParseResourceList(std::string_view text);
// The inverse, in the same units.
std::string FormatResourceList(const Resources& resources);
std::string FormatResourceList(const ResourceLimits& limits);

// One resource amount in its display unit: "8" CPUs, "64 GiB", "2" GPUs.
std::string FormatResourceAmount(std::string_view resource, int64_t value);

}  // namespace sharc

#endif  // SHARC_CORE_TENANT_H_
