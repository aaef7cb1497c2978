// The "scheduling" section of the scheduler's configuration, also read by sharc-sim: which
// profile schedules (a built-in one or one defined here), the priority classes, and fair share.
//
//   "scheduling": {
//     "profile": "default",                   // built-in: default, spread, fifo; or below
//     "profiles": {"mine": {"queue_sort": "fair-share",
//                           "pre_filter": ["tenant-quota", "credit"],
//                           "filter": ["node-labels", "node-resources", "reservations"],
//                           "score": [{"name": "bin-pack", "weight": 2}, {"name": "topology"}],
//                           "permit": [],
//                           "post_filter": ["priority-preemption", "guarantee-reclaim",
//                                           "backfill"],
//                           "node_search": "tightest",   // tightest | loosest | first-fit
//                           "nodes_to_score": 8,
//                           "backfill": "easy",          // off | easy | conservative
//                           "reservations": 10}},
//     "priority_classes": [{"name": "low", "value": 0},
//                          {"name": "normal", "value": 100},
//                          {"name": "high", "value": 1000, "preemptible": false,
//                           "preempt_across_tenants": true}],
//     "default_priority_class": "normal",
//     "fair_share_half_life": "7d",            // how fast past usage is forgiven; "0" = never
//     "queue_depth": 1000,                     // jobs a cycle after an event looks at
//     "full_cycle_interval": "1s"              // the most often a full cycle runs
//   }
// Cycles: new jobs are considered as they arrive (only them); when resources free up, the first
// queue_depth jobs in queue order are considered at once; and a full cycle (every pending job,
// backfill reservations made anew) follows such a change, but at most once per
// full_cycle_interval: Slurm's split between its quick scheduler and its backfill pass, so a
// long queue costs a pass per interval, not per ended job.
// A profile defined here may leave fields out: they keep the values of the built-in "default"
// profile. Each profile is built once at start-up, so a plugin name or extension point that
// does not exist is refused then, naming the profile.
#ifndef SHARC_SCHEDULER_SCHEDULING_CONFIG_H_
#define SHARC_SCHEDULER_SCHEDULING_CONFIG_H_

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "policies/profile.h"
#include "policies/tenants_view.h"
#include "protocol/json_fields.h"

namespace sharc::scheduler {

struct SchedulingConfig {
  std::string profile = "default";
  std::map<std::string, policies::ProfileConfig> profiles;  // the built-in ones and the file's
  std::vector<policies::PriorityClass> priority_classes;    // by value, highest first
  std::string default_priority_class = "normal";
  std::chrono::milliseconds fair_share_half_life = std::chrono::hours(7 * 24);
  int32_t queue_depth = 1000;
  std::chrono::milliseconds full_cycle_interval{1000};

  SchedulingConfig();  // the built-in profiles and classes low (0), normal (100), high (1000)

  // The class named `name`, or null.
  const policies::PriorityClass* FindClass(std::string_view name) const;
  const policies::ProfileConfig& active_profile() const { return profiles.at(profile); }
};

// Reads the section onto `config` (errors are prefixed "scheduling."), then validates it.
Status ApplySchedulingJson(const protocol::Json& json, SchedulingConfig* config);

// Every class name unique and valid, the default class and the profile exist, every profile
// builds with the built-in plugins.
Status ValidateSchedulingConfig(const SchedulingConfig& config);

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_SCHEDULING_CONFIG_H_
