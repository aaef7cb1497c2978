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
  job.allocation = Allocation{"gpu1", {0, 1}, {3}, 1 << 30, true};
  job.exit_code = 0;
  job.submit_time = 1'796'018'620'123;
  job.start_time = 1'796'018'621'000;
  job.end_time = 1'796'018'622'000;
  return job;
}

TEST(JobCodecTest, RoundTripsEveryField) {
  Job job = SampleJob();
  StatusOr<Job> decoded = DecodeJob(EncodeJob(job));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, job);
}

TEST(JobCodecTest, EncodesTheDocumentedContract) {
  Json j = EncodeJob(SampleJob());
  for (const char* key : {"id", "tenant", "name", "state", "exit_code", "node", "cpus",
                          "mem_bytes", "gpus", "submit_time", "start_time", "end_time",
                          "reason"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["state"], "COMPLETED");
  EXPECT_EQ(j["allocated_cpus"], "0,1");
  EXPECT_EQ(j["binding"], "simulated");
  EXPECT_EQ(j["submit_time"], "2026-11-30T06:03:40.123Z");
  Job pending;
  pending.id = JobId{1};
  pending.tenant = "t";
  Json p = EncodeJob(pending);
  EXPECT_TRUE(p["node"].is_null());
  EXPECT_TRUE(p["start_time"].is_null());
  EXPECT_TRUE(p["exit_code"].is_null());
}

TEST(SubmitBodyTest, AcceptsOneObjectOrAList) {
  bool bulk = true;
  auto one = DecodeSubmitBody(Json::parse(R"({"command":["true"],"cpus":2})"), &bulk);
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(bulk);
  EXPECT_EQ((*one)[0].spec.cpus, 2);
  EXPECT_EQ((*one)[0].spec.memory_bytes, 0);  // default applied by the scheduler

  auto many = DecodeSubmitBody(
      Json::parse(R"([{"command":["a"]},{"command":["b"],"idempotency_key":"x"}])"), &bulk);
  ASSERT_TRUE(many.ok());
  EXPECT_TRUE(bulk);
  EXPECT_EQ(many->size(), 2u);
  EXPECT_EQ((*many)[1].idempotency_key, "x");
}

TEST(SubmitBodyTest, NamesTheBadItemAndField) {
  bool bulk;
  EXPECT_EQ(DecodeSubmitBody(Json::parse(R"([{"command":["a"]},{"command":["b"],"cpus":-1}])"),
                             &bulk)
                .status()
                .message(),
            "[1].cpus: must be between 1 and 65536");
  EXPECT_EQ(DecodeSubmitBody(Json::parse(R"({"command":["a"],"mem_bytes":-5})"), &bulk)
                .status()
                .message(),
            "mem_bytes: must be between 1 and 9223372036854775807");
  EXPECT_EQ(DecodeSubmitBody(Json::parse(R"({"cmd":["a"]})"), &bulk).status().message(),
            "command: is required");
  EXPECT_EQ(DecodeSubmitBody(Json::parse(R"({"command":["a"],"gpu":1})"), &bulk)
                .status()
                .message(),
            "gpu: unknown field (did you mean 'gpus'?)");
  EXPECT_FALSE(DecodeSubmitBody(Json::array(), &bulk).ok());
  EXPECT_FALSE(DecodeSubmitBody(Json(5), &bulk).ok());
}

}  // namespace
}  // namespace sharc::protocol
