// Finding room for a pending job by stopping running ones: the node where the fewest eligible
// victims (youngest first) must end for the job to fit, counting the room that preemptions and
// cancellations already under way will free, and leaving alone what reservations hold there
// while the job would run. Shared by the preemption plugins.
#ifndef SHARC_POLICIES_VICTIM_SEARCH_H_
#define SHARC_POLICIES_VICTIM_SEARCH_H_

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "policies/framework.h"

namespace sharc::policies {

struct VictimPlan {
  std::vector<JobId> victims;  // empty: the room being freed already suffices
  NodePlacement placement;     // what the job will take once they have stopped
};

// Whether `victim` may be stopped for the job, given the victims already chosen on the same node
// (so rules like "never below a tenant's guarantee" can count them).
using VictimRule = std::function<bool(const RunningAllocation& victim,
                                      const std::vector<const RunningAllocation*>& chosen)>;

// Over the schedulable nodes with the job's labels that could hold it when empty: a node where
// the room being freed (terminating jobs and this cycle's victims), beside the reservations
// there, already holds the job wins at once; otherwise, on each node, victims allowed by `rule` are
// added youngest first (latest start, then highest id), skipping those holding nothing the node is
// short of, until the job fits. The plan with the fewest victims wins, then the one losing the
// least work (sum of the victims' time running), then the first node found. nullopt if no node
// works.
std::optional<VictimPlan> FindVictims(const PendingJob& job, const CycleContext& context,
                                      const VictimRule& rule);

// Bounds the victim searches of one plugin in one cycle: a search visits every node, so a long
// queue of blocked jobs must not cost queue x nodes in every cycle. At most `limit` searches a
// cycle, and none for a job alike (tenant, priority, request, labels) to one already found
// hopeless in it; the jobs skipped are tried again in the next cycle.
class SearchBudget {
 public:
  explicit SearchBudget(int limit) : limit_(limit) {}
  void Reset() { used_ = 0, hopeless_.clear(); }
  // Whether `job` may be searched for now (counts the search).
  bool Allow(const PendingJob& job);
  // The search for `job` found nothing.
  void Hopeless(const PendingJob& job);

 private:
  static std::string KeyOf(const PendingJob& job);
  int limit_;
  int used_ = 0;
  std::set<std::string> hopeless_;
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_VICTIM_SEARCH_H_
