// A whole cluster over TLS: the scheduler serves HTTPS on its one port, the agent joins over
// wss://, and the CLI and REST clients verify the scheduler against a throwaway CA
// (scripts/make-ca.sh). And the scheduler serves plain HTTP only when told so.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"

namespace sharc::testing {
namespace {

using protocol::Json;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(TlsClusterTest, JobsRunWithEveryConnectionOverTls) {
  Cluster cluster({.tls = true});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_EQ(cluster.url().rfind("https://127.0.0.1:", 0), 0u) << cluster.url();
  ASSERT_OK(cluster.StartAgent({.name = "n1"}));
  ASSERT_OK(cluster.WaitForNodes(1));  // the agent joined over wss://

  CommandResult submit = cluster.Cli(kAcmeToken, {"submit", "--", "sh", "-c", "echo over tls"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  int64_t id = std::stoll(submit.out);
  StatusOr<Json> job = cluster.WaitForEnd(kAcmeToken, id);
  ASSERT_OK(job);
  EXPECT_EQ((*job)["state"], "COMPLETED");
  StatusOr<std::string> output = cluster.Output(kAcmeToken, id);
  ASSERT_OK(output);
  EXPECT_EQ(*output, "over tls\n");

  // The CLI without the CA refuses the scheduler, and says what to pass.
  CommandResult untrusted =
      RunCommand({Binary("agent/cli/sharc"), "jobs"},
                 {{"SHARC_SERVER", cluster.url()}, {"SHARC_TOKEN", kAcmeToken}});
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_TRUE(Contains(untrusted.err, "not trusted")) << untrusted.err;
  EXPECT_TRUE(Contains(untrusted.err, "SHARC_CA_FILE")) << untrusted.err;

  // A plain-HTTP client reaches nothing but the advice to use https.
  std::string plain = "http://" + cluster.url().substr(std::string("https://").size());
  CommandResult cleartext = RunCommand({Binary("agent/cli/sharc"), "jobs"},
                                       {{"SHARC_SERVER", plain}, {"SHARC_TOKEN", kAcmeToken}});
  EXPECT_EQ(cleartext.exit_code, 1);
  EXPECT_TRUE(Contains(cleartext.err, "https://")) << cleartext.err;
}

// A CA file the agent cannot read is a setting to fix: it says so and exits, instead of
// retrying a connection that can never succeed.
TEST(TlsClusterTest, AnAgentWhoseCaFileIsMissingRefusesToStartNamingIt) {
  TempDir dir("sharc-agent-ca");
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);  // the jobs' users must reach the state_dir
  CommandResult refused =
      RunCommand({Binary("agent/sharc-agent"), "--scheduler", "https://127.0.0.1:9", "--ca-file",
                  dir.File("missing-ca.pem"), "--node-name", "n1", "--synthetic",
                  "pack:1 core:1 pu:1", "--state-dir", dir.File("state")},
                 {}, std::chrono::seconds(20));
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_TRUE(Contains(refused.err, "tls.ca_file")) << refused.err;
  EXPECT_TRUE(Contains(refused.err, dir.File("missing-ca.pem") + ": No such file or directory"))
      << refused.err;
}

// So is a join token file the agent cannot read: the message names the setting.
TEST(TlsClusterTest, AnAgentWhoseJoinTokenFileIsMissingRefusesToStartNamingTheSetting) {
  TempDir dir("sharc-agent-token");
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  WriteTextFile(dir.File("agent.json"), R"({"cgroups": {"enabled": false}, "join_token_file": ")" +
                                            dir.File("missing.token") + R"("})");
  CommandResult refused =
      RunCommand({Binary("agent/sharc-agent"), "--config", dir.File("agent.json"), "--scheduler",
                  "http://127.0.0.1:9", "--node-name", "n1", "--synthetic", "pack:1 core:1 pu:1",
                  "--state-dir", dir.File("state")},
                 {}, std::chrono::seconds(20));
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_TRUE(Contains(refused.err, "join_token_file (--join-token-file): " +
                                        dir.File("missing.token") + ": No such file or directory"))
      << refused.err;
}

TEST(TlsClusterTest, TheSchedulerRefusesToStartWithoutTlsUnlessPlainHttpIsExplicit) {
  TempDir dir("sharc-transport");
  WriteTextFile(dir.File("scheduler.json"), R"({"data_dir": ")" + dir.File("data") + R"("})");
  CommandResult refused = RunCommand({Binary("scheduler/sharc-scheduler"), "--config",
                                      dir.File("scheduler.json"), "--listen", "127.0.0.1:0"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_TRUE(Contains(refused.err, "tls.cert_file")) << refused.err;
  EXPECT_TRUE(Contains(refused.err, "--plain-http")) << refused.err;

  CommandResult both =
      RunCommand({Binary("scheduler/sharc-scheduler"), "--config", dir.File("scheduler.json"),
                  "--plain-http", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--check-config"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_TRUE(Contains(both.err, "not both")) << both.err;

  CommandResult plain = RunCommand({Binary("scheduler/sharc-scheduler"), "--config",
                                    dir.File("scheduler.json"), "--plain-http", "--check-config"});
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
}

// A data_dir the scheduler could not make or write fails the check as it would fail the start.
TEST(TlsClusterTest, CheckConfigRefusesADataDirTheSchedulerCouldNotUse) {
  TempDir dir("sharc-check-data-dir");
  WriteTextFile(dir.File("file"), "");
  auto check = [&](const std::string& data_dir) {
    WriteTextFile(dir.File("scheduler.json"), R"({"data_dir": ")" + data_dir + R"("})");
    return RunCommand({Binary("scheduler/sharc-scheduler"), "--config", dir.File("scheduler.json"),
                       "--plain-http", "--check-config"});
  };
  CommandResult under_a_file = check(dir.File("file/data"));
  EXPECT_EQ(under_a_file.exit_code, 2);
  EXPECT_TRUE(Contains(under_a_file.err, "data_dir: " + dir.File("file") + ": not a directory (" +
                                             dir.File("file/data") + " would be created under it)"))
      << under_a_file.err;
  CommandResult a_file = check(dir.File("file"));
  EXPECT_EQ(a_file.exit_code, 2);
  EXPECT_TRUE(Contains(a_file.err, "data_dir: " + dir.File("file") + ": not a directory"))
      << a_file.err;
  CommandResult fresh = check(dir.File("new/data"));
  EXPECT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("new")));  // checking creates nothing
}

TEST(TlsClusterTest, CheckConfigLoadsTheTlsFilesAndSecretsTheSchedulerWouldStartWith) {
  TempDir dir("sharc-check-config");
  WriteTextFile(dir.File("scheduler.json"), R"({"data_dir": ")" + dir.File("data") + R"("})");
  auto check = [&](std::vector<std::string> flags) {
    std::vector<std::string> argv = {Binary("scheduler/sharc-scheduler"), "--config",
                                     dir.File("scheduler.json"), "--check-config"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return RunCommand(argv);
  };
  CommandResult missing = check({"--tls-cert", dir.File("none.pem"), "--tls-key", "k.pem"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(Contains(missing.err,
                       "tls.cert_file " + dir.File("none.pem") + ": No such file or directory"))
      << missing.err;

  Cluster with_certificates({.tls = true});  // made with scripts/make-ca.sh, not started
  const std::string certificates = with_certificates.dir() + "/tls/";
  ASSERT_EQ(RunCommand({"/usr/bin/openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-out", dir.File("other-key.pem")})
                .exit_code,
            0);
  // A key that is not the certificate's.
  CommandResult mismatch =
      check({"--tls-cert", certificates + "scheduler.pem", "--tls-key", dir.File("other-key.pem")});
  EXPECT_EQ(mismatch.exit_code, 2);
  EXPECT_TRUE(Contains(mismatch.err, "is not the key of the certificate in")) << mismatch.err;
  EXPECT_FALSE(Contains(mismatch.out, "configuration OK")) << mismatch.out;

  const std::vector<std::string> tls = {"--tls-cert", certificates + "scheduler.pem", "--tls-key",
                                        certificates + "scheduler-key.pem"};
  CommandResult good = check(tls);
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_TRUE(Contains(good.out, "configuration OK")) << good.out;
  EXPECT_FALSE(std::filesystem::exists(dir.File("data")));  // checking creates nothing

  // The tenants file and the metrics token are read as well.
  WriteTextFile(dir.File("scheduler.json"),
                R"({"data_dir": ")" + dir.File("data") + R"(", "tenants_file": ")" +
                    dir.File("tenants.json") + R"(", "http": {"metrics_token_file": ")" +
                    dir.File("metrics.token") + R"("}})");
  CommandResult no_tenants = check(tls);
  EXPECT_EQ(no_tenants.exit_code, 2);
  const std::string named = "tenants_file (--tenants): " + dir.File("tenants.json");
  EXPECT_TRUE(Contains(no_tenants.err, named)) << no_tenants.err;
  // Starting for real fails the same way: the same message, the same exit code.
  std::vector<std::string> start = {Binary("scheduler/sharc-scheduler"), "--config",
                                    dir.File("scheduler.json")};
  start.insert(start.end(), tls.begin(), tls.end());
  CommandResult started = RunCommand(start, {}, std::chrono::seconds(20));
  EXPECT_EQ(started.exit_code, 2);
  EXPECT_TRUE(Contains(started.err, named)) << started.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("data")));  // refused before making anything
  WriteTextFile(dir.File("tenants.json"), R"({"tenants": []})");
  CommandResult no_token = check(tls);
  EXPECT_EQ(no_token.exit_code, 2);
  EXPECT_TRUE(Contains(no_token.err, "http.metrics_token_file")) << no_token.err;
}

}  // namespace
}  // namespace sharc::testing
