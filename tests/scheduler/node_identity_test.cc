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
                     std::shared_ptr<RecordingConnection>* connection = nullptr,
                     const AgentAdmission& admission = {}) {
    auto fresh = std::make_shared<RecordingConnection>();
    protocol::RegisterMsg reg;
    reg.inventory = Node(name, 2);
    reg.credential = credential;
    Status status = scheduler_->nodes().OnAgentRegister(reg, fresh, admission);
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

  // A join token for `node`, as `sharc admin node token issue` makes one.
  std::string IssueJoinToken(const std::string& node,
                             std::chrono::milliseconds lifetime = std::chrono::hours(1)) {
    auto issued = Await<std::pair<store::JoinTokenRecord, std::string>>(
        [&](auto done) { scheduler_->nodes().IssueJoinToken(Admin(), node, lifetime, done); });
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    return issued.ok() ? issued->second : "";
  }
  // How the hub admits a connection presenting `token`; nullopt if it refuses it.
  std::optional<AgentAdmission> Admit(const std::string& token) {
    return scheduler_->nodes().AdmitAgent(token);
  }
  // The credential the connection received at registration ("" if none).
  static std::string IssuedTo(const RecordingConnection& connection) {
    auto registered = connection.Sent<protocol::RegisteredMsg>();
    return registered.empty() ? "" : registered.front().credential;
  }

  StatusOr<NodeStatus> Revoke(const Principal& who, const std::string& node) {
    return Await<NodeStatus>([&](auto done) { scheduler_->nodes().RevokeNode(who, node, done); });
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
  EXPECT_NE(none.message().find("sharc admin node token issue n1"), std::string::npos)
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

TEST_F(NodeIdentityTest, ARevokedNodeIsCutOffAtOnceAndOnlyANewJoinTokenLetsItBack) {
  auto agent = Register(Node("n1", 2));
  JobId id = LaunchedOn(*agent);
  const std::string old = node_credentials_["n1"];
  const std::string outstanding = IssueJoinToken("n1");
  EXPECT_EQ(Revoke(Admin(), "n9").status().code(), StatusCode::kNotFound);
  StatusOr<NodeStatus> revoked = Revoke(Admin(), "n1");
  ASSERT_OK(revoked);
  EXPECT_EQ(agent->closed, "credential revoked by ops");
  const NodeEntry& node = *scheduler_->state().FindNode("n1");
  EXPECT_EQ(node.record.credential_sha256, store::kRevokedCredential);
  // Nothing new goes to it, but its job may still run there until its agent fences it: it is
  // requeued only once the node has been silent for node_timeout, never beside its successor.
  EXPECT_EQ(node.record.state, NodeState::kDrain);
  EXPECT_EQ(node.record.reason, "credential revoked by ops");
  EXPECT_EQ(JobOf(id).state, JobState::kRunning);
  EXPECT_EQ(JobOf(id).attempt, 1);
  // Nor may drain or resume change that.
  EXPECT_EQ(
      Await<NodeStatus>([&](auto done) { scheduler_->nodes().ResumeNode(Admin(), "n1", done); })
          .status()
          .code(),
      StatusCode::kFailedPrecondition);
  EXPECT_EQ(Await<NodeStatus>(
                [&](auto done) { scheduler_->nodes().DrainNode(Admin(), "n1", "other", done); })
                .status()
                .code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(node.record.reason, "credential revoked by ops");
  clock_.Advance(options_.node_timeout + std::chrono::seconds(1));
  scheduler_->Tick();
  Settle();
  EXPECT_EQ(node.record.state, NodeState::kDown);
  EXPECT_EQ(node.record.reason, "credential revoked by ops");
  EXPECT_NE(JobOf(id).state, JobState::kRunning);  // requeued, as on any node gone down

  // Stored: after a restart neither the old credential nor the outstanding token admits.
  Reopen();
  EXPECT_FALSE(Admit(old).has_value());
  EXPECT_FALSE(Admit(outstanding).has_value());
  // Nor does development mode (an agent from loopback without anything, or with the join
  // secret), which took over a revoked node before.
  Status taken = TryRegister("n1", "");
  EXPECT_EQ(taken.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(taken.message().find("n1's credential was revoked: only an agent with a new join "
                                 "token joins as it"),
            std::string::npos)
      << taken.message();
  EXPECT_EQ(TryRegister("n1", old).code(), StatusCode::kPermissionDenied);
  // A new join token lets the node's agent back, with a new credential.
  std::optional<AgentAdmission> admission = Admit(IssueJoinToken("n1"));
  ASSERT_TRUE(admission.has_value());
  std::shared_ptr<RecordingConnection> back;
  ASSERT_OK(TryRegister("n1", "", &back, *admission));
  EXPECT_FALSE(IssuedTo(*back).empty());
  EXPECT_NE(IssuedTo(*back), old);
}

TEST_F(NodeIdentityTest, AJoinTokenLetsOneAgentJoinAsItsNodeOnceAndGetItsCredential) {
  const std::string token = IssueJoinToken("n7");
  ASSERT_EQ(token.size(), 48u);
  std::optional<AgentAdmission> admission = Admit(token);
  ASSERT_TRUE(admission.has_value());
  EXPECT_EQ(admission->kind, AgentAdmission::Kind::kJoinToken);

  // For its node only.
  Status elsewhere = TryRegister("n8", "", nullptr, *admission);
  EXPECT_EQ(elsewhere.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(elsewhere.message().find("join token is for node n7, not n8"), std::string::npos)
      << elsewhere.message();
  EXPECT_EQ(scheduler_->state().FindNode("n8"), nullptr);

  std::shared_ptr<RecordingConnection> agent;
  ASSERT_OK(TryRegister("n7", "", &agent, *admission));
  const std::string credential = IssuedTo(*agent);
  ASSERT_EQ(credential.size(), 48u);
  EXPECT_EQ(scheduler_->state().FindNode("n7")->record.credential_sha256, Sha256Hex(credential));
  // Used up, also after a restart; the credential now admits the node's agent.
  EXPECT_FALSE(Admit(token).has_value());
  Reopen();
  EXPECT_FALSE(Admit(token).has_value());
  std::optional<AgentAdmission> by_credential = Admit(credential);
  ASSERT_TRUE(by_credential.has_value());
  EXPECT_EQ(by_credential->kind, AgentAdmission::Kind::kCredential);
  ASSERT_OK(TryRegister("n7", credential, nullptr, *by_credential));
}

TEST_F(NodeIdentityTest, OutsideDevelopmentModeANewNodeNeedsAJoinToken) {
  auto first = Register(Node("n1", 2));  // development mode: gets a credential
  std::optional<AgentAdmission> n1 = Admit(node_credentials_["n1"]);
  ASSERT_TRUE(n1.has_value());
  // n1's credential does not let its holder add a node.
  Status refused = TryRegister("n2", node_credentials_["n1"], nullptr, *n1);
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.message().find("sharc admin node token issue n2"), std::string::npos)
      << refused.message();
  EXPECT_EQ(scheduler_->state().FindNode("n2"), nullptr);
  EXPECT_FALSE(Admit("not-a-token").has_value());
}

TEST_F(NodeIdentityTest, AJoinTokenReplacesTheLostCredentialOfADisconnectedNodeOnly) {
  auto agent = Register(Node("n1", 2));
  const std::string old = node_credentials_["n1"];
  const std::string token = IssueJoinToken("n1");
  Status connected = TryRegister("n1", "", nullptr, *Admit(token));
  EXPECT_EQ(connected.code(), StatusCode::kFailedPrecondition) << connected.message();

  scheduler_->nodes().OnAgentDisconnected("n1", agent.get());
  std::shared_ptr<RecordingConnection> reinstalled;
  ASSERT_OK(TryRegister("n1", "", &reinstalled, *Admit(token)));
  const std::string fresh = IssuedTo(*reinstalled);
  ASSERT_FALSE(fresh.empty());
  EXPECT_NE(fresh, old);
  EXPECT_FALSE(Admit(old).has_value()) << "the lost credential no longer works";
}

TEST_F(NodeIdentityTest, AJoinTokenExpiresAndANewOneReplacesTheOld) {
  const std::string first = IssueJoinToken("n5", std::chrono::minutes(10));
  const std::string second = IssueJoinToken("n5", std::chrono::minutes(10));
  EXPECT_FALSE(Admit(first).has_value()) << "replaced";
  ASSERT_TRUE(Admit(second).has_value());
  clock_.Advance(std::chrono::minutes(10));
  EXPECT_FALSE(Admit(second).has_value()) << "expired";
  auto too_long = Await<std::pair<store::JoinTokenRecord, std::string>>([&](auto done) {
    scheduler_->nodes().IssueJoinToken(Admin(), "n5", std::chrono::hours(24 * 8), done);
  });
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
  auto bad_name = Await<std::pair<store::JoinTokenRecord, std::string>>([&](auto done) {
    scheduler_->nodes().IssueJoinToken(Admin(), "bad name!", std::chrono::hours(1), done);
  });
  EXPECT_EQ(bad_name.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sharc::scheduler
