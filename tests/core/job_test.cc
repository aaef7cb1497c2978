#include "core/job.h"

#include <gtest/gtest.h>

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
  EXPECT_EQ(spec.Request(), (Resources{{"cpu", 2000},
                                       {"memory", 1 << 30},
                                       {"gpu", 2},
                                       {"gpu/H100", 2}}));
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
  EXPECT_EQ(message_for([](JobSpec& s) { s.time_limit_seconds = 0; })
                .rfind("time_limit_seconds:", 0),
            0u);
  EXPECT_EQ(message_for([](JobSpec& s) { s.env["SHARC_JOB_ID"] = "1"; }).rfind("env:", 0), 0u);
  EXPECT_EQ(message_for([](JobSpec& s) { s.env["A=B"] = "1"; }).rfind("env:", 0), 0u);
  EXPECT_EQ(message_for([](JobSpec& s) { s.gpu_model = "H100"; }).rfind("gpu_model:", 0), 0u);
  EXPECT_EQ(message_for([](JobSpec& s) { s.name = "a\nb"; }).rfind("name:", 0), 0u);
}

}  // namespace
}  // namespace sharc
