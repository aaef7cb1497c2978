// Node identity: the credential a node's agent gets at its first join is needed to register as
// that node again, and a second agent never takes over a connected node.
#include "scheduler/auth.h"
#include "tests/scheduler/scheduler_fixture.h"
#include "tests/testing/status_macros.h"

namespace sharc::scheduler {
namespace {

class NodeIdentityTest : public SchedulerTest {
 protected:
  // Registers as `name` on a new connection presenting `credential`, as an impostor (or an
  // agent that lost its state_dir) would.
  Status TryRegister(const std::string& name, const std::string& credential,
                     std::shared_ptr<RecordingConnection>* connection = nullptr) {
    auto fresh = std::make_shared<RecordingConnection>();
    protocol::RegisterMsg reg;
    reg.inventory = Node(name, 2);
    reg.credential = credential;
    Status status = scheduler_->nodes().OnAgentRegister(reg, fresh);
    Settle();
    if (connection) *connection = fresh;
    return status;
  }

  // A job submitted and launched on the node of `agent` (its only one).
  JobId LaunchedOn(const RecordingConnection& agent) {
    JobId id = Submit("acme", {"sleep", "60"});
    EXPECT_TRUE(tasks_.RunUntil([&] { return !agent.Sent<protocol::LaunchMsg>().empty(); }));
    return id;
  }

  StatusOr<NodeStatus> ResetCredential(const Principal& who, const std::string& node) {
    return Await<NodeStatus>(
        [&](auto done) { scheduler_->nodes().ResetNodeCredential(who, node, done); });
  }
};

TEST_F(NodeIdentityTest, TheFirstJoinIssuesACredentialAndTheStoreKeepsOnlyItsHash) {
  auto agent = Register(Node("n1", 2));
  std::vector<protocol::RegisteredMsg> registered = agent->Sent<protocol::RegisteredMsg>();
  ASSERT_EQ(registered.size(), 1u);
  const std::string credential = registered[0].credential;
  EXPECT_EQ(credential.size(), 48u);
  EXPECT_EQ(scheduler_->state().FindNode("n1")->record.credential_sha256, Sha256Hex(credential));
  // Registering again with it issues nothing new.
  scheduler_->nodes().OnAgentDisconnected("n1", agent.get());
  auto again = Register(Node("n1", 2));
  EXPECT_EQ(again->Sent<protocol::RegisteredMsg>().at(0).credential, "");
}

TEST_F(NodeIdentityTest, AnotherAgentCannotTakeOverAConnectedNodeOrItsJobs) {
  auto agent = Register(Node("n1", 2));
  JobId id = LaunchedOn(*agent);
  for (const std::string& credential : {std::string(), std::string(48, 'a')}) {
    std::shared_ptr<RecordingConnection> impostor;
    Status refused = TryRegister("n1", credential, &impostor);
    EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(refused.message().find("node n1 is already connected"), std::string::npos)
        << refused.message();
    EXPECT_TRUE(impostor->sent.empty());
  }
  EXPECT_EQ(agent->closed, "");  // the real agent keeps its connection
  EXPECT_EQ(JobOf(id).state, JobState::kRunning);
  EXPECT_EQ(JobOf(id).attempt, 1);
}

TEST_F(NodeIdentityTest, TheNodesOwnAgentBackBeforeItsOldConnectionEndedReplacesIt) {
  auto agent = Register(Node("n1", 2));
  JobId id = LaunchedOn(*agent);
  AttemptReport running;
  running.attempt = {id, 1};
  auto restarted = Register(Node("n1", 2), {running});  // with the kept credential
  EXPECT_EQ(agent->closed, "replaced by a newer connection from the same node");
  EXPECT_EQ(restarted->closed, "");
  EXPECT_EQ(JobOf(id).state, JobState::kRunning);
  EXPECT_EQ(JobOf(id).attempt, 1);
}

TEST_F(NodeIdentityTest, ADisconnectedNodeTakesOnlyItsOwnCredential) {
  auto agent = Register(Node("n1", 2));
  JobId id = LaunchedOn(*agent);
  scheduler_->nodes().OnAgentDisconnected("n1", agent.get());

  std::shared_ptr<RecordingConnection> impostor;
  Status none = TryRegister("n1", "", &impostor);
  EXPECT_EQ(none.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(none.message().find("sharc admin node reset-credential n1"), std::string::npos)
      << none.message();
  Status wrong = TryRegister("n1", std::string(48, 'a'), &impostor);
  EXPECT_EQ(wrong.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(wrong.message().find("is not the node's"), std::string::npos) << wrong.message();
  // Nothing about the node changed: its job still runs there, nothing was sent.
  EXPECT_EQ(JobOf(id).state, JobState::kRunning);
  EXPECT_TRUE(impostor->sent.empty());

  // The real agent, back with its credential and its attempt, carries on.
  AttemptReport running;
  running.attempt = {id, 1};
  auto back = Register(Node("n1", 2), {running});
  EXPECT_EQ(back->closed, "");
  EXPECT_EQ(JobOf(id).state, JobState::kRunning);
  EXPECT_EQ(JobOf(id).attempt, 1);
}

TEST_F(NodeIdentityTest, TheCredentialOutlivesASchedulerRestart) {
  auto agent = Register(Node("n1", 2));
  Reopen();
  EXPECT_EQ(TryRegister("n1", "").code(), StatusCode::kPermissionDenied);
  auto back = Register(Node("n1", 2));  // with the kept credential
  EXPECT_EQ(back->Sent<protocol::RegisteredMsg>().size(), 1u);
}

TEST_F(NodeIdentityTest, AnAdminResetsTheCredentialOfADisconnectedNodeOnly) {
  auto agent = Register(Node("n1", 2));
  EXPECT_EQ(ResetCredential(As("acme"), "n1").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ResetCredential(Admin(), "n9").status().code(), StatusCode::kNotFound);
  StatusOr<NodeStatus> connected = ResetCredential(Admin(), "n1");
  EXPECT_EQ(connected.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(scheduler_->state().FindNode("n1")->record.credential_sha256.empty());

  scheduler_->nodes().OnAgentDisconnected("n1", agent.get());
  ASSERT_OK(ResetCredential(Admin(), "n1"));
  // The reset is stored: after a restart, a reinstalled node's agent (no credential) joins
  // and gets a new one; the old one no longer works.
  const std::string old = node_credentials_["n1"];
  Reopen();
  std::shared_ptr<RecordingConnection> reinstalled;
  ASSERT_OK(TryRegister("n1", "", &reinstalled));
  std::string fresh = reinstalled->Sent<protocol::RegisteredMsg>().at(0).credential;
  EXPECT_FALSE(fresh.empty());
  EXPECT_NE(fresh, old);
  scheduler_->nodes().OnAgentDisconnected("n1", reinstalled.get());
  EXPECT_EQ(TryRegister("n1", old).code(), StatusCode::kPermissionDenied);
  EXPECT_OK(TryRegister("n1", fresh));
}

}  // namespace
}  // namespace sharc::scheduler
