#include "core/job.h"

#include <gtest/gtest.h>

#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/units.h"

namespace sharc {
namespace {

JobSpec ValidSpec() {
  JobSpec spec;
  spec.name = "train";
  spec.command = {"python3", "train.py"};
  spec.cpus = 2;
  spec.memory_bytes = 1 << 30;
  spec.time_limit_seconds = 3600;
  return spec;
}

TEST(JobStateTest, FollowsTheLifecycle) {
  EXPECT_TRUE(CheckTransition(JobState::kPending, JobState::kRunning).ok());
  EXPECT_TRUE(CheckTransition(JobState::kPending, JobState::kCancelled).ok());
  EXPECT_TRUE(CheckTransition(JobState::kRunning, JobState::kPending).ok());  // requeue
  EXPECT_TRUE(CheckTransition(JobState::kRunning, JobState::kNodeFail).ok());
  EXPECT_FALSE(CheckTransition(JobState::kPending, JobState::kCompleted).ok());
  EXPECT_FALSE(CheckTransition(JobState::kRunning, JobState::kRunning).ok());
  Status s = CheckTransition(JobState::kCompleted, JobState::kCancelled);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "a COMPLETED job cannot become CANCELLED");
}

TEST(JobStateTest, NamesRoundTrip) {
  for (JobState s : {JobState::kPending, JobState::kNodeFail, JobState::kPreempted}) {
    EXPECT_EQ(ParseJobState(JobStateName(s)), s);
  }
  EXPECT_EQ(ParseJobState("running"), JobState::kRunning);
  EXPECT_EQ(ParseJobState("BOGUS"), std::nullopt);
}

TEST(JobSpecTest, RequestCountsGpuModelsSeparately) {
  JobSpec spec = ValidSpec();
  spec.gpus = 2;
  spec.gpu_model = "H100";
  EXPECT_EQ(spec.Request(),
            (Resources{{"cpu", 2000}, {"memory", 1 << 30}, {"gpu", 2}, {"gpu/H100", 2}}));
}

TEST(JobSpecTest, ValidationNamesTheField) {
  EXPECT_TRUE(ValidateJobSpec(ValidSpec()).ok());
  auto message_for = [](auto mutate) {
    JobSpec spec = ValidSpec();
    mutate(spec);
    return ValidateJobSpec(spec).message();
  };
  EXPECT_EQ(message_for([](JobSpec& s) { s.cpus = 0; }).rfind("cpus:", 0), 0u);
  EXPECT_EQ(message_for([](JobSpec& s) { s.command.clear(); }).rfind("command:", 0), 0u);
  EXPECT_EQ(message_for([](JobSpec& s) { s.memory_bytes = -1; }).rfind("mem_bytes:", 0), 0u);
  EXPECT_EQ(message_for([](JobSpec& s) { s.gpus = -1; }).rfind("gpus:", 0), 0u);
  EXPECT_EQ(
      message_for([](JobSpec& s) { s.time_limit_seconds = 0; }).rfind("time_limit_seconds:", 0),
      0u);
  EXPECT_EQ(message_for([](JobSpec& s) { s.env["SHARC_JOB_ID"] = "1"; }).rfind("env:", 0), 0u);
  EXPECT_EQ(message_for([](JobSpec& s) { s.env["A=B"] = "1"; }).rfind("env:", 0), 0u);
  EXPECT_EQ(message_for([](JobSpec& s) { s.gpu_model = "H100"; }).rfind("gpu_model:", 0), 0u);
  EXPECT_EQ(message_for([](JobSpec& s) { s.name = "a\nb"; }).rfind("name:", 0), 0u);
}

TEST(JobSpecTest, RulesStateTheirLimits) {
  auto message_for = [](auto mutate) {
    JobSpec spec = ValidSpec();
    mutate(spec);
    return ValidateJobSpec(spec).message();
  };
  EXPECT_EQ(message_for([](JobSpec& s) { s.cpus = kMaxCpusPerJob + 1; }),
            "cpus: must be between 1 and 65536");
  EXPECT_EQ(message_for([](JobSpec& s) { s.memory_bytes = 0; }), "mem_bytes: must be positive");
  EXPECT_EQ(message_for([](JobSpec& s) { s.gpus = kMaxGpusPerJob + 1; }),
            "gpus: must be between 0 and 1024");
  EXPECT_EQ(message_for([](JobSpec& s) { s.time_limit_seconds = kMaxTimeLimitSeconds + 1; }),
            "time_limit_seconds: must be between 1 and 31622400 (366 days)");
  EXPECT_EQ(message_for([](JobSpec& s) { s.name = ""; }),
            "name: must be 1 to 128 printable characters");
  EXPECT_EQ(message_for([](JobSpec& s) { s.name = std::string(kMaxJobNameBytes + 1, 'x'); }),
            "name: must be 1 to 128 printable characters");
  EXPECT_EQ(message_for([](JobSpec& s) { s.command.assign(kMaxCommandArgs + 1, "x"); }),
            "command: at most 4096 arguments");
  EXPECT_EQ(message_for([](JobSpec& s) { s.env["BIG"] = std::string(1 << 20, 'x'); }),
            "command and env: at most 1 MiB together");
  EXPECT_EQ(message_for([](JobSpec& s) { s.labels["k"] = std::string(kMaxLabelBytes + 1, 'v'); }),
            "labels: 'k': keys and values are at most 63 printable characters");
  auto gpu_model = [](std::string model) {
    return [model](JobSpec& s) {
      s.gpus = 1;
      s.gpu_model = model;
    };
  };
  const std::string kModelRule =
      "gpu_model: a GPU model is 1 to 64 bytes of UTF-8 without control characters, e.g. H100";
  EXPECT_EQ(message_for(gpu_model(std::string(kMaxGpuModelBytes + 1, 'H'))), kModelRule);
  EXPECT_EQ(message_for(gpu_model("\xE9t\xE9")), kModelRule);
  JobSpec edge = ValidSpec();
  edge.cpus = kMaxCpusPerJob;
  edge.gpus = kMaxGpusPerJob;
  edge.memory_bytes = INT64_MAX;
  edge.time_limit_seconds = kMaxTimeLimitSeconds;
  edge.name = std::string(kMaxJobNameBytes, 'x');
  EXPECT_TRUE(ValidateJobSpec(edge).ok()) << ValidateJobSpec(edge).message();
}

// A submitted spec may leave the name, memory and time limit to the scheduler (0 or ""), but
// every other rule is the same.
TEST(JobSpecTest, ASubmittedSpecMayLeaveDefaultsToTheScheduler) {
  JobSpec submitted;
  submitted.command = {"true"};
  EXPECT_TRUE(ValidateSubmittedJobSpec(submitted).ok());
  EXPECT_EQ(ValidateJobSpec(submitted).message(), "name: must be 1 to 128 printable characters");
  submitted.memory_bytes = -1;
  EXPECT_EQ(ValidateSubmittedJobSpec(submitted).message(),
            "mem_bytes: must be positive, or 0 for the scheduler's default");
  submitted.memory_bytes = 0;
  submitted.time_limit_seconds = -1;
  EXPECT_EQ(ValidateSubmittedJobSpec(submitted).message(),
            "time_limit_seconds: must be between 1 and 31622400 (366 days), or 0 for the "
            "scheduler's default");
  submitted.time_limit_seconds = 0;
  submitted.cpus = 0;
  EXPECT_EQ(ValidateSubmittedJobSpec(submitted).message(), "cpus: must be between 1 and 65536");
  submitted.cpus = 1;
  submitted.name = "a\tb";
  EXPECT_EQ(ValidateSubmittedJobSpec(submitted).message(),
            "name: must be 1 to 128 printable characters");
}

// An argument or variable longer than execve takes was accepted and its job could only end
// LAUNCH_FAILED ("Argument list too long"), blaming the job monitor.
TEST(JobSpecTest, ASubmittedArgumentOrVariableMustFitOneExecString) {
  JobSpec spec = ValidSpec();
  spec.env["BIG"] = std::string(200000, 'a');
  EXPECT_EQ(ValidateSubmittedJobSpec(spec).message(),
            "env: BIG=... is 200004 bytes; at most 131071 bytes each (the kernel's limit for one "
            "string passed to a program)");
  EXPECT_TRUE(ValidateJobSpec(spec).ok()) << "a job stored before the check must still load";
  spec.env["BIG"] = std::string(kMaxExecStringBytes - 4, 'a');  // BIG= and the value: the limit
  EXPECT_TRUE(ValidateSubmittedJobSpec(spec).ok());
  spec.env.clear();
  spec.command = {"echo", std::string(kMaxExecStringBytes + 1, 'x')};
  EXPECT_EQ(ValidateSubmittedJobSpec(spec).message(),
            "command: argument 1 is 131072 bytes; at most 131071 bytes each (the kernel's limit "
            "for one string passed to a program)");
}

TEST(JobSpecTest, IdempotencyKeysAreBounded) {
  EXPECT_TRUE(ValidateIdempotencyKey("").ok());
  EXPECT_TRUE(ValidateIdempotencyKey(std::string(kMaxIdempotencyKeyBytes, 'k')).ok());
  EXPECT_EQ(ValidateIdempotencyKey(std::string(kMaxIdempotencyKeyBytes + 1, 'k')).message(),
            "idempotency_key: at most 128 characters");
}

Job ValidJob() {
  Job job;
  job.id = JobId{7};
  job.tenant = "acme";
  job.spec = ValidSpec();
  job.state = JobState::kCompleted;
  job.attempt = 1;
  job.allocation = Allocation{{NodeAllocation{"n1", {0, 1}, {0}, 1 << 30, false}}};
  job.exit_code = 0;
  job.submit_time = 1;
  return job;
}

TEST(JobTest, ValidationNamesTheField) {
  EXPECT_TRUE(ValidateJob(ValidJob()).ok());
  auto message_for = [](auto mutate) {
    Job job = ValidJob();
    mutate(job);
    return ValidateJob(job).message();
  };
  EXPECT_EQ(message_for([](Job& j) { j.id = JobId{0}; }), "id: must be at least 1");
  EXPECT_EQ(message_for([](Job& j) { j.spec.cpus = 0; }), "cpus: must be between 1 and 65536");
  EXPECT_EQ(message_for([](Job& j) { j.attempt = -1; }),
            "attempt: must be between 0 and 2147483647");
  EXPECT_EQ(message_for([](Job& j) { j.exit_code = 256; }), "exit_code: must be between 0 and 255");
  EXPECT_EQ(message_for([](Job& j) { j.exit_signal = 0; }), "signal: must be between 1 and 128");
  EXPECT_EQ(message_for([](Job& j) { j.start_time = -1; }),
            "start_time: must be between 0 and 253402300799999");
  EXPECT_EQ(message_for([](Job& j) { j.end_time = kMaxRfc3339Millis + 1; }),
            "end_time: must be between 0 and 253402300799999");
  EXPECT_EQ(message_for([](Job& j) { j.cpu_energy_uj = -1; }), "cpu_energy_uj: must be at least 0");
  EXPECT_EQ(message_for([](Job& j) { j.idempotency_key = std::string(129, 'k'); }),
            "idempotency_key: at most 128 characters");
  EXPECT_EQ(message_for([](Job& j) { j.allocation->nodes[0].node = ""; }),
            "allocation[0].node: must name the node");
  EXPECT_EQ(message_for([](Job& j) { j.allocation->nodes[0].cpus = {kMaxCpuListIndex + 1}; }),
            "allocation[0].cpus: must be between 0 and 65535");
  EXPECT_EQ(message_for([](Job& j) { j.allocation->nodes[0].gpus = {-1}; }),
            "allocation[0].gpus: must be between 0 and 1024");
  EXPECT_EQ(message_for([](Job& j) { j.allocation->nodes[0].memory_bytes = -1; }),
            "allocation[0].mem_bytes: must be at least 0");
  EXPECT_EQ(message_for([](Job& j) { j.allocation->nodes.clear(); }),
            "allocation: must have a part on at least one node");
}

// An allocation is the job's whole grant: parts on distinct nodes, in rank order.
TEST(AllocationTest, PartsAreOnDistinctNodesAndFoundByNode) {
  Allocation gang{{NodeAllocation{"a", {0, 1}, {}, 1 << 20, false},
                   NodeAllocation{"b", {2}, {0}, 2 << 20, true}}};
  EXPECT_TRUE(ValidateAllocation(gang, "allocation").ok());
  EXPECT_EQ(gang.NodeNames(), (std::vector<std::string>{"a", "b"}));
  ASSERT_NE(gang.Find("b"), nullptr);
  EXPECT_EQ(gang.Find("b")->cpus, std::vector<int>{2});
  EXPECT_EQ(gang.Find("c"), nullptr);
  gang.nodes.push_back(NodeAllocation{"a", {3}, {}, 0, false});
  EXPECT_EQ(ValidateAllocation(gang, "launch.allocation").message(),
            "launch.allocation[2].node: 'a' has an earlier part: one part per node");
  gang.nodes[1].cpus = {-1};
  EXPECT_EQ(ValidateAllocation(gang, "x").message(), "x[1].cpus: must be between 0 and 65535");
  EXPECT_EQ(ValidateNodeAllocation(NodeAllocation{}).message(), "node: must name the node");
}

TEST(DifferingSpecFieldsTest, NamesEachFieldThatDiffers) {
  JobSpec base;
  base.command = {"true"};
  EXPECT_TRUE(DifferingSpecFields(base, base).empty());
  std::vector<std::pair<std::string_view, std::function<void(JobSpec&)>>> changes = {
      {spec_field::kName, [](JobSpec& s) { s.name = "x"; }},
      {spec_field::kCommand, [](JobSpec& s) { s.command.push_back("x"); }},
      {spec_field::kEnv, [](JobSpec& s) { s.env["A"] = "1"; }},
      {spec_field::kCpus, [](JobSpec& s) { s.cpus = 2; }},
      {spec_field::kMemoryBytes, [](JobSpec& s) { s.memory_bytes = 1; }},
      {spec_field::kGpus, [](JobSpec& s) { s.gpus = 1; }},
      {spec_field::kGpuModel, [](JobSpec& s) { s.gpu_model = "h100"; }},
      {spec_field::kTimeLimitSeconds, [](JobSpec& s) { s.time_limit_seconds = 5; }},
      {spec_field::kLabels, [](JobSpec& s) { s.labels["rack"] = "a"; }},
      {spec_field::kRequeue, [](JobSpec& s) { s.requeue = false; }},
      {spec_field::kPriorityClass, [](JobSpec& s) { s.priority_class = "high"; }},
      {spec_field::kAfterOk, [](JobSpec& s) { s.after_ok = {JobId{1}}; }},
      {spec_field::kAfterAny, [](JobSpec& s) { s.after_any = {JobId{1}}; }},
      {spec_field::kAfterNotOk, [](JobSpec& s) { s.after_not_ok = {JobId{1}}; }},
      {spec_field::kKeepOnUnsatisfied, [](JobSpec& s) { s.keep_on_unsatisfied = true; }},
      {spec_field::kNumNodes, [](JobSpec& s) { s.num_nodes = 2; }},
      {spec_field::kTopologyGroup, [](JobSpec& s) { s.topology_group = "rack"; }},
      {spec_field::kWaitAllRanks, [](JobSpec& s) { s.wait_all_ranks = true; }},
      {spec_field::kArray, [](JobSpec& s) { s.array = "0-3"; }},
  };
  for (const auto& [field, change] : changes) {
    JobSpec changed = base;
    change(changed);
    ASSERT_NE(changed, base) << field;  // the change reaches a field operator== sees
    EXPECT_EQ(DifferingSpecFields(base, changed), std::vector<std::string_view>{field});
  }
}

}  // namespace
}  // namespace sharc
