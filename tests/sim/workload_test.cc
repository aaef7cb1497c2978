#include "sim/workload.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "tests/testing/status_macros.h"

namespace sharc::sim {
namespace {

// Canonical lines, sorted by arrival: what WriteWorkload writes.
const std::string kCanonical =
    R"({"arrival_ms":0,"tenant":"t03","cpus":4,"memory_bytes":17179869184,"gpus":0,)"
    R"("gpu_model":"","runtime_ms":93000,"time_limit_s":600,"priority":"normal","labels":{}})"
    "\n"
    R"({"arrival_ms":1500,"tenant":"acme/vision","cpus":16,"memory_bytes":68719476736,)"
    R"("gpus":2,"gpu_model":"H100","runtime_ms":7200000,"time_limit_s":3600,"priority":"",)"
    R"("labels":{"kind":"gpu","rack":"r\"1"}})"
    "\n";

StatusOr<std::vector<WorkloadJob>> Read(const std::string& text) {
  std::istringstream in(text);
  return ReadWorkload(in, "w.jsonl");
}

std::string Write(const std::vector<WorkloadJob>& jobs) {
  std::ostringstream out;
  WriteWorkload(jobs, out);
  return out.str();
}

// A valid line with `field` replaced by `json` (or removed when json is empty).
std::string LineWith(const std::string& field, const std::string& json) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"arrival_ms", "0"},     {"tenant", "\"t00\""},
      {"cpus", "1"},           {"memory_bytes", "1048576"},
      {"gpus", "0"},           {"gpu_model", "\"\""},
      {"runtime_ms", "1000"},  {"time_limit_s", "60"},
      {"priority", "\"low\""}, {"labels", "{}"}};
  std::string line = "{";
  bool replaced = false;
  for (const auto& [key, value] : fields) {
    std::string v = key == field ? json : value;
    replaced |= key == field;
    if (v.empty()) continue;
    line += (line.size() > 1 ? "," : "") + ("\"" + key + "\":" + v);
  }
  if (!replaced) line += ",\"" + field + "\":" + json;
  return line + "}";
}

TEST(SimWorkloadTest, ReadsEveryField) {
  StatusOr<std::vector<WorkloadJob>> jobs = Read(kCanonical);
  ASSERT_OK(jobs);
  ASSERT_EQ(jobs->size(), 2u);
  const WorkloadJob& gpu = (*jobs)[1];
  EXPECT_EQ(gpu.arrival_ms, 1500);
  EXPECT_EQ(gpu.tenant, "acme/vision");
  EXPECT_EQ(gpu.cpus, 16);
  EXPECT_EQ(gpu.memory_bytes, 64LL << 30);
  EXPECT_EQ(gpu.gpus, 2);
  EXPECT_EQ(gpu.gpu_model, "H100");
  EXPECT_EQ(gpu.runtime_ms, 7200000);  // longer than its limit: it will be killed at 1 h
  EXPECT_EQ(gpu.time_limit_s, 3600);
  EXPECT_EQ(gpu.priority, "");
  EXPECT_EQ(gpu.labels, (std::map<std::string, std::string>{{"kind", "gpu"}, {"rack", "r\"1"}}));
}

TEST(SimWorkloadTest, WriteOfReadIsByteIdentical) {
  StatusOr<std::vector<WorkloadJob>> jobs = Read(kCanonical);
  ASSERT_OK(jobs);
  EXPECT_EQ(Write(*jobs), kCanonical);
  StatusOr<std::vector<WorkloadJob>> again = Read(Write(*jobs));
  ASSERT_OK(again);
  EXPECT_EQ(*again, *jobs);
}

TEST(SimWorkloadTest, OptionalFieldsDefault) {
  StatusOr<std::vector<WorkloadJob>> jobs =
      Read(R"({"arrival_ms":5,"tenant":"t1","cpus":2,"memory_bytes":10,"runtime_ms":0,)"
           R"("time_limit_s":1})");
  ASSERT_OK(jobs);
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].gpus, 0);
  EXPECT_EQ((*jobs)[0].gpu_model, "");
  EXPECT_EQ((*jobs)[0].priority, "");
  EXPECT_TRUE((*jobs)[0].labels.empty());
}

TEST(SimWorkloadTest, SkipsBlankAndCommentLinesAndSortsStablyByArrival) {
  std::string text = "# a comment\n\n" + LineWith("arrival_ms", "30") + "\n   \n" +
                     LineWith("tenant", "\"b\"") + "\n  # indented comment\r\n" +
                     LineWith("tenant", "\"c\"") + "\r\n" + LineWith("arrival_ms", "10") + "\n";
  StatusOr<std::vector<WorkloadJob>> jobs = Read(text);
  ASSERT_OK(jobs);
  ASSERT_EQ(jobs->size(), 4u);
  EXPECT_EQ((*jobs)[0].tenant, "b");  // arrival 0, first in the file
  EXPECT_EQ((*jobs)[1].tenant, "c");  // arrival 0, second
  EXPECT_EQ((*jobs)[2].arrival_ms, 10);
  EXPECT_EQ((*jobs)[3].arrival_ms, 30);
}

TEST(SimWorkloadTest, EmptyInputIsAnEmptyWorkload) {
  StatusOr<std::vector<WorkloadJob>> jobs = Read("");
  ASSERT_OK(jobs);
  EXPECT_TRUE(jobs->empty());
  EXPECT_EQ(Write({}), "");
}

struct Refusal {
  std::string line;
  std::string message;  // the whole message after "w.jsonl:3: "
};

class SimWorkloadRefusalTest : public ::testing::TestWithParam<Refusal> {};

TEST_P(SimWorkloadRefusalTest, NamesLineAndField) {
  // Line 3: after a valid line and a comment.
  std::string text = LineWith("cpus", "1") + "\n# comment\n" + GetParam().line + "\n";
  StatusOr<std::vector<WorkloadJob>> jobs = Read(text);
  ASSERT_FALSE(jobs.ok()) << GetParam().line;
  EXPECT_EQ(jobs.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(jobs.status().message(), "w.jsonl:3: " + GetParam().message);
}

const std::string kRange64 = "between 0 and 9223372036854775807";

INSTANTIATE_TEST_SUITE_P(
    SimRefusals, SimWorkloadRefusalTest,
    ::testing::Values(
        Refusal{LineWith("colour", "\"red\""), "colour: unknown field"},
        Refusal{LineWith("cpu", "2"), "cpu: unknown field (did you mean 'cpus'?)"},
        Refusal{LineWith("arrival_ms", ""), "arrival_ms: is required"},
        Refusal{LineWith("tenant", ""), "tenant: is required"},
        Refusal{LineWith("cpus", ""), "cpus: is required"},
        Refusal{LineWith("memory_bytes", ""), "memory_bytes: is required"},
        Refusal{LineWith("runtime_ms", ""), "runtime_ms: is required"},
        Refusal{LineWith("time_limit_s", ""), "time_limit_s: is required"},
        Refusal{LineWith("arrival_ms", "-1"), "arrival_ms: must be " + kRange64},
        Refusal{LineWith("arrival_ms", "\"0\""), "arrival_ms: must be an integer, not a string"},
        Refusal{LineWith("arrival_ms", "1.5"), "arrival_ms: must be a whole number " + kRange64},
        Refusal{LineWith("cpus", "0"), "cpus: must be between 1 and 65536"},
        Refusal{LineWith("cpus", "-4"), "cpus: must be between 1 and 65536"},
        Refusal{LineWith("memory_bytes", "0"),
                "memory_bytes: must be between 1 and 9223372036854775807"},
        Refusal{LineWith("gpus", "-1"), "gpus: must be between 0 and 1024"},
        Refusal{LineWith("gpus", "true"), "gpus: must be an integer, not a boolean"},
        Refusal{LineWith("gpu_model", "\"H100\""), "gpu_model: set to 'H100' but gpus is 0"},
        Refusal{LineWith("gpu_model", "7"), "gpu_model: must be a string, not a number"},
        Refusal{LineWith("runtime_ms", "-1"), "runtime_ms: must be " + kRange64},
        Refusal{LineWith("time_limit_s", "0"), "time_limit_s: must be between 1 and 31622400"},
        Refusal{LineWith("tenant", "7"), "tenant: must be a string, not a number"},
        Refusal{LineWith("labels", "[]"), "labels: must be an object of string values, not a list"},
        Refusal{LineWith("labels", R"({"rack":1})"), "labels: 'rack' must be a string"},
        Refusal{LineWith("labels", R"({"":"x"})"), "labels: a label key must not be empty"},
        Refusal{LineWith("priority", "\"High\""),
                "priority: 'High' is not a priority class name: use 1 to 63 lower-case letters, "
                "digits, '-' or '_' (starting with a letter or digit), or \"\" for the tenant's "
                "default"},
        Refusal{R"({"cpus":1,"cpus":2})", "cpus: appears twice in one object; give each key once"},
        Refusal{LineWith("labels", R"({"a":"1","a":"2"})"), "labels.a: appears twice in one object; give each key once"},
        Refusal{"[1,2]", "must be a JSON object (one job per line)"},
        Refusal{"{\"cpus\":", "not valid JSON at column 9"}));

TEST(SimWorkloadTest, RefusesBadTenantNames) {
  for (const std::string& bad :
       std::vector<std::string>{"", "T00", "-t", "t.0", "a/b/c", "a/", "/b", "a b",
                                std::string(64, 'a'), "a/" + std::string(64, 'b')}) {
    StatusOr<std::vector<WorkloadJob>> jobs = Read(LineWith("tenant", "\"" + bad + "\""));
    ASSERT_FALSE(jobs.ok()) << bad;
    EXPECT_TRUE(jobs.status().message().starts_with("w.jsonl:1: tenant: '" + bad +
                                                    "' is not a tenant name"))
        << jobs.status().message();
  }
  for (const std::string& good :
       std::vector<std::string>{"t00", "a", "acme/vision", "0-x_y/p_1", std::string(63, 'z')}) {
    SCOPED_TRACE(good);
    EXPECT_OK(Read(LineWith("tenant", "\"" + good + "\"")));
  }
}

TEST(SimWorkloadTest, ValidateWorkloadJobAgreesWithTheReader) {
  WorkloadJob job;
  job.tenant = "t00";
  job.memory_bytes = 1;
  EXPECT_OK(ValidateWorkloadJob(job));
  job.cpus = 0;
  EXPECT_EQ(ValidateWorkloadJob(job).message(), "cpus: must be between 1 and 65536");
}

}  // namespace
}  // namespace sharc::sim
