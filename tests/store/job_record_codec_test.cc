#include "store/job_record_codec.h"

#include <gtest/gtest.h>

#include "tests/store/store_test_util.h"

namespace sharc::store {
namespace {

using protocol::Json;

TEST(JobRecordCodecTest, RoundTripsEveryField) {
  Job full = testing::FullJob(7);
  full.exit_signal = 9;
  full.preempt_requested = true;
  full.cpu_time_ms = 1500;
  full.peak_memory_bytes = 1 << 20;
  full.cpu_energy_uj = 12;
  full.gpu_energy_uj = 34;
  Job gang = full;
  gang.allocation->nodes.push_back(NodeAllocation{"gpu2", {4, 5, 6}, {1, 2}, 1 << 30, false});
  for (const Job& job : {full, gang, testing::PendingJob(3)}) {
    StatusOr<Job> decoded = DecodeJobRecord(EncodeJobRecord(job), "record");
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, job);
  }
}

TEST(JobRecordCodecTest, RoundTripsAGangWithRankExitsAndDependencies) {
  Job job = testing::FullJob(9);
  job.spec.num_nodes = 2;
  job.spec.topology_group = "rack";
  job.spec.after_ok = {JobId{7}};
  job.allocation->nodes[0].address = "10.0.0.1";
  job.allocation->nodes[0].port = 29500;
  job.allocation->nodes.push_back(NodeAllocation{"gpu2", {0}, {}, 1 << 20, true, "10.0.0.2"});
  job.rank_exits = {{1, 0, std::nullopt, 1796018622000}, {0, std::nullopt, 9, 1796018622456}};
  StatusOr<Job> decoded = DecodeJobRecord(EncodeJobRecord(job), "job");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, job);
  Json bad = EncodeJobRecord(job);
  bad["rank_exits"][0]["exit_code"] = 300;
  EXPECT_EQ(DecodeJobRecord(bad, "job").status().message(),
            "job.rank_exits.exit_code: must be between 0 and 255");
}

TEST(JobRecordCodecTest, RoundTripsAnArrayAndItsTask) {
  Job array = testing::PendingJob(12);
  array.spec.array = "0-999%50";
  array.array_unstarted = ParseArraySpec("40-999")->indices;
  RemoveTask(array.array_unstarted, 45);
  Job task = testing::FullJob(57);
  task.array_job = JobId{12};
  task.array_task = 45;
  for (const Job& job : {array, task}) {
    StatusOr<Job> decoded = DecodeJobRecord(EncodeJobRecord(job), "record");
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, job);
  }
  EXPECT_EQ(EncodeJobRecord(array)["array_unstarted"], "40-44,46-999");
  EXPECT_EQ(EncodeJobRecord(task)["array_job"], 12);
  Json bad = EncodeJobRecord(array);
  bad["array_unstarted"] = "9-1";
  EXPECT_EQ(DecodeJobRecord(bad, "job").status().message(),
            "job.array_unstarted: '9-1': the range ends before it starts");
}

TEST(JobRecordCodecTest, EncodesTheDocumentedShape) {
  Json json = EncodeJobRecord(testing::FullJob(7));
  EXPECT_EQ(json, Json::parse(R"json({"v":1,"id":7,"tenant":"acme","state":"FAILED",
      "reason":"NON_ZERO_EXIT","attempt":2,"node_failures":0,
      "spec":{"name":"train-7","command":["python3","-c","print('hi')"],
              "env":{"MODE":"fast","SEED":"7"},"cpus":2,"mem_bytes":3221225472,"gpus":1,
              "gpu_model":"H100","time_limit_seconds":3600,"labels":{"zone":"a"},
              "requeue":false,"priority_class":"","num_nodes":1},
      "allocation":[{"node":"gpu1","cpus":"0,1","gpus":[0],"mem_bytes":3221225472,
                     "binding":"simulated"}],
      "exit_code":3,"signal":null,"rank_exits":[],"message":"exited with status 3",
      "submit_time":1796018620123,"start_time":1796018621000,
      "end_time":1796018622456,"requeue_time":0,"cancel_requested":true,"preempt_requested":false,
      "preempted_by":0,"cpu_time_ms":0,"peak_memory_bytes":0,"cpu_energy_uj":0,"gpu_energy_uj":0,
      "idempotency_key":"key-7"})json"));
  EXPECT_TRUE(EncodeJobRecord(testing::PendingJob(3))["allocation"].is_null());
}

TEST(JobRecordCodecTest, AbsentAndNullOptionalFieldsReadAsTheirDefaults) {
  Json minimal = Json::parse(R"({"v":1,"id":3,"tenant":"acme","state":"PENDING",
      "spec":{"name":"job-3","command":["true"],"mem_bytes":1048576,"time_limit_seconds":60},
      "allocation":null,"exit_code":null,"cpu_energy_uj":null,
      "submit_time":1796018620003})");
  StatusOr<Job> decoded = DecodeJobRecord(minimal, "record");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, testing::PendingJob(3));
}

TEST(JobRecordCodecTest, RefusesOtherVersionsUnknownFieldsAndWrongTypes) {
  auto error = [](auto change) {
    Json json = EncodeJobRecord(testing::FullJob(7));
    change(json);
    Status status = DecodeJobRecord(json, "record").status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    return status.message();
  };
  EXPECT_EQ(error([](Json& j) { j["v"] = 2; }),
            "record.v: record version 2 is not one this sharc reads (1)");
  EXPECT_EQ(error([](Json& j) { j.erase("v"); }), "record.v: is required");
  EXPECT_EQ(error([](Json& j) { j["colour"] = "blue"; }), "record.colour: unknown field");
  EXPECT_EQ(error([](Json& j) { j["spec"]["colour"] = "blue"; }),
            "record.spec.colour: unknown field");
  EXPECT_EQ(error([](Json& j) { j["attempt"] = "2"; }),
            "record.attempt: must be an integer, not a string");
  EXPECT_EQ(error([](Json& j) { j["state"] = "SLEEPING"; }),
            "record.state: unknown state 'SLEEPING'");
  EXPECT_EQ(error([](Json& j) { j["allocation"][0]["node"] = 5; }),
            "record.allocation[0].node: must be a string, not a number");
}

// The decoder applies core's ValidateJob: what the writer checks before it writes.
TEST(JobRecordCodecTest, RefusesWhatValidateJobRefusesNamingTheField) {
  auto error = [](auto change) {
    Json json = EncodeJobRecord(testing::FullJob(7));
    change(json);
    return DecodeJobRecord(json, "record").status().message();
  };
  EXPECT_EQ(error([](Json& j) { j["id"] = 0; }), "record.id: must be at least 1");
  EXPECT_EQ(error([](Json& j) { j["spec"]["cpus"] = 0; }),
            "record.spec.cpus: must be between 1 and 65536");
  EXPECT_EQ(error([](Json& j) { j["spec"]["mem_bytes"] = 0; }),
            "record.spec.mem_bytes: must be positive");
  EXPECT_EQ(error([](Json& j) { j["exit_code"] = 256; }),
            "record.exit_code: must be between 0 and 255");
  EXPECT_EQ(error([](Json& j) { j["exit_code"] = 99999999999; }),
            "record.exit_code: must be between 0 and 255");
  EXPECT_EQ(error([](Json& j) { j["signal"] = 0; }), "record.signal: must be between 1 and 128");
  EXPECT_EQ(error([](Json& j) { j["attempt"] = -1; }),
            "record.attempt: must be between 0 and 2147483647");
  EXPECT_EQ(error([](Json& j) { j["end_time"] = -1; }),
            "record.end_time: must be between 0 and 253402300799999");
  EXPECT_EQ(error([](Json& j) { j["allocation"][0]["gpus"] = {-1}; }),
            "record.allocation[0].gpus: must be between 0 and 1024");
}

}  // namespace
}  // namespace sharc::store
