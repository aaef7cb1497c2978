// The command-line wiring of the enterprise and admin verbs, parsed by CLI11 as main.cc sets
// it up. Every verb run here is refused before it sends a request (exit 2), so no server is
// needed; the server URL points nowhere.
#include "agent/cli/enterprise_verbs.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace sharc::cli {
namespace {

class EnterpriseVerbsTest : public ::testing::Test {
 protected:
  EnterpriseVerbsTest() {
    app_.require_subcommand(1);
    app_.fallthrough();
    global_.server = "http://127.0.0.1:1";
    app_.add_option("-o,--output", global_.output)
        ->check(CLI::IsMember({"table", "json", "csv", "md"}));
    verbs_ = std::make_unique<EnterpriseVerbs>(app_, global_);
  }

  // True if CLI11 accepted the arguments.
  bool Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "sharc");
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    try {
      app_.parse(static_cast<int>(argv.size()), argv.data());
      return true;
    } catch (const CLI::ParseError&) {
      return false;
    }
  }

  // Runs the chosen verb; returns its exit code and keeps what it wrote on stderr.
  int Run() {
    ::testing::internal::CaptureStderr();
    int code = verbs_->Run();
    stderr_ = ::testing::internal::GetCapturedStderr();
    return code;
  }

  CLI::App app_{"sharc"};
  GlobalOptions global_;
  std::unique_ptr<EnterpriseVerbs> verbs_;
  std::string stderr_;
};

TEST_F(EnterpriseVerbsTest, NegativeCreditsAreAValueAndAreRefusedWithExitTwo) {
  ASSERT_TRUE(Parse({"admin", "grant", "add", "acme", "--credits", "-5", "--source", "voucher",
                     "--program", "p", "--valid-until", "2027-01-01"}));
  ASSERT_TRUE(verbs_->chosen());
  EXPECT_EQ(Run(), kExitUsage);
  EXPECT_EQ(stderr_.rfind("sharc: --credits: '-5' is not an amount of credits", 0), 0u) << stderr_;
}

TEST_F(EnterpriseVerbsTest, GlobalOutputMayFollowTheVerb) {
  ASSERT_TRUE(Parse({"admin", "tenant", "list", "-o", "json"}));
  EXPECT_TRUE(verbs_->chosen());
  EXPECT_FALSE(verbs_->accepts_output("csv"));
  EXPECT_TRUE(verbs_->accepts_output("json"));
  EXPECT_EQ(global_.output, "json");
}

TEST_F(EnterpriseVerbsTest, OnlyReportsAcceptCsvAndOnlyTheEfficiencyReportMarkdown) {
  ASSERT_TRUE(
      Parse({"report", "usage", "--from", "2026-11-01", "--to", "2026-12-01", "-o", "csv"}));
  EXPECT_TRUE(verbs_->chosen());
  EXPECT_TRUE(verbs_->accepts_output("csv"));
  EXPECT_FALSE(verbs_->accepts_output("md"));
}

TEST_F(EnterpriseVerbsTest, TheEfficiencyReportWritesCsvAndMarkdown) {
  ASSERT_TRUE(
      Parse({"report", "efficiency", "--from", "2026-11-01", "--to", "2026-12-01", "-o", "md"}));
  EXPECT_TRUE(verbs_->chosen());
  EXPECT_TRUE(verbs_->accepts_output("csv"));
  EXPECT_TRUE(verbs_->accepts_output("md"));
}

TEST_F(EnterpriseVerbsTest, AFacilityReadingNeedsItsEnergy) {
  EXPECT_FALSE(Parse({"admin", "facility", "reading", "add"}));
  ASSERT_TRUE(Parse({"admin", "facility", "reading", "add", "--energy", "12kWh"}));
  EXPECT_TRUE(verbs_->chosen());
}

TEST_F(EnterpriseVerbsTest, MissingRequiredArgumentsAreParseErrors) {
  EXPECT_FALSE(Parse({"report", "usage", "--from", "2026-11-01"}));
}

TEST_F(EnterpriseVerbsTest, AdminNeedsASubcommand) { EXPECT_FALSE(Parse({"admin", "tenant"})); }

TEST_F(EnterpriseVerbsTest, GrantAddNeedsItsRequiredFlags) {
  EXPECT_FALSE(Parse({"admin", "grant", "add", "acme", "--credits", "5", "--source", "voucher"}));
}

TEST_F(EnterpriseVerbsTest, AnUpdateWithoutFlagsIsRefused) {
  ASSERT_TRUE(Parse({"admin", "tenant", "update", "acme"}));
  EXPECT_EQ(Run(), kExitUsage);
  EXPECT_EQ(stderr_.rfind("sharc: nothing to change", 0), 0u) << stderr_;
}

TEST_F(EnterpriseVerbsTest, ALimitAndItsUnlimitedFlagConflict) {
  ASSERT_TRUE(Parse({"admin", "tenant", "update", "acme", "--max-running-jobs", "5",
                     "--unlimited-running-jobs"}));
  EXPECT_EQ(Run(), kExitUsage);
  EXPECT_EQ(stderr_, "sharc: give --max-running-jobs or --unlimited-running-jobs, not both\n");
}

TEST_F(EnterpriseVerbsTest, CreateRefusesABadResourceList) {
  ASSERT_TRUE(Parse({"admin", "tenant", "create", "acme", "--max", "cpus=8"}));
  EXPECT_EQ(Run(), kExitUsage);
  EXPECT_EQ(stderr_,
            "sharc: --max: unknown resource 'cpus'; use cpu, memory, gpu or gpu/<model>\n");
}

TEST_F(EnterpriseVerbsTest, CreateOnlyHasTheUnlimitedFlagsOnUpdate) {
  EXPECT_FALSE(Parse({"admin", "tenant", "create", "acme", "--unlimited-walltime"}));
}

TEST_F(EnterpriseVerbsTest, NamesThatWouldEscapeTheUrlPathAreRefused) {
  ASSERT_TRUE(Parse({"admin", "tenant", "show", "../jobs"}));
  EXPECT_EQ(Run(), kExitUsage);
  EXPECT_NE(stderr_.find("tenant name '../jobs'"), std::string::npos) << stderr_;
}

TEST_F(EnterpriseVerbsTest, RevokeRefusesSomethingThatIsNotATokenId) {
  ASSERT_TRUE(Parse({"admin", "token", "revoke", "test-acme-token-0123456789"}));
  EXPECT_EQ(Run(), kExitUsage);
  EXPECT_NE(stderr_.find("is not a token id"), std::string::npos) << stderr_;
}

TEST_F(EnterpriseVerbsTest, ReportRefusesAPeriodThatEndsBeforeItStarts) {
  ASSERT_TRUE(Parse({"report", "usage", "--from", "2026-12-01", "--to", "2026-11-01"}));
  EXPECT_EQ(Run(), kExitUsage);
  EXPECT_EQ(stderr_, "sharc: --to: must be after --from\n");
}

TEST_F(EnterpriseVerbsTest, IssueRefusesAnUnknownRole) {
  ASSERT_TRUE(Parse({"admin", "token", "issue", "acme", "--role", "owner"}));
  EXPECT_EQ(Run(), kExitUsage);
  EXPECT_EQ(stderr_, "sharc: --role: use submitter or viewer, not 'owner'\n");
}

TEST_F(EnterpriseVerbsTest, OtherVerbsLeaveNothingChosen) {
  app_.add_subcommand("jobs", "list jobs");
  ASSERT_TRUE(Parse({"jobs"}));
  EXPECT_FALSE(verbs_->chosen());
}

}  // namespace
}  // namespace sharc::cli
