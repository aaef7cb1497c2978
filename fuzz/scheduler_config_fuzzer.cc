// LoadSchedulerConfig (scheduler/config.h): the scheduler's JSON configuration file with
// comments, including its "scheduling" section (ApplySchedulingJson: profiles, plugins,
// priority classes) and its durations, sizes and prices.
//
// Invariants: an accepted configuration passes ValidateSchedulerConfig and
// ValidateSchedulingConfig again, its durations are positive and ordered as validated, and its
// active profile exists.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "scheduler/config.h"
#include "scheduler/scheduling_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sharc;
  using namespace sharc::fuzz;
  static InputFile* file = new InputFile();
  StatusOr<scheduler::SchedulerConfig> config =
      scheduler::LoadSchedulerConfig(file->Write(AsText(data, size)));
  if (!config.ok()) return 0;
  Status valid = scheduler::ValidateSchedulerConfig(*config);
  FUZZ_CHECK(valid.ok(), valid.message());
  Status scheduling = scheduler::ValidateSchedulingConfig(config->scheduling);
  FUZZ_CHECK(scheduling.ok(), scheduling.message());
  FUZZ_CHECK(config->scheduling.profiles.count(config->scheduling.profile) == 1,
             config->scheduling.profile);
  FUZZ_CHECK(config->heartbeat_interval.count() >= 10 &&
                 config->node_timeout >= 2 * config->heartbeat_interval,
             "node_timeout");
  FUZZ_CHECK(!config->fence_after || config->fence_after->count() == 0 ||
                 *config->fence_after < config->node_timeout,
             "fence_after");
  FUZZ_CHECK(config->default_time_limit <= config->max_time_limit, "default_time_limit");
  FUZZ_CHECK(config->default_memory_per_cpu > 0, "default_memory_per_cpu");
  FUZZ_CHECK(config->max_attempts >= 1, std::to_string(config->max_attempts));
  FUZZ_CHECK(config->store_min_free_bytes >= 0 && config->store_reserve_bytes >= 0, "store");
  return 0;
}
