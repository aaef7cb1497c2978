// A small run whose figures the report tests work out by hand.
//
// Cluster: node A (4 CPUs) and node B (4 CPUs, 2 GPUs): 8 CPUs, 2 GPUs, 2 nodes.
// Tenants: a (share 2), b (share 1), c (no share given: 1). Times in minutes:
//
//   job  tenant  cpus gpus  arrival  first start  end   run  preempted  state      node
//   J1   a       2    0     0        0            100   100  0          COMPLETED  A
//   J2   a       3    0     0        20           120   100  0          COMPLETED  B
//   J3   b       1    1     10       50           150   80   1          COMPLETED  B (50-70,
//                                                                                  90-150)
//   J4   b       1    0     40       100          200   100  0          TIMEOUT    A
//   J5   c       16   0     50       never        -     0    0          PENDING    -
//
// Node A holds a job from 0 to 200 (200 min), node B from 20 to 150 (130 min): 330 min
// powered on.
#ifndef SHARC_TESTS_SIM_REPORT_SCENARIO_H_
#define SHARC_TESTS_SIM_REPORT_SCENARIO_H_

#include "sim/report.h"

namespace sharc::sim::testing {

inline constexpr int64_t kMinute = 60 * 1000;

inline JobOutcome Outcome(std::string tenant, int32_t cpus, int32_t gpus, int64_t arrival,
                          int64_t start, int64_t end, int64_t run, int32_t preemptions,
                          std::string state) {
  auto minutes = [](int64_t m) { return m < 0 ? -1 : m * kMinute; };
  return {.tenant = std::move(tenant),
          .cpus = cpus,
          .gpus = gpus,
          .memory_bytes = cpus * (4LL << 30),
          .arrival_ms = minutes(arrival),
          .first_start_ms = minutes(start),
          .end_ms = minutes(end),
          .run_ms = run * kMinute,
          .preemptions = preemptions,
          .final_state = std::move(state)};
}

inline RunInputs Scenario() {
  RunInputs inputs;
  inputs.profile = "fifo";
  inputs.jobs = {Outcome("a", 2, 0, 0, 0, 100, 100, 0, "COMPLETED"),
                 Outcome("a", 3, 0, 0, 20, 120, 100, 0, "COMPLETED"),
                 Outcome("b", 1, 1, 10, 50, 150, 80, 1, "COMPLETED"),
                 Outcome("b", 1, 0, 40, 100, 200, 100, 0, "TIMEOUT"),
                 Outcome("c", 16, 0, 50, -1, -1, 0, 0, "PENDING")};
  inputs.cluster = {.cpus = 8, .gpus = 2, .nodes = 2};
  inputs.powered_on_node_ms = 330 * kMinute;
  inputs.tenant_shares = {{"a", 2.0}, {"b", 1.0}};
  return inputs;
}

// The same workload under a profile that backfills J4 at once (40-140 on node A) and gives
// up on J5 (FAILED): last end 150 (J3), node A busy 0-140, B 20-150: 270 min.
inline RunInputs BackfillScenario() {
  RunInputs inputs = Scenario();
  inputs.profile = "backfill";
  inputs.jobs[3] = Outcome("b", 1, 0, 40, 40, 140, 100, 0, "TIMEOUT");
  inputs.jobs[4] = Outcome("c", 16, 0, 50, -1, 60, 0, 0, "FAILED");
  inputs.powered_on_node_ms = 270 * kMinute;
  return inputs;
}

}  // namespace sharc::sim::testing

#endif  // SHARC_TESTS_SIM_REPORT_SCENARIO_H_
