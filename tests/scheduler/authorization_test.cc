// The roles table (scheduler/authorization.h): what each role may do, and to whose objects.
#include "scheduler/authorization.h"

#include <gtest/gtest.h>

#include "scheduler/tenant_book.h"
#include "scheduler/tenants_file.h"

namespace sharc::scheduler {
namespace {

Principal Staff(Principal::Role role) { return {role, "", TokenRole::kSubmitter, "staff"}; }
Principal Tenant(const std::string& tenant, TokenRole role = TokenRole::kSubmitter) {
  return {Principal::Role::kTenant, tenant, role, "t"};
}
const Subject kAcmeJob{"acme", "job 7"};

TEST(AuthorizationTest, AnOperatorRunsNodesAndReadsEverythingButChangesNoTenant) {
  const Principal op = Staff(Principal::Role::kOperator);
  EXPECT_TRUE(Authorize(op, Action::kManageNodes, std::nullopt).ok());
  EXPECT_TRUE(Authorize(op, Action::kReadJobs, kAcmeJob).ok());
  EXPECT_TRUE(Authorize(op, Action::kReadReports, std::nullopt).ok());
  EXPECT_TRUE(Authorize(op, Action::kRecordFacility, std::nullopt).ok());
  for (Action change : {Action::kManageTenants, Action::kManageTokens, Action::kManageCredit,
                        Action::kCancelJobs, Action::kSubmitJobs}) {
    Status refused = Authorize(op, change, kAcmeJob);
    EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied) << ActionName(change);
  }
  EXPECT_EQ(Authorize(op, Action::kReadAudit, std::nullopt).code(), StatusCode::kPermissionDenied);
}

TEST(AuthorizationTest, AnAuditorReadsEverythingAndTheAuditLogAndChangesNothing) {
  const Principal auditor = Staff(Principal::Role::kAuditor);
  for (int i = 0; i < kActionCount; ++i) {
    const Action action = static_cast<Action>(i);
    Status status = Authorize(auditor, action, kAcmeJob);
    if (IsChange(action)) {
      EXPECT_EQ(status.code(), StatusCode::kPermissionDenied) << ActionName(action);
    } else {
      EXPECT_TRUE(status.ok()) << ActionName(action) << ": " << status.message();
    }
  }
}

TEST(AuthorizationTest, TenantsReachTheirOwnObjectsAndTheirProjectsOnly) {
  EXPECT_TRUE(Authorize(Tenant("acme"), Action::kCancelJobs, kAcmeJob).ok());
  EXPECT_TRUE(Authorize(Tenant("acme"), Action::kReadJobs, Subject{"acme/vision", "job 8"}).ok());
  EXPECT_EQ(Authorize(Tenant("acme/vision"), Action::kReadJobs, kAcmeJob).code(),
            StatusCode::kNotFound)
      << "a project does not reach its enterprise";
  Status foreign = Authorize(Tenant("globex"), Action::kReadJobs, kAcmeJob);
  EXPECT_EQ(foreign.code(), StatusCode::kNotFound);
  EXPECT_EQ(foreign.message(), "job 7 not found") << "nothing about acme leaks";
  // Without a subject (a listing), the listing scopes itself.
  EXPECT_TRUE(Authorize(Tenant("globex"), Action::kReadJobs, std::nullopt).ok());
  EXPECT_EQ(Authorize(Tenant("acme"), Action::kReadReports, std::nullopt).code(),
            StatusCode::kPermissionDenied);
}

TEST(AuthorizationTest, ARefusalNamesTheCallersRoleAndTheRolesThatMay) {
  Status viewer = Authorize(Tenant("acme", TokenRole::kViewer), Action::kSubmitJobs, std::nullopt);
  EXPECT_EQ(viewer.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(viewer.message(), "a viewer token may not submit jobs (roles that may: submitter)");
  Status admin = Authorize(Staff(Principal::Role::kAdmin), Action::kSubmitJobs, std::nullopt);
  EXPECT_EQ(admin.message(), "an admin token may not submit jobs (roles that may: submitter)");
  Status audit = Authorize(Tenant("acme"), Action::kReadAudit, std::nullopt);
  EXPECT_EQ(audit.message(),
            "a submitter token may not read the audit log (roles that may: admin, auditor)");
}

TEST(AuthorizationTest, EveryActionHasANameAndAdminsMayDoEverythingButSubmit) {
  for (int i = 0; i < kActionCount; ++i) {
    const Action action = static_cast<Action>(i);
    EXPECT_FALSE(ActionName(action).empty());
    EXPECT_EQ(ReachOf(Staff(Principal::Role::kAdmin), action),
              action == Action::kSubmitJobs ? Reach::kNone : Reach::kAll)
        << ActionName(action);
  }
}

TEST(AuthorizationTest, TheTenantsFileNamesStaffRoles) {
  auto file = ParseTenantsFile(R"({"admins": [
      {"name": "ops", "token_sha256": ")" +
                               Sha256Hex("a") + R"("},
      {"name": "night", "role": "operator", "token_sha256": ")" +
                               Sha256Hex("o") + R"("},
      {"name": "kpmg", "role": "auditor", "token_sha256": ")" +
                               Sha256Hex("u") + R"("}]})");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  TenantBook book;
  std::vector<store::Mutation> saved;
  book.ApplyFile(*file, 1, &saved);
  EXPECT_EQ(book.Authenticate("a", 2)->role, Principal::Role::kAdmin);
  EXPECT_EQ(book.Authenticate("o", 2)->role, Principal::Role::kOperator);
  EXPECT_EQ(book.Authenticate("u", 2)->name, "kpmg");
  EXPECT_EQ(RoleName(*book.Authenticate("u", 2)), "auditor");

  auto bad = ParseTenantsFile(R"({"admins": [{"name": "x", "role": "root", "token_sha256": ")" +
                              Sha256Hex("x") + R"("}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "admins[0].role: 'root' is not a staff role; use admin, operator or auditor");
}

}  // namespace
}  // namespace sharc::scheduler
