#include "protocol/job_codec.h"

#include <gtest/gtest.h>

namespace sharc::protocol {
namespace {

Job SampleJob() {
  Job job;
  job.id = JobId{42};
  job.tenant = "acme";
  job.spec.name = "train";
  job.spec.command = {"python3", "-c", "print(1)"};
  job.spec.env = {{"SEED", "7"}};
  job.spec.cpus = 2;
  job.spec.memory_bytes = 1 << 30;
  job.spec.gpus = 1;
  job.spec.gpu_model = "H100";
  job.spec.time_limit_seconds = 600;
  job.spec.labels = {{"zone", "a"}};
  job.state = JobState::kCompleted;
  job.attempt = 1;
  job.reason = "";
  job.idempotency_key = "k1";
  job.allocation = Allocation{{NodeAllocation{"gpu1", {0, 1}, {3}, 1 << 30, true}}};
  job.exit_code = 0;
  job.submit_time = 1'796'018'620'123;
  job.start_time = 1'796'018'621'000;
  job.end_time = 1'796'018'622'000;
  return job;
}

TEST(JobCodecTest, EncodesTheDocumentedContract) {
  Json j = EncodeJob(SampleJob());
  EXPECT_EQ(j, Json::parse(R"json({"id":42,"tenant":"acme","name":"train","state":"COMPLETED",
      "reason":"","attempt":1,"node_failures":0,"command":["python3","-c","print(1)"],"env":{"SEED":"7"},
      "cpus":2,"mem_bytes":1073741824,"gpus":1,"gpu_model":"H100","time_limit_seconds":600,
      "labels":{"zone":"a"},"requeue":true,"priority_class":"","num_nodes":1,
      "allocation":[{"node":"gpu1","cpus":"0,1","gpus":[3],"mem_bytes":1073741824,
                     "binding":"simulated"}],"nodes":["gpu1"],
      "exit_code":0,"signal":null,"ranks":[],"message":"",
      "submit_time":"2026-11-30T06:03:40.123Z","start_time":"2026-11-30T06:03:41.000Z",
      "end_time":"2026-11-30T06:03:42.000Z","cancel_requested":false,
      "preempt_requested":false,"preempted_by":null,"cpu_time_ms":0,"peak_memory_bytes":0,"cpu_energy_uj":0,
      "gpu_energy_uj":0,"idempotency_key":"k1","array_job_id":null,"array_task_id":null,
      "array_unstarted":""})json"));
  Job task = SampleJob();
  task.array_job = JobId{40};
  task.array_task = 7;
  EXPECT_EQ(EncodeJob(task)["array_job_id"], 40);
  EXPECT_EQ(EncodeJob(task)["array_task_id"], 7);
  Job pending;
  pending.id = JobId{1};
  pending.tenant = "t";
  Json p = EncodeJob(pending);
  EXPECT_TRUE(p["allocation"].is_null());
  EXPECT_EQ(p["nodes"], Json::array());
  EXPECT_TRUE(p["start_time"].is_null());
  EXPECT_TRUE(p["exit_code"].is_null());
}

TEST(JobCodecTest, ListsEveryNodeOfAMultiNodeAllocation) {
  Job job = SampleJob();
  job.allocation->nodes.push_back(NodeAllocation{"gpu2", {4}, {}, 1 << 20, false});
  Json j = EncodeJob(job);
  EXPECT_EQ(j["nodes"], Json::parse(R"(["gpu1","gpu2"])"));
  ASSERT_EQ(j["allocation"].size(), 2u);
  EXPECT_EQ(j["allocation"][1], Json::parse(R"({"node":"gpu2","cpus":"4","gpus":[],
      "mem_bytes":1048576,"binding":"real"})"));
}

}  // namespace
}  // namespace sharc::protocol
