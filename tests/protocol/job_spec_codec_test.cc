#include "protocol/job_spec_codec.h"

#include <gtest/gtest.h>

namespace sharc::protocol {
namespace {

JobSpec FullSpec() {
  JobSpec spec;
  spec.name = "train";
  spec.command = {"python3", "-c", "print(1)"};
  spec.env = {{"SEED", "7"}};
  spec.cpus = 2;
  spec.memory_bytes = 1 << 30;
  spec.gpus = 1;
  spec.gpu_model = "H100";
  spec.time_limit_seconds = 600;
  spec.labels = {{"zone", "a"}};
  spec.requeue = false;
  return spec;
}

// The message DecodeSubmitBody gives for one object, or "" if it was accepted.
std::string SubmitError(const std::string& body) {
  bool bulk = false;
  StatusOr<std::vector<SubmitItem>> items = DecodeSubmitBody(Json::parse(body), &bulk);
  if (items.ok()) return "";
  EXPECT_EQ(items.status().code(), StatusCode::kInvalidArgument);
  return items.status().message();
}

TEST(JobSpecCodecTest, RoundTripsEveryField) {
  JobSpec spec = FullSpec();
  Json j = EncodeJobSpec(spec);
  EXPECT_EQ(j, Json::parse(R"json({"name":"train","command":["python3","-c","print(1)"],
      "env":{"SEED":"7"},"cpus":2,"mem_bytes":1073741824,"gpus":1,"gpu_model":"H100",
      "time_limit_seconds":600,"labels":{"zone":"a"},"requeue":false,
      "priority_class":"","num_nodes":1})json"));
  StatusOr<JobSpec> decoded = DecodeJobSpec(j, "spec");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, spec);
}

TEST(JobSpecCodecTest, RoundTripsGangAndDependencyFields) {
  JobSpec spec = FullSpec();
  spec.num_nodes = 4;
  spec.topology_group = "rack";
  spec.wait_all_ranks = true;
  spec.after_ok = {JobId{3}, JobId{4}};
  spec.after_any = {JobId{5}};
  spec.after_not_ok = {JobId{6}};
  spec.keep_on_unsatisfied = true;
  Json j = EncodeJobSpec(spec);
  EXPECT_EQ(j["after_ok"], Json::parse("[3,4]"));
  EXPECT_EQ(j["num_nodes"], 4);
  StatusOr<JobSpec> decoded = DecodeJobSpec(j, "spec");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, spec);
  EXPECT_EQ(spec.Request().Get(kCpuResource), 4 * 2 * 1000);  // the whole gang
  EXPECT_EQ(spec.Request().Get(kGpuResource), 4);
}

TEST(JobSpecCodecTest, RoundTripsAnArrayAndRefusesABadOneNamingTheField) {
  JobSpec spec = FullSpec();
  spec.array = "0-999:2%50";
  Json j = EncodeJobSpec(spec);
  EXPECT_EQ(j["array"], "0-999:2%50");
  StatusOr<JobSpec> decoded = DecodeJobSpec(j, "spec");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, spec);
  EXPECT_FALSE(EncodeJobSpec(FullSpec()).contains("array"));
  bool bulk = false;
  auto items = DecodeSubmitBody(Json::parse(R"([{"command":["true"],"array":"0-9%0"}])"), &bulk);
  ASSERT_FALSE(items.ok());
  EXPECT_EQ(items.status().message().rfind("[0].array: ", 0), 0u) << items.status().message();
  items = DecodeSubmitBody(Json::parse(R"({"command":["true"],"array":7})"), &bulk);
  EXPECT_EQ(items.status().message().rfind("array: ", 0), 0u) << items.status().message();
}

TEST(JobSpecCodecTest, ANestedSpecMustBeComplete) {
  Json j = EncodeJobSpec(FullSpec());
  j.erase(spec_field::kTimeLimitSeconds);
  EXPECT_EQ(DecodeJobSpec(j, "launch.spec").status().message(),
            "launch.spec.time_limit_seconds: must be between 1 and 31622400 (366 days)");
  j = EncodeJobSpec(FullSpec());
  j["cpu"] = 2;
  EXPECT_EQ(DecodeJobSpec(j, "spec").status().message(),
            "spec.cpu: unknown field (did you mean 'cpus'?)");
}

TEST(SubmitBodyTest, AcceptsOneObjectOrAList) {
  bool bulk = true;
  auto one = DecodeSubmitBody(Json::parse(R"({"command":["true"],"cpus":2})"), &bulk);
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(bulk);
  EXPECT_EQ((*one)[0].spec.cpus, 2);
  EXPECT_EQ((*one)[0].spec.memory_bytes, 0);  // default applied by the scheduler
  EXPECT_EQ((*one)[0].spec.time_limit_seconds, 0);
  EXPECT_EQ((*one)[0].spec.name, "");

  auto many = DecodeSubmitBody(
      Json::parse(R"([{"command":["a"]},{"command":["b"],"idempotency_key":"x"}])"), &bulk);
  ASSERT_TRUE(many.ok());
  EXPECT_TRUE(bulk);
  EXPECT_EQ(many->size(), 2u);
  EXPECT_EQ((*many)[1].idempotency_key, "x");
  EXPECT_FALSE(DecodeSubmitBody(Json::array(), &bulk).ok());
  EXPECT_FALSE(DecodeSubmitBody(Json(5), &bulk).ok());
}

TEST(SubmitBodyTest, ZeroMemoryAndTimeMeanTheSchedulersDefault) {
  EXPECT_EQ(SubmitError(R"({"command":["a"],"mem_bytes":0,"time_limit_seconds":0,"name":""})"), "");
}

// Every rule of core's ValidateSubmittedJobSpec reaches the client, naming the field.
TEST(SubmitBodyTest, EveryRangeIsRefusedNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"("cpus":0)", "cpus: must be between 1 and 65536"},
      {R"("mem_bytes":1)", "mem_bytes: at least 1048576 (1 MiB)"},
      {R"("mem_bytes":1048575)", "mem_bytes: at least 1048576 (1 MiB)"},
      {R"("cpus":65537)", "cpus: must be between 1 and 65536"},
      {R"("cpus":99999999999)", "cpus: must be between 1 and 65536"},
      {R"("cpus":-99999999999)", "cpus: must be between 1 and 65536"},
      {R"("mem_bytes":-5)", "mem_bytes: must be positive, or 0 for the scheduler's default"},
      {R"("gpus":-1)", "gpus: must be between 0 and 1024"},
      {R"("gpus":1025)", "gpus: must be between 0 and 1024"},
      {R"("gpu_model":"H100")", "gpu_model: given without gpus"},
      {R"("time_limit_seconds":-1)",
       "time_limit_seconds: must be between 1 and 31622400 (366 days), or 0 for the "
       "scheduler's default"},
      {R"("time_limit_seconds":31622401)", "time_limit_seconds: must be between 1 and"},
      {R"("name":"a\nb")", "name: must be 1 to 128 printable characters"},
      {R"("env":{"SHARC_JOB_ID":"1"})", "env: SHARC_JOB_ID: SHARC_* variables are set by sharc"},
      {R"("labels":{"":"x"})", "labels: '': keys and values are at most 63 printable"},
      {R"("idempotency_key":")" + std::string(129, 'k') + R"(")",
       "idempotency_key: at most 128 characters"},
      {R"("num_nodes":0)", "num_nodes: must be between 1 and 4096"},
      {R"("num_nodes":4097)", "num_nodes: must be between 1 and 4096"},
      {R"("topology_group":"rack")", "topology_group: given without num_nodes > 1"},
      {R"("num_nodes":2,"topology_group":"a=b")", "topology_group: a node label key"},
      {R"("wait_all_ranks":true)", "wait_all_ranks: given without num_nodes > 1"},
      {R"("num_nodes":4096,"mem_bytes":9223372036854775807)",
       "mem_bytes: times 4096 nodes is too large"},
      {R"("after_ok":[0])", "after_ok: must be a list of job ids"},
      {R"("after_ok":"12")", "after_ok: must be a list of job ids, not a string"},
      {R"("after_ok":[12],"after_any":[12])", "after_any: job 12 is listed twice"},
      {R"("keep_on_unsatisfied":true)", "keep_on_unsatisfied: given without a dependency"},
  };
  for (const auto& [field, message] : cases) {
    std::string error = SubmitError(R"({"command":["a"],)" + field + "}");
    EXPECT_EQ(error.rfind(message, 0), 0u) << field << " -> " << error;
  }
  EXPECT_EQ(SubmitError(R"({"command":[]})"), "command: must name a program to run");
}

TEST(SubmitBodyTest, TypesAndUnknownFieldsAreRefusedNamingTheField) {
  EXPECT_EQ(SubmitError(R"({"cmd":["a"]})"), "command: is required");
  EXPECT_EQ(SubmitError(R"({"command":"a"})"), "command: must be a list of strings, not a string");
  EXPECT_EQ(SubmitError(R"({"command":["a"],"cpus":"2"})"),
            "cpus: must be an integer, not a string");
  EXPECT_EQ(SubmitError(R"({"command":["a"],"cpus":1.5})"), "cpus: must be a whole number");
  EXPECT_EQ(SubmitError(R"({"command":["a"],"mem_bytes":99999999999999999999})"),
            "mem_bytes: must be at most 9223372036854775807")
      << "too large, not a fraction";
  EXPECT_EQ(SubmitError(R"({"command":["a"],"mem_bytes":18446744073709551615})"),
            "mem_bytes: must be at most 9223372036854775807");
  EXPECT_EQ(SubmitError(R"({"command":["a"],"requeue":"no"})"),
            "requeue: must be true or false, not a string");
  EXPECT_EQ(SubmitError(R"({"command":["a"],"gpu":1})"),
            "gpu: unknown field (did you mean 'gpus'?)");
  // A type error is reported before a rule, and a rule before an unknown field.
  EXPECT_EQ(SubmitError(R"({"command":["a"],"cpus":0,"gpus":"x"})"),
            "gpus: must be an integer, not a string");
  EXPECT_EQ(SubmitError(R"({"command":["a"],"cpus":0,"bogus":1})"),
            "cpus: must be between 1 and 65536");
}

TEST(SubmitBodyTest, NamesTheBadItemOfABulkSubmit) {
  EXPECT_EQ(SubmitError(R"([{"command":["a"]},{"command":["b"],"cpus":-1}])"),
            "[1].cpus: must be between 1 and 65536");
  EXPECT_EQ(SubmitError(R"([{"command":["a"]},{"command":["b"],"cpus":true}])"),
            "[1].cpus: must be an integer, not a boolean");
}

TEST(SubmitItemTest, EncodesWhatDecodesAndLeavesDefaultsOut) {
  SubmitItem item;
  item.spec.command = {"true"};
  Json minimal = EncodeSubmitItem(item);
  EXPECT_EQ(minimal, Json::parse(R"({"command":["true"],"env":{},"cpus":1,"gpus":0,
      "gpu_model":"","labels":{},"requeue":true})"));
  item.spec = FullSpec();
  item.idempotency_key = "k1";
  bool bulk = false;
  StatusOr<std::vector<SubmitItem>> decoded = DecodeSubmitBody(EncodeSubmitItem(item), &bulk);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0].spec, item.spec);
  EXPECT_EQ((*decoded)[0].idempotency_key, "k1");
}

}  // namespace
}  // namespace sharc::protocol
