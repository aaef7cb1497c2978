#include "agent/cli/admin_requests.h"

#include <gtest/gtest.h>

namespace sharc::cli {
namespace {

using protocol::Json;

// The message of a refused request, or "" if it was accepted.
template <typename T>
std::string ErrorOf(const StatusOr<T>& result) {
  if (result.ok()) return "";
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  return result.status().message();
}

TEST(QuotaPatchTest, SendsOnlyTheGivenFieldsWithListsAsTyped) {
  QuotaFlags flags;
  flags.guaranteed = "cpu=8, memory=64G,gpu/H100=1";
  flags.max_running_jobs = "0";
  flags.max_walltime = "1-00:00:00";
  StatusOr<Json> quota = QuotaPatch(flags);
  ASSERT_TRUE(quota.ok()) << quota.status().message();
  EXPECT_EQ(*quota, Json({{"guaranteed", "cpu=8, memory=64G,gpu/H100=1"},
                          {"max_running_jobs", 0},
                          {"max_time_limit_seconds", 86400}}));
}

TEST(QuotaPatchTest, NoFlagsIsAnEmptyObject) {
  StatusOr<Json> quota = QuotaPatch(QuotaFlags{});
  ASSERT_TRUE(quota.ok());
  EXPECT_EQ(*quota, Json::object());
}

TEST(QuotaPatchTest, UnlimitedFlagsSendNullAndAnEmptyListIsKept) {
  QuotaFlags flags;
  flags.unlimited_running_jobs = true;
  flags.unlimited_pending_jobs = true;
  flags.unlimited_walltime = true;
  flags.max = "";  // clears the list on update
  StatusOr<Json> quota = QuotaPatch(flags);
  ASSERT_TRUE(quota.ok()) << quota.status().message();
  EXPECT_EQ(*quota, Json({{"max", ""},
                          {"max_running_jobs", nullptr},
                          {"max_pending_jobs", nullptr},
                          {"max_time_limit_seconds", nullptr}}));
}

TEST(QuotaPatchTest, RefusesALimitAndItsUnlimitedTwinTogether) {
  QuotaFlags flags;
  flags.max_pending_jobs = "10";
  flags.unlimited_pending_jobs = true;
  EXPECT_EQ(ErrorOf(QuotaPatch(flags)),
            "give --max-pending-jobs or --unlimited-pending-jobs, not both");
  QuotaFlags walltime;
  walltime.max_walltime = "2h";
  walltime.unlimited_walltime = true;
  EXPECT_EQ(ErrorOf(QuotaPatch(walltime)), "give --max-walltime or --unlimited-walltime, not both");
}

TEST(QuotaPatchTest, RefusesBadCountsAndDurationsNamingTheFlag) {
  QuotaFlags negative;
  negative.max_running_jobs = "-1";
  EXPECT_EQ(ErrorOf(QuotaPatch(negative)),
            "--max-running-jobs: '-1' is not a whole number; give 0 or more");
  QuotaFlags bare;
  bare.max_walltime = "3600";
  EXPECT_EQ(ErrorOf(QuotaPatch(bare)).rfind("--max-walltime: ", 0), 0u);
}

TEST(CheckResourceListTest, AcceptsWhatTheServerAccepts) {
  EXPECT_TRUE(CheckResourceList("--max", "cpu=8,memory=64G,gpu=2,gpu/H100=1").ok());
  EXPECT_TRUE(CheckResourceList("--max", " cpu=0.5 , memory=512M ").ok());
  EXPECT_TRUE(CheckResourceList("--max", "gpu=0").ok());
  EXPECT_TRUE(CheckResourceList("--max", "").ok());
}

TEST(CheckResourceListTest, RefusesBadItemsNamingTheFlag) {
  EXPECT_EQ(CheckResourceList("--max", "cpus=8").message(),
            "--max: unknown resource 'cpus'; use cpu, memory, gpu or gpu/<model>");
  EXPECT_EQ(CheckResourceList("--guaranteed", "cpu=8,cpu=4").message(),
            "--guaranteed: cpu is given twice");
  EXPECT_EQ(CheckResourceList("--lendable", "cpu=8,").message(),
            "--lendable: 'cpu=8,' has an empty item (a comma too many?); use resource=amount, "
            "e.g. cpu=8,memory=64G,gpu=2");
  EXPECT_EQ(CheckResourceList("--max", "memory=512").message().rfind("--max: memory: ", 0), 0u);
  EXPECT_EQ(CheckResourceList("--max", "gpu=1.5").message(),
            "--max: gpu: '1.5' is not a whole number of GPUs");
  EXPECT_EQ(CheckResourceList("--max", "cpu").message(),
            "--max: 'cpu': use resource=amount, e.g. cpu=8,memory=64G,gpu=2");
}

TEST(TenantCreateBodyTest, BuildsTheBodyTheServerReads) {
  TenantOptions options;
  options.name = "acme";
  options.display_name = "ACME, Inc.";
  options.quota.guaranteed = "cpu=8,memory=64G";
  options.quota.max = "cpu=16";
  options.quota.lendable = "cpu=4";
  options.quota.max_pending_jobs = "100";
  options.quota.max_per_job = "gpu=4";
  StatusOr<Json> body = TenantCreateBody(options);
  ASSERT_TRUE(body.ok()) << body.status().message();
  EXPECT_EQ(*body, Json({{"name", "acme"},
                         {"display_name", "ACME, Inc."},
                         {"quota",
                          {{"guaranteed", "cpu=8,memory=64G"},
                           {"max", "cpu=16"},
                           {"lendable", "cpu=4"},
                           {"max_pending_jobs", 100},
                           {"max_per_job", "gpu=4"}}}}));
}

TEST(TenantCreateBodyTest, OmitsQuotaWhenNoneIsGivenAndRefusesBadNames) {
  TenantOptions options;
  options.name = "globex";
  StatusOr<Json> body = TenantCreateBody(options);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, Json({{"name", "globex"}}));
  options.name = "Globex";
  EXPECT_EQ(ErrorOf(TenantCreateBody(options)),
            "tenant name 'Globex': use 1 to 63 lower-case letters, digits, '-' or '_', starting "
            "with a letter or digit; a project is <enterprise>/<project>");
  options.name = "globex/vision";  // a project
  EXPECT_EQ(ErrorOf(TenantCreateBody(options)), "");
  options.name = "a/b/c";
  EXPECT_NE(ErrorOf(TenantCreateBody(options)), "");
  options.name = "a/";
  EXPECT_NE(ErrorOf(TenantCreateBody(options)), "");
}

TEST(TenantUpdateBodyTest, SendsOnlyWhatChanges) {
  TenantOptions options;
  options.name = "acme";
  options.quota.max = "cpu=32";
  options.quota.unlimited_walltime = true;
  StatusOr<Json> body = TenantUpdateBody(options);
  ASSERT_TRUE(body.ok()) << body.status().message();
  EXPECT_EQ(*body, Json({{"quota", {{"max", "cpu=32"}, {"max_time_limit_seconds", nullptr}}}}));

  TenantOptions rename;
  rename.name = "acme";
  rename.display_name = "";
  body = TenantUpdateBody(rename);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, Json({{"display_name", ""}}));
}

TEST(TenantUpdateBodyTest, RefusesAnUpdateThatChangesNothing) {
  TenantOptions options;
  options.name = "acme";
  EXPECT_EQ(ErrorOf(TenantUpdateBody(options)).rfind("nothing to change", 0), 0u);
}

TEST(TenantSchedulingFlagsTest, SendShareAndPriorityClassesForAProject) {
  TenantOptions options;
  options.name = "acme/vision";
  options.scheduling.share = "3";
  options.scheduling.priority_classes = "normal, low";
  options.scheduling.default_priority = "low";
  StatusOr<Json> body = TenantCreateBody(options);
  ASSERT_TRUE(body.ok()) << body.status().message();
  EXPECT_EQ(*body, Json({{"name", "acme/vision"},
                         {"share", 3},
                         {"priority_classes", {"normal", "low"}},
                         {"default_priority_class", "low"}}));

  TenantOptions reset;
  reset.name = "acme";
  reset.scheduling.priority_classes = "";
  body = TenantUpdateBody(reset);
  ASSERT_TRUE(body.ok()) << body.status().message();
  EXPECT_EQ(*body, Json({{"priority_classes", Json::array()}}));
}

TEST(TenantSchedulingFlagsTest, RefuseBadValuesNamingTheFlag) {
  TenantOptions options;
  options.name = "acme";
  options.scheduling.share = "0";
  EXPECT_EQ(ErrorOf(TenantUpdateBody(options)).rfind("--share: must be between 1 and", 0), 0u);
  options.scheduling.share = "two";
  EXPECT_EQ(ErrorOf(TenantUpdateBody(options)).rfind("--share: 'two' is not a whole number", 0),
            0u);
  options.scheduling.share.reset();
  options.scheduling.priority_classes = "normal,,low";
  EXPECT_EQ(ErrorOf(TenantUpdateBody(options)).rfind("--priority-classes: '' is not", 0), 0u);
  options.scheduling.priority_classes = "normal";
  options.scheduling.default_priority = "high";
  EXPECT_EQ(ErrorOf(TenantUpdateBody(options)),
            "--default-priority-class: 'high' is not one of its priority_classes");
}

TEST(TokenIssueBodyTest, ExpiresIsSentAsADurationAndNonsenseIsRefused) {
  TokenIssueOptions options;
  options.tenant = "acme";
  options.expires = "30d";
  StatusOr<Json> body = TokenIssueBody(options);
  ASSERT_TRUE(body.ok()) << body.status().message();
  EXPECT_EQ((*body)["expires_in"], "30d");
  options.expires = "500ms";
  EXPECT_NE(ErrorOf(TokenIssueBody(options)).find("--expires: at least 1s"), std::string::npos);
  options.expires = "soon";
  EXPECT_EQ(ErrorOf(TokenIssueBody(options)).rfind("--expires", 0), 0u);
}

TEST(TokenIssueBodyTest, DefaultsToSubmitterAndRefusesOtherRoles) {
  TokenIssueOptions options;
  options.tenant = "acme";
  StatusOr<Json> body = TokenIssueBody(options);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, Json({{"role", "submitter"}}));
  options.role = "viewer";
  options.name = "dashboards";
  body = TokenIssueBody(options);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, Json({{"role", "viewer"}, {"name", "dashboards"}}));
  options.role = "admin";
  EXPECT_EQ(ErrorOf(TokenIssueBody(options)), "--role: use submitter or viewer, not 'admin'");
}

TEST(CheckTokenIdTest, AcceptsTwelveLowerCaseHexDigitsOnly) {
  EXPECT_TRUE(CheckTokenId("3f2a9c0b1d4e").ok());
  EXPECT_FALSE(CheckTokenId("3F2A9C0B1D4E").ok());
  EXPECT_FALSE(CheckTokenId("3f2a9c0b1d4").ok());
  EXPECT_FALSE(CheckTokenId("../../v1/job").ok());
}

GrantAddOptions Grant() {
  GrantAddOptions g;
  g.tenant = "acme";
  g.credits = "2.5";
  g.source = "voucher";
  g.program = "city-ai-2026";
  g.valid_until = "2027-01-01";
  return g;
}

TEST(GrantAddBodyTest, SendsCreditsAndTimesAsGiven) {
  GrantAddOptions g = Grant();
  StatusOr<Json> body = GrantAddBody(g);
  ASSERT_TRUE(body.ok()) << body.status().message();
  EXPECT_EQ(*body, Json({{"credits", "2.5"},
                         {"source", "voucher"},
                         {"program", "city-ai-2026"},
                         {"valid_until", "2027-01-01"}}));
  g.valid_from = "2026-11-01T00:00:00+02:00";
  g.source = "purchase";
  g.credits = "100";
  body = GrantAddBody(g);
  ASSERT_TRUE(body.ok()) << body.status().message();
  EXPECT_EQ(*body, Json({{"credits", "100"},
                         {"source", "purchase"},
                         {"program", "city-ai-2026"},
                         {"valid_from", "2026-11-01T00:00:00+02:00"},
                         {"valid_until", "2027-01-01"}}));
}

TEST(GrantAddBodyTest, RefusesNegativeZeroAndMalformedCredits) {
  GrantAddOptions g = Grant();
  g.credits = "-5";
  EXPECT_EQ(ErrorOf(GrantAddBody(g)),
            "--credits: '-5' is not an amount of credits; use e.g. 100 or 2.5 (at most six "
            "decimals, not negative)");
  g.credits = "0";
  EXPECT_EQ(ErrorOf(GrantAddBody(g)), "--credits: must be more than zero");
  g.credits = "0.0000001";
  EXPECT_EQ(ErrorOf(GrantAddBody(g)).rfind("--credits: ", 0), 0u);
  g.credits = "";
  EXPECT_EQ(ErrorOf(GrantAddBody(g)).rfind("--credits: ", 0), 0u);
}

TEST(GrantAddBodyTest, RefusesBadSourceProgramAndTimes) {
  GrantAddOptions g = Grant();
  g.source = "gift";
  EXPECT_EQ(ErrorOf(GrantAddBody(g)), "--source: use voucher or purchase, not 'gift'");
  g = Grant();
  g.program = " ";
  EXPECT_EQ(ErrorOf(GrantAddBody(g)).rfind("--program: ", 0), 0u);
  g = Grant();
  g.valid_until = "next year";
  EXPECT_EQ(ErrorOf(GrantAddBody(g)).rfind("--valid-until: ", 0), 0u);
  g = Grant();
  g.valid_until = "";
  EXPECT_EQ(ErrorOf(GrantAddBody(g)), "--valid-until: is required, e.g. 2027-01-01");
  g = Grant();
  g.valid_from = "2026-13-01";
  EXPECT_EQ(ErrorOf(GrantAddBody(g)).rfind("--valid-from: ", 0), 0u);
}

TEST(GrantAddBodyTest, RefusesAValidityThatEndsBeforeItStarts) {
  GrantAddOptions g = Grant();
  g.valid_from = "2027-01-01";
  EXPECT_EQ(ErrorOf(GrantAddBody(g)), "--valid-until: must be after --valid-from");
  g.valid_from = "2027-01-01T01:00:00+02:00";  // 2026-12-31T23:00Z: one hour before the end
  EXPECT_TRUE(GrantAddBody(g).ok());
}

TEST(ReportTargetTest, EncodesTheQuery) {
  ReportOptions r{"2026-11-01", "2026-12-01T00:00:00+01:00", ""};
  StatusOr<std::string> target = ReportTarget("/v1/reports/usage", r);
  ASSERT_TRUE(target.ok()) << target.status().message();
  EXPECT_EQ(*target, "/v1/reports/usage?from=2026-11-01&to=2026-12-01T00%3A00%3A00%2B01%3A00");
  r.tenant = "acme";
  target = ReportTarget("/v1/reports/usage", r);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->substr(target->size() - 12), "&tenant=acme");
}

TEST(ReportTargetTest, RefusesBadDatesAndAnEmptyPeriod) {
  EXPECT_EQ(ErrorOf(ReportTarget("/v1/reports/usage", {"2026-11-01", "2026-11-01", ""})),
            "--to: must be after --from");
  EXPECT_EQ(ErrorOf(ReportTarget("/v1/reports/usage", {"2026-12-01", "2026-11-01", ""})),
            "--to: must be after --from");
  EXPECT_EQ(ErrorOf(ReportTarget("/v1/reports/usage", {"November", "2026-12-01", ""}))
                .rfind("--from: ", 0),
            0u);
  EXPECT_EQ(ErrorOf(ReportTarget("/v1/reports/usage", {"2026-11-01", "", ""})).rfind("--to: ", 0),
            0u);
  EXPECT_NE(ErrorOf(ReportTarget("/v1/reports/usage", {"2026-11-01", "2026-12-01", "ACME"})), "");
}

}  // namespace
}  // namespace sharc::cli

namespace sharc::cli {
namespace {

TEST(ParseEnergyWhTest, ReadsTheMetersUnits) {
  EXPECT_EQ(*ParseEnergyWh("5000Wh"), 5000);
  EXPECT_EQ(*ParseEnergyWh("123.4 kWh"), 123400);
  EXPECT_EQ(*ParseEnergyWh("1.2MWh"), 1200000);
  EXPECT_EQ(*ParseEnergyWh("0Wh"), 0);
}

TEST(ParseEnergyWhTest, RefusesWhatIsNotAReading) {
  for (const char* bad : {"", "12", "kWh", "-1kWh", "12kW", "1e99MWh", "twelve kWh", "1.2.3kWh"}) {
    StatusOr<int64_t> parsed = ParseEnergyWh(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
  }
  EXPECT_NE(ParseEnergyWh("12").status().message().find("e.g. 123456kWh"), std::string::npos);
}

TEST(FacilityReadingBodyTest, CarriesWhatWasGiven) {
  StatusOr<protocol::Json> body = FacilityReadingBody({"1.5kWh", "2026-11-30", "main"});
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["energy_wh"], 1500);
  EXPECT_EQ((*body)["time"], "2026-11-30T00:00:00.000Z");
  EXPECT_EQ((*body)["note"], "main");
  body = FacilityReadingBody({"1kWh", "", ""});
  ASSERT_TRUE(body.ok());
  EXPECT_FALSE(body->contains("time"));
  EXPECT_EQ(FacilityReadingBody({"1kWh", "yesterday", ""}).status().message().rfind("--time", 0),
            0u);
  EXPECT_EQ(FacilityReadingBody({"lots", "", ""}).status().message().rfind("--energy", 0), 0u);
}

}  // namespace
}  // namespace sharc::cli
