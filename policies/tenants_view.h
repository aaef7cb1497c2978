// The tenants as the scheduling core sees them in one cycle: quotas, what each holds and waits
// for, fair-share weights and decayed usage, credit, and the priority classes. Built by the
// scheduler (or the simulator) before each cycle; small (one entry per tenant).
//
// Tenants form a two-level tree: an enterprise ("acme") and its projects ("acme/vision"). A
// project's parent is the enterprise its name starts with. What a tenant holds and waits for is
// its own jobs'; SubtreeOf adds its projects'.
#ifndef SHARC_POLICIES_TENANTS_VIEW_H_
#define SHARC_POLICIES_TENANTS_VIEW_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/credit.h"
#include "core/resources.h"
#include "core/tenant.h"

namespace sharc::policies {

// A priority class from the scheduler's configuration.
struct PriorityClass {
  std::string name;
  int32_t value = 0;                    // higher goes first and may preempt lower
  bool preemptible = true;              // its jobs may be preempted by a higher class
  bool preempt_across_tenants = false;  // its jobs may preempt other tenants' borrowing jobs
  friend bool operator==(const PriorityClass&, const PriorityClass&) = default;
};

struct TenantView {
  std::string name;
  std::string parent;  // "" for an enterprise
  TenantQuota quota;
  bool disabled = false;
  int64_t share = 1;  // fair-share weight among its siblings, >= 1
  // Its own jobs (not its projects'):
  Resources held;  // requests of its running jobs
  int64_t running = 0;
  int64_t pending = 0;
  double usage = 0;   // decayed usage (dominant-share seconds) as of the cycle
  std::string payer;  // whose credit pays for its jobs (itself or its enterprise)
};

// What a tenant and its projects hold and wait for together.
struct SubtreeUsage {
  Resources held;
  int64_t running = 0;
  int64_t pending = 0;
  double usage = 0;
};

struct CreditView {
  bool enforced = false;
  PriceList prices;
  std::map<std::string, MicroCredits, std::less<>> available;  // by payer, reservable now
};

class TenantsView {
 public:
  // Adds (or replaces) a tenant. Call Finalize once all are added.
  void Add(TenantView tenant);
  // Computes subtree totals and sibling lists.
  void Finalize();

  const TenantView* Find(std::string_view name) const;
  const std::map<std::string, TenantView, std::less<>>& all() const { return tenants_; }
  // The enterprise's projects, by name; empty for a project.
  const std::vector<std::string>& ChildrenOf(std::string_view name) const;
  // The tenant and its projects. Zero for an unknown tenant.
  const SubtreeUsage& SubtreeOf(std::string_view name) const;
  // Enterprises, by name.
  const std::vector<std::string>& enterprises() const { return enterprises_; }

  CreditView credit;

 private:
  std::map<std::string, TenantView, std::less<>> tenants_;
  std::map<std::string, std::vector<std::string>, std::less<>> children_;
  std::map<std::string, SubtreeUsage, std::less<>> subtree_;
  std::vector<std::string> enterprises_;
};

// "acme/vision" -> "acme"; "acme" -> "".
std::string_view ParentOf(std::string_view tenant);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_TENANTS_VIEW_H_
