// What a hostile or careless client could do to a running scheduler, each refused cleanly:
// a full disk under the data directory, an agent posing as another node, bodies sent without a
// valid token, a silent WebSocket, lenient JSON.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "protocol/agent_messages.h"
#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/tmpfs_mount.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

bool SchedulerAlive(const Cluster& cluster) {
  return cluster.scheduler_pid() > 0 && ::kill(cluster.scheduler_pid(), 0) == 0;
}

// A scheduler whose data_dir is a 32 MiB tmpfs (4 MiB kept free, a 4 MiB reserve), and one
// node.
class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!disk_.ok()) GTEST_SKIP() << "mounting a tmpfs needs root";
    ASSERT_OK(cluster_.StartScheduler());
    ASSERT_OK(cluster_.StartAgent({.name = "n1", .synthetic = "pack:1 core:4 pu:1"}));
    ASSERT_OK(cluster_.WaitForNodes(1));
  }
  // A job that runs until the file `go` exists.
  StatusOr<int64_t> SubmitGated(const std::string& go) {
    return cluster_.Submit(
        kAcmeToken, {{"command", {"sh", "-c", "while [ ! -e " + go + " ]; do sleep 0.05; done"}},
                     {"mem_bytes", 64 << 20}});
  }

  TmpfsMount disk_{32 << 20};
  Cluster cluster_{{.scheduler_config_extra = {
                        {"data_dir", disk_.path()},
                        {"store", {{"sync", "full"}, {"min_free", "4MiB"}, {"reserve", "4MiB"}}}}}};
};

TEST_F(DiskFullTest, EveryChangeIsRefusedWith503AndTheSchedulerStaysUp) {
  // One job runs until the test says so; another waits for a job that never ends.
  const std::string go = cluster_.dir() + "/go";
  StatusOr<int64_t> gated = SubmitGated(go);
  StatusOr<int64_t> forever = cluster_.Submit(kAcmeToken, {{"command", {"sleep", "300"}}});
  ASSERT_OK(gated);
  ASSERT_OK(forever);
  StatusOr<int64_t> waiting =
      cluster_.Submit(kAcmeToken, {{"command", {"true"}}, {"after_ok", {*forever}}});
  ASSERT_OK(waiting);
  ASSERT_OK(cluster_.WaitForState(kAcmeToken, *gated, "RUNNING"));

  ASSERT_GT(disk_.Fill("filler"), 0);
  // Every change people ask for is refused before it is made, saying why.
  StatusOr<Reply> tenant =
      cluster_.Call(kAdminToken, "POST", "/v1/tenants", R"({"name":"initech"})");
  ASSERT_OK(tenant);
  EXPECT_EQ(tenant->status, 503) << tenant->body;
  EXPECT_NE(tenant->body.find("store.min_free"), std::string::npos) << tenant->body;
  StatusOr<Reply> cancel =
      cluster_.Call(kAcmeToken, "POST", "/v1/jobs/" + std::to_string(*waiting) + "/cancel");
  ASSERT_OK(cancel);
  EXPECT_EQ(cancel->status, 503) << cancel->body;
  StatusOr<Reply> submit = cluster_.Call(kAcmeToken, "POST", "/v1/jobs", R"({"command":["true"]})");
  ASSERT_OK(submit);
  EXPECT_EQ(submit->status, 503) << submit->body;
  // Reads are served, and show nothing changed.
  StatusOr<Json> still = cluster_.GetJob(kAcmeToken, *waiting);
  ASSERT_OK(still);
  EXPECT_EQ((*still)["state"], "PENDING");
  StatusOr<Reply> tenants = cluster_.Call(kAdminToken, "GET", "/v1/tenants/initech");
  ASSERT_OK(tenants);
  EXPECT_EQ(tenants->status, 404);
  // A change the scheduler cannot refuse (a job ended on its node) still commits.
  WriteTextFile(go, "");
  StatusOr<Json> ended = cluster_.WaitForEnd(kAcmeToken, *gated);
  ASSERT_OK(ended);
  EXPECT_EQ((*ended)["state"], "COMPLETED");
  EXPECT_TRUE(SchedulerAlive(cluster_));

  // Space comes back: changes are accepted again without a restart.
  ASSERT_EQ(::unlink(disk_.File("filler").c_str()), 0);
  tenant = cluster_.Call(kAdminToken, "POST", "/v1/tenants", R"({"name":"initech"})");
  ASSERT_OK(tenant);
  EXPECT_EQ(tenant->status, 201) << tenant->body;
  cancel = cluster_.Call(kAcmeToken, "POST", "/v1/jobs/" + std::to_string(*waiting) + "/cancel");
  ASSERT_OK(cancel);
  EXPECT_EQ(cancel->status, 200) << cancel->body;
  EXPECT_TRUE(SchedulerAlive(cluster_));
}

// Once the reserve is spent and the disk fills again, a job that ends on its node is a change
// the scheduler has already made: it is held until space returns, the scheduler stays up and
// serves reads, and the end is stored (it survives a restart) once there is room.
TEST_F(DiskFullTest, AJobEndAfterTheReserveIsSpentWaitsForSpaceAndTheSchedulerStaysUp) {
  const std::string go1 = cluster_.dir() + "/go1", go2 = cluster_.dir() + "/go2";
  StatusOr<int64_t> first = SubmitGated(go1);
  StatusOr<int64_t> second = SubmitGated(go2);
  ASSERT_OK(first);
  ASSERT_OK(second);
  ASSERT_OK(cluster_.WaitForState(kAcmeToken, *first, "RUNNING"));
  ASSERT_OK(cluster_.WaitForState(kAcmeToken, *second, "RUNNING"));

  ASSERT_GT(disk_.Fill("filler"), 0);
  WriteTextFile(go1, "");  // its end is stored with the reserve
  ASSERT_OK(cluster_.WaitForEnd(kAcmeToken, *first));
  disk_.Fill("filler2");  // takes what the reserve left
  WriteTextFile(go2, "");
  StatusOr<Json> ended = cluster_.WaitForEnd(kAcmeToken, *second);
  ASSERT_OK(ended);
  EXPECT_EQ((*ended)["state"], "COMPLETED");
  StatusOr<Reply> refused =
      cluster_.Call(kAdminToken, "POST", "/v1/tenants", R"({"name":"initech"})");
  ASSERT_OK(refused);
  EXPECT_EQ(refused->status, 503) << refused->body;

  ASSERT_EQ(::unlink(disk_.File("filler2").c_str()), 0);
  ASSERT_EQ(::unlink(disk_.File("filler").c_str()), 0);
  // A change asked for now commits after the held one: its answer means both are stored.
  StatusOr<Reply> created =
      cluster_.Call(kAdminToken, "POST", "/v1/tenants", R"({"name":"initech"})");
  ASSERT_OK(created);
  EXPECT_EQ(created->status, 201) << created->body;
  EXPECT_TRUE(SchedulerAlive(cluster_));
  cluster_.StopScheduler(SIGKILL);
  ASSERT_OK(cluster_.StartScheduler());
  StatusOr<Json> stored = cluster_.GetJob(kAcmeToken, *second);
  ASSERT_OK(stored);
  EXPECT_EQ((*stored)["state"], "COMPLETED");
}

// A job's owner learns which step and which path a launch failed on, not just an errno.
TEST(LaunchErrorTest, ALaunchFailureNamesTheDirectoryInTheWay) {
  if (::geteuid() != 0) GTEST_SKIP() << "jobs switch to their tenants' users only under root";
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:2 pu:1"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  // A program under a directory only root may enter (like /root/...).
  const std::string locked = cluster.dir() + "/locked";
  ASSERT_EQ(::mkdir(locked.c_str(), 0700), 0);
  WriteTextFile(locked + "/tool", "#!/bin/sh\necho hi\n");
  ASSERT_EQ(::chmod((locked + "/tool").c_str(), 0755), 0);
  StatusOr<int64_t> hidden = cluster.Submit(kAcmeToken, {{"command", {locked + "/tool"}}});
  StatusOr<int64_t> directory = cluster.Submit(kAcmeToken, {{"command", {"/tmp"}}});
  ASSERT_OK(hidden);
  ASSERT_OK(directory);
  StatusOr<Json> ended = cluster.WaitForEnd(kAcmeToken, *hidden);
  ASSERT_OK(ended);
  EXPECT_EQ((*ended)["state"], "FAILED");
  std::string message = (*ended)["message"].get<std::string>();
  EXPECT_NE(message.find(locked + " (mode 0700"), std::string::npos) << message;
  EXPECT_NE(message.find("chmod o+x " + locked), std::string::npos) << message;
  ended = cluster.WaitForEnd(kAcmeToken, *directory);
  ASSERT_OK(ended);
  message = (*ended)["message"].get<std::string>();
  EXPECT_NE(message.find("it is a directory, not a program"), std::string::npos) << message;
}

TEST(LaunchErrorTest, AnAgentWhoseJobsCannotReachItsStateDirRefusesToStart) {
  if (::geteuid() != 0) GTEST_SKIP() << "jobs switch to their tenants' users only under root";
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  // Like a state directory made under `mktemp -d`.
  ASSERT_EQ(::chmod(cluster.dir().c_str(), 0700), 0);
  ASSERT_OK(cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:2 pu:1"}));
  EXPECT_TRUE(WaitFor([&] { return !cluster.AgentRunning("n1"); }));
  std::string log = ReadTextFile(cluster.dir() + "/agent-n1-1.log");
  EXPECT_NE(log.find("state_dir: for a user created for a tenant"), std::string::npos) << log;
  EXPECT_NE(log.find("chmod o+x " + cluster.dir()), std::string::npos) << log;
  ASSERT_EQ(::chmod(cluster.dir().c_str(), 0711), 0);
}

TEST(OutputLimitTest, AJobsOutputIsCutAtTheAgentsLimitWithALineSayingSo) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1",
                                .synthetic = "pack:1 core:2 pu:1",
                                .config = Json{{"output_limit", "64KiB"}}}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<int64_t> id = cluster.Submit(
      kAcmeToken,
      {{"command", {"sh", "-c", "head -c 1048576 /dev/zero | tr '\\0' x; echo fine >&2"}}});
  ASSERT_OK(id);
  StatusOr<Json> ended = cluster.WaitForEnd(kAcmeToken, *id);
  ASSERT_OK(ended);
  EXPECT_EQ((*ended)["state"], "COMPLETED");
  StatusOr<std::string> out = cluster.Output(kAcmeToken, *id);
  ASSERT_OK(out);
  const std::string marker =
      "\n[sharc: output cut here at 64 KiB (the agent's output_limit); what the job wrote "
      "beyond it was discarded]\n";
  EXPECT_EQ(out->size(), (64u << 10) + marker.size());
  EXPECT_EQ(out->substr(0, 64 << 10), std::string(64 << 10, 'x'));
  EXPECT_EQ(out->substr(64 << 10), marker);
  EXPECT_EQ(cluster.Output(kAcmeToken, *id, "stderr").value(), "fine\n");
}

TEST(MetricsTokenTest, ScrapesNeedTheMetricsTokenOnceOneIsSet) {
  TempDir secrets("sharc-metrics-token");
  const std::string token = "metrics-token-0123456789";
  WriteTextFile(secrets.File("metrics.token"), token + "\n");
  Cluster cluster({.scheduler_config_extra = {
                       {"http", {{"metrics_token_file", secrets.File("metrics.token")}}}}});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(
      cluster.StartAgent({.name = "n1",
                          .synthetic = "pack:1 core:2 pu:1",
                          .config = Json{{"metrics_token_file", secrets.File("metrics.token")}},
                          .metrics = true}));
  ASSERT_OK(cluster.WaitForNodes(1));
  for (const char* target : {"/metrics", "/v1/prometheus/targets"}) {
    SCOPED_TRACE(target);
    EXPECT_EQ(cluster.Call("", "GET", target)->status, 401);
    EXPECT_EQ(cluster.Call(kAcmeToken, "GET", target)->status, 403);  // a tenant may not scrape
    EXPECT_EQ(cluster.Call(kAuditorToken, "GET", target)->status, 200);
    EXPECT_EQ(cluster.Call(token, "GET", target)->status, 200);
    EXPECT_EQ(cluster.Call(kAdminToken, "GET", target)->status, 200);
  }
  StatusOr<Reply> refused = cluster.Call("", "GET", "/metrics");
  EXPECT_NE(refused->body.find("http.metrics_token_file"), std::string::npos) << refused->body;
  // The agent's own /metrics, found through service discovery.
  StatusOr<Reply> targets = cluster.Call(token, "GET", "/v1/prometheus/targets");
  ASSERT_OK(targets);
  ASSERT_EQ(targets->json.size(), 1u) << targets->body;
  auto agent = net::HttpClient::Create(
      "http://" + targets->json[0]["targets"][0].get<std::string>(), std::chrono::seconds(10));
  ASSERT_OK(agent);
  EXPECT_EQ((*agent)->Send("GET", "/metrics")->status, 401);
  StatusOr<net::HttpResponse> scraped =
      (*agent)->Send("GET", "/metrics", "", {{"Authorization", "Bearer " + token}});
  ASSERT_OK(scraped);
  EXPECT_EQ(scraped->status, 200);
  EXPECT_NE(scraped->body.find("sharc_node"), std::string::npos);
  StatusOr<Reply> metrics = cluster.Call(token, "GET", "/metrics");
  EXPECT_NE(metrics->body.find("sharc_auth_failures_total{reason=\"no_token\"}"),
            std::string::npos);
}

// The scheduler's log so far (every start's).
TEST(NodeImpersonationTest, AnAgentHoldingTheJoinSecretCannotTakeOverANodeOrItsJobs) {
  // A long node_timeout: the job stays RUNNING while its node's agent is away.
  Cluster cluster({.node_timeout = "30s"});
  ASSERT_OK(cluster.StartScheduler());
  const AgentOptions real{.name = "n1", .synthetic = "pack:1 core:2 pu:1"};
  ASSERT_OK(cluster.StartAgent(real));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<int64_t> id = cluster.Submit(
      kAcmeToken, {{"command", {"sleep", "300"}}, {"env", {{"API_KEY", "only-for-n1"}}}});
  ASSERT_OK(id);
  ASSERT_OK(cluster.WaitForState(kAcmeToken, *id, "RUNNING"));

  // Another agent with the join secret registers as n1 while n1 is connected: refused.
  ASSERT_OK(
      cluster.StartAgent({.name = "impostor", .node_name = "n1", .synthetic = real.synthetic}));
  EXPECT_TRUE(WaitFor([&] {
    return cluster.SchedulerLog().find("registration refused: node n1 is already connected") !=
           std::string::npos;
  }));
  // n1's agent goes away (its job runs on); the impostor has no credential: refused again.
  cluster.StopAgent("n1");
  EXPECT_TRUE(WaitFor([&] {
    return cluster.SchedulerLog().find("has its own credential since it first joined") !=
           std::string::npos;
  }));
  cluster.StopAgent("impostor");
  // It never received the job, its environment or anything else.
  EXPECT_FALSE(std::filesystem::exists(cluster.AgentStateDir("impostor") + "/jobs/" +
                                       std::to_string(*id) + ".1"));
  StatusOr<Json> job = cluster.GetJob(kAcmeToken, *id);
  ASSERT_OK(job);
  EXPECT_EQ((*job)["state"], "RUNNING");
  EXPECT_EQ((*job)["attempt"], 1);

  StatusOr<Reply> metrics = cluster.Call("", "GET", "/metrics");
  ASSERT_OK(metrics);
  EXPECT_NE(metrics->body.find("sharc_auth_failures_total{reason=\"node_credential\"}"),
            std::string::npos);
  // The real agent comes back with the credential it kept, and adopts its running job.
  EXPECT_TRUE(std::filesystem::exists(cluster.AgentStateDir("n1") + "/node-credential"));
  ASSERT_OK(cluster.StartAgent(real));
  ASSERT_OK(cluster.WaitForNodes(1));
  job = cluster.GetJob(kAcmeToken, *id);
  ASSERT_OK(job);
  EXPECT_EQ((*job)["state"], "RUNNING");
  EXPECT_EQ((*job)["attempt"], 1);
}

class HostileRequestTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(cluster_.StartScheduler()); }
  Cluster cluster_;
};

TEST_F(HostileRequestTest, AKeyGivenTwiceIsRefusedNotSilentlyOverwritten) {
  StatusOr<Reply> reply =
      cluster_.Call(kAcmeToken, "POST", "/v1/jobs", R"({"command":["true"],"command":["false"]})");
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 400) << reply->body;
  EXPECT_NE(reply->body.find("command: appears twice"), std::string::npos) << reply->body;
}

TEST_F(HostileRequestTest, ANulByteInTheProgramIsReportedAsTheCommands) {
  StatusOr<Reply> reply =
      cluster_.Call(kAcmeToken, "POST", "/v1/jobs", R"({"command":["sle\u0000ep","1"]})");
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 400) << reply->body;
  EXPECT_NE(reply->body.find("command: arguments cannot contain NUL bytes"), std::string::npos)
      << reply->body;
}

TEST_F(HostileRequestTest, TooLittleMemoryIsRefusedAtSubmit) {
  StatusOr<Reply> reply =
      cluster_.Call(kAcmeToken, "POST", "/v1/jobs", R"({"command":["true"],"mem_bytes":1})");
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 400) << reply->body;
  EXPECT_NE(reply->body.find("mem_bytes: at least 1048576"), std::string::npos) << reply->body;
}

TEST_F(HostileRequestTest, HealthzOnlyAnswersGet) {
  StatusOr<Reply> get = cluster_.Call("", "GET", "/healthz");
  ASSERT_OK(get);
  EXPECT_EQ(get->status, 200);
  StatusOr<Reply> post = cluster_.Call("", "POST", "/healthz", "{}");
  ASSERT_OK(post);
  EXPECT_EQ(post->status, 405) << post->body;
}

TEST_F(HostileRequestTest, BodiesUpTo64MiBAreReadAndLargerOnesGet413) {
  // A body just over the old 16 MiB JSON cap reaches the decoder (which names the field).
  std::string padded = R"({"command":["true"],"name":")" + std::string(17 << 20, 'x') + "\"}";
  StatusOr<Reply> big = cluster_.Call(kAcmeToken, "POST", "/v1/jobs", padded);
  ASSERT_OK(big);
  EXPECT_EQ(big->status, 400) << big->body.substr(0, 200);
  EXPECT_NE(big->body.find("name:"), std::string::npos) << big->body.substr(0, 200);
  std::string huge(65 << 20, ' ');
  StatusOr<Reply> too_big = cluster_.Call(kAcmeToken, "POST", "/v1/jobs", huge);
  ASSERT_OK(too_big);
  EXPECT_EQ(too_big->status, 413);
  EXPECT_NE(too_big->body.find("67108864 bytes"), std::string::npos) << too_big->body;
  StatusOr<Reply> metrics = cluster_.Call("", "GET", "/metrics");
  ASSERT_OK(metrics);
  EXPECT_NE(metrics->body.find("sharc_http_refused_total{reason=\"body_too_large\"} 1"),
            std::string::npos);
}

// Sends `head` on a fresh connection and reads until the server closes it (10 s at most).
std::string ExchangeRaw(const std::string& url, const std::string& head) {
  int port = std::stoi(url.substr(url.rfind(':') + 1));
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string received;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::send(fd, head.data(), head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(head.size())) {
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) received.append(buffer, n);
  }
  ::close(fd);
  return received;
}

TEST_F(HostileRequestTest, ABodyWithoutAValidTokenIsRefusedBeforeItIsRead) {
  // 60 MiB announced and never sent: the answer comes from the headers alone, and the
  // connection closes.
  std::string reply = ExchangeRaw(cluster_.url(),
                                  "POST /v1/jobs HTTP/1.1\r\nHost: x\r\n"
                                  "Authorization: Bearer wrong-token\r\n"
                                  "Content-Length: 62914560\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 401 ", 0), 0u) << reply;
  // So is a body without any token.
  reply = ExchangeRaw(cluster_.url(),
                      "POST /v1/tenants HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 401 ", 0), 0u) << reply;
  // A path no route has is answered from its head too (the route table comes first).
  reply = ExchangeRaw(cluster_.url(),
                      "PUT /v1/anything HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 404 ", 0), 0u) << reply;
  // Each refusal is counted by its reason.
  StatusOr<Reply> metrics = cluster_.Call("", "GET", "/metrics");
  ASSERT_OK(metrics);
  EXPECT_NE(metrics->body.find("sharc_http_refused_total{reason=\"unauthenticated\"} 2"),
            std::string::npos);
}

TEST(WebSocketIdleTest, ASilentAgentChannelIsClosedAndCountedWhileHeartbeatingAgentsStay) {
  Cluster cluster({.node_timeout = "1s",
                   .scheduler_config_extra = {{"http", {{"websocket_idle_timeout", "2s"}}}}});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:2 pu:1"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  // A client with the join secret opens the agent channel and then says nothing.
  auto opened = std::chrono::steady_clock::now();
  std::string reply =
      ExchangeRaw(cluster.url(), "GET " + std::string(protocol::kAgentChannelPath) +
                                     " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                     "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                     "Authorization: Bearer test-join-secret-0123456789\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 101 ", 0), 0u) << reply;
  EXPECT_GE(std::chrono::steady_clock::now() - opened, std::chrono::seconds(2));
  // Counted once: the agent, connected longer, heartbeats (every 200 ms) and was never cut off.
  StatusOr<Reply> metrics = cluster.Call("", "GET", "/metrics");
  ASSERT_OK(metrics);
  EXPECT_NE(metrics->body.find("sharc_http_refused_total{reason=\"websocket_idle\"} 1\n"),
            std::string::npos)
      << metrics->body;
  StatusOr<Reply> nodes = cluster.Call(kAdminToken, "GET", "/v1/nodes");
  ASSERT_OK(nodes);
  ASSERT_EQ(nodes->json["items"].size(), 1u) << nodes->body;
  EXPECT_EQ(nodes->json["items"][0]["state"], "UP") << nodes->body;
}

}  // namespace
}  // namespace sharc::testing
