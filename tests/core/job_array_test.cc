#include "core/job_array.h"

#include <gtest/gtest.h>

#include "core/job.h"

namespace sharc {
namespace {

TEST(ArraySpecTest, ParsesSlurmSyntax) {
  StatusOr<ArraySpec> spec = ParseArraySpec("0-999:2%50");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->max_running, 50);
  EXPECT_EQ(CountTasks(spec->indices), 500);
  EXPECT_EQ(FormatTaskIndices(spec->indices), "0-998:2");
  spec = ParseArraySpec("1,3,10-20:5");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->max_running, 0);
  EXPECT_EQ(FormatTaskIndices(spec->indices), "1,3,10-20:5");
  EXPECT_EQ(CountTasks(spec->indices), 5);
  EXPECT_EQ(CountTasks(ParseArraySpec("7")->indices), 1);
  EXPECT_EQ(CountTasks(ParseArraySpec("0-999999")->indices), kMaxArrayTasks);
}

TEST(ArraySpecTest, RefusesBadSpecsNamingTheField) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"", "array: lists no task indices"},
      {"%5", "array: lists no task indices"},
      {"5-1", "array: '5-1': the range ends before it starts"},
      {"0-9:0", "the step must be at least 1"},
      {"0-9%0", "between 1 and 1000000"},
      {"0-9%x", "'%x'"},
      {"a-b", "'a-b' is not an index"},
      {"-1", "'-1' is not an index"},
      {"0-10000000", "is not an index"},
      {"0-1000000", "array: at most 1000000 tasks"},
      {"5,3", "'3' overlaps or precedes"},
      {"0-9,9", "'9' overlaps or precedes"},
      {"1,", "'' is not an index"},
      {"3:2", "'3:2' is not an index"},
  };
  for (const Case& c : cases) {
    StatusOr<ArraySpec> spec = ParseArraySpec(c.text);
    ASSERT_FALSE(spec.ok()) << c.text;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(spec.status().message().rfind("array: ", 0), 0u) << spec.status().message();
    EXPECT_NE(spec.status().message().find(c.error), std::string::npos)
        << c.text << ": " << spec.status().message();
  }
}

TEST(TaskIndicesTest, RemoveSplitsRangesAndRoundTrips) {
  TaskIndices set = ParseArraySpec("0-10:2,20-22")->indices;
  EXPECT_TRUE(ContainsTask(set, 4));
  EXPECT_FALSE(ContainsTask(set, 5));
  EXPECT_TRUE(RemoveTask(set, 4));
  EXPECT_FALSE(RemoveTask(set, 4));
  EXPECT_TRUE(RemoveTask(set, 0));
  EXPECT_TRUE(RemoveTask(set, 22));
  EXPECT_EQ(FormatTaskIndices(set), "2,6-10:2,20-21");
  EXPECT_EQ(CountTasks(set), 6);
  StatusOr<TaskIndices> back = ParseTaskIndices(FormatTaskIndices(set), "array_unstarted");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, set);
  std::vector<int64_t> visited;
  ForEachTask(set, [&](int64_t i) {
    visited.push_back(i);
    return visited.size() < 4;
  });
  EXPECT_EQ(visited, (std::vector<int64_t>{2, 6, 8, 10}));
  EXPECT_TRUE(ParseTaskIndices("", "x")->empty());
}

TEST(ArraySpecTest, ValidateJobSpecChecksTheArrayField) {
  JobSpec spec;
  spec.name = "t";
  spec.command = {"true"};
  spec.memory_bytes = 1 << 20;
  spec.time_limit_seconds = 60;
  spec.array = "0-9%2";
  EXPECT_TRUE(ValidateJobSpec(spec).ok());
  spec.array = "0-9%0";
  EXPECT_EQ(ValidateJobSpec(spec).message().rfind("array: ", 0), 0u);
  spec.array = "0-9";
  spec.num_nodes = 2;
  EXPECT_NE(ValidateJobSpec(spec).message().find("array: arrays of multi-node"), std::string::npos);
}

TEST(ArraySpecTest, ValidateJobChecksTheArrayFields) {
  Job job;
  job.id = JobId{3};
  job.spec.name = "t";
  job.spec.command = {"true"};
  job.spec.memory_bytes = 1 << 20;
  job.spec.time_limit_seconds = 60;
  job.array_unstarted = ParseArraySpec("0-3")->indices;
  EXPECT_NE(ValidateJob(job).message().find("array_unstarted: only an array job"),
            std::string::npos);
  job.array_unstarted.clear();
  job.array_job = JobId{2};
  job.array_task = -1;
  EXPECT_EQ(ValidateJob(job).message().rfind("array_task: ", 0), 0u);
  job.array_task = 3;
  EXPECT_TRUE(ValidateJob(job).ok());
  job.spec.array = "0-3";
  EXPECT_NE(ValidateJob(job).message().find("cannot be an array itself"), std::string::npos);
}

}  // namespace
}  // namespace sharc
