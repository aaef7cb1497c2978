// Bad input gets the right status and a clear message, and changes nothing; a tenant never
// sees or touches another tenant's jobs; a request no node could ever run is refused at
// submit with a message naming the limit.
#include <gtest/gtest.h>

#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"

namespace sharc::testing {
namespace {

using protocol::Json;

class SubmitValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(cluster_.StartScheduler());
    ASSERT_OK(cluster_.StartAgent({.name = "local"}));
    ASSERT_OK(
        cluster_.StartAgent({.name = "gpu", .topology_xml = DataFile("hwloc/gpu-2s-4gpu.xml")}));
    ASSERT_OK(cluster_.WaitForNodes(2));
  }

  size_t JobCount() {
    StatusOr<Reply> all = cluster_.Call(kAdminToken, "GET", "/v1/jobs?all=true");
    return all.ok() ? all->json["items"].size() : 9999;
  }

  // Posts `body` and expects `status` with an error whose message contains `fragment`.
  void ExpectRefused(const std::string& token, const std::string& body, int status,
                     const std::string& code, const std::string& fragment) {
    size_t before = JobCount();
    StatusOr<Reply> reply = cluster_.Call(token, "POST", "/v1/jobs", body);
    ASSERT_OK(reply);
    EXPECT_EQ(reply->status, status) << body << " -> " << reply->body;
    EXPECT_EQ(reply->json["error"]["code"], code) << reply->body;
    EXPECT_NE(reply->json["error"]["message"].get<std::string>().find(fragment), std::string::npos)
        << "message: " << reply->body;
    EXPECT_EQ(JobCount(), before) << "a refused submit created a job";
  }

  Cluster cluster_;
};

TEST_F(SubmitValidationTest, NeverFittingRequestsAreRefusedNamingTheLimit) {
  ExpectRefused(kAcmeToken, R"({"command":["true"],"gpus":5})", 422, "unsatisfiable",
                "no node has 5 GPUs; the largest has 4");
  ExpectRefused(kAcmeToken, R"({"command":["true"],"cpus":4096})", 422, "unsatisfiable",
                "no node has 4096 CPUs");
  ExpectRefused(kAcmeToken, R"({"command":["true"],"mem_bytes":1099511627776000})", 422,
                "unsatisfiable", "memory");
  ExpectRefused(kAcmeToken, R"({"command":["true"],"labels":{"zone":"mars"}})", 422,
                "unsatisfiable", "zone=mars");
  ExpectRefused(kAcmeToken, R"({"command":["true"],"gpus":1,"gpu_model":"B200"})", 422,
                "unsatisfiable", "B200");
  // In a bulk submit the failing item is named and nothing is created.
  ExpectRefused(kAcmeToken, R"([{"command":["true"]},{"command":["true"],"gpus":9}])", 422,
                "unsatisfiable", "[1]");
}

TEST_F(SubmitValidationTest, MalformedBodiesAreRefusedNamingTheField) {
  ExpectRefused(kAcmeToken, R"({"command":["true"],)", 400, "invalid_argument", "not valid JSON");
  ExpectRefused(kAcmeToken, R"({"command":["true"],"cpu":2})", 400, "invalid_argument",
                "cpu: unknown field (did you mean 'cpus'?)");
  ExpectRefused(kAcmeToken, R"({"command":["true"],"cpus":-1})", 400, "invalid_argument", "cpus:");
  ExpectRefused(kAcmeToken, R"({"command":["true"],"mem_bytes":-5})", 400, "invalid_argument",
                "mem_bytes:");
  ExpectRefused(kAcmeToken, R"({"command":["true"],"mem_bytes":99999999999999999999})", 400,
                "invalid_argument", "mem_bytes:");
  ExpectRefused(kAcmeToken, R"({"command":["true"],"cpus":1.5})", 400, "invalid_argument",
                "whole number");
  ExpectRefused(kAcmeToken, R"({"command":[]})", 400, "invalid_argument", "command:");
  ExpectRefused(kAcmeToken, R"({"command":"true"})", 400, "invalid_argument", "command:");
  ExpectRefused(kAcmeToken, R"({"command":["true"],"time_limit_seconds":99999999999})", 400,
                "invalid_argument", "time_limit_seconds:");
  ExpectRefused(kAcmeToken, R"({"command":["true"],"env":{"SHARC_JOB_ID":"1"}})", 400,
                "invalid_argument", "env:");
  ExpectRefused(kAcmeToken, std::string(100, '[') + std::string(100, ']'), 400, "invalid_argument",
                "nested");
  ExpectRefused(
      kAcmeToken,
      R"([{"command":["a"],"idempotency_key":"k"},{"command":["b"],"idempotency_key":"k"}])", 400,
      "invalid_argument", "used twice");
}

TEST_F(SubmitValidationTest, WrongOrMissingTokensAreUnauthenticated) {
  ExpectRefused("", R"({"command":["true"]})", 401, "unauthenticated", "no bearer token");
  ExpectRefused("not-a-real-token", R"({"command":["true"]})", 401, "unauthenticated", "unknown");
  ExpectRefused(kAdminToken, R"({"command":["true"]})", 403, "permission_denied",
                "an admin token may not submit jobs (roles that may: submitter)");
  StatusOr<Reply> list = cluster_.Call("bogus", "GET", "/v1/jobs");
  ASSERT_OK(list);
  EXPECT_EQ(list->status, 401);
}

TEST_F(SubmitValidationTest, ATenantCanNeitherSeeNorCancelAnotherTenantsJob) {
  StatusOr<int64_t> id = cluster_.Submit(kAcmeToken, {{"command", {"sleep", "30"}}});
  ASSERT_OK(id);
  std::string path = "/v1/jobs/" + std::to_string(*id);
  StatusOr<Reply> show = cluster_.Call(kGlobexToken, "GET", path);
  EXPECT_EQ(show->status, 404);
  EXPECT_EQ(show->body.find("sleep"), std::string::npos) << "leaked data: " << show->body;
  StatusOr<Reply> cancel = cluster_.Call(kGlobexToken, "POST", path + "/cancel");
  EXPECT_EQ(cancel->status, 404);
  StatusOr<Reply> output = cluster_.Call(kGlobexToken, "GET", path + "/output");
  EXPECT_EQ(output->status, 404);
  StatusOr<Reply> list = cluster_.Call(kGlobexToken, "GET", "/v1/jobs?all=true");
  EXPECT_TRUE(list->json["items"].empty()) << list->body;
  StatusOr<Reply> other = cluster_.Call(kGlobexToken, "GET", "/v1/jobs?tenant=acme");
  EXPECT_EQ(other->status, 404);
  EXPECT_EQ(other->body.find("sleep"), std::string::npos);
  // The owner and the admin still see it, unchanged.
  StatusOr<Json> job = cluster_.GetJob(kAcmeToken, *id);
  ASSERT_OK(job);
  EXPECT_FALSE((*job)["cancel_requested"].get<bool>());
  EXPECT_TRUE(cluster_.GetJob(kAdminToken, *id).ok());
  ASSERT_EQ(cluster_.Call(kAcmeToken, "POST", path + "/cancel")->status, 200);
}

TEST_F(SubmitValidationTest, WrongStatesAndRoutesGetTheirStatus) {
  StatusOr<int64_t> id = cluster_.Submit(kAcmeToken, {{"command", {"true"}}});
  ASSERT_OK(id);
  ASSERT_OK(cluster_.WaitForEnd(kAcmeToken, *id));
  StatusOr<Reply> cancel =
      cluster_.Call(kAcmeToken, "POST", "/v1/jobs/" + std::to_string(*id) + "/cancel");
  EXPECT_EQ(cancel->status, 409);
  EXPECT_NE(cancel->body.find("already ended"), std::string::npos);
  EXPECT_EQ(cluster_.Call(kAcmeToken, "GET", "/v1/jobs/abc")->status, 400);
  EXPECT_EQ(cluster_.Call(kAcmeToken, "GET", "/v1/jobs/999999")->status, 404);
  EXPECT_EQ(cluster_.Call(kAcmeToken, "DELETE", "/v1/jobs")->status, 405);
  EXPECT_EQ(cluster_.Call(kAcmeToken, "GET", "/v1/nope")->status, 404);
  EXPECT_EQ(cluster_.Call(kAcmeToken, "GET", "/v1/jobs?state=BOGUS")->status, 400);
}

}  // namespace
}  // namespace sharc::testing
