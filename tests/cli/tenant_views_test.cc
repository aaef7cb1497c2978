#include "agent/cli/tenant_views.h"

#include <gtest/gtest.h>

namespace sharc::cli {
namespace {

using protocol::Json;

Json Parse(const char* text) {
  StatusOr<Json> json = protocol::ParseJson(text);
  EXPECT_TRUE(json.ok()) << json.status().message();
  return json.ok() ? *json : Json();
}

// A usage answer as scheduler/rest_tenants.cc encodes it.
constexpr const char* kUsage = R"({
  "tenant": {"name": "acme", "display_name": "ACME Corp", "disabled": false,
             "created": "2026-11-01T00:00:00.000Z", "share": 2,
             "priority_classes": ["normal", "low"], "default_priority_class": "",
             "quota": {"guaranteed": "cpu=8,memory=64G", "max": "cpu=16,gpu/H100=2",
                       "lendable": "", "max_running_jobs": null, "max_pending_jobs": 100,
                       "max_time_limit_seconds": 86400, "max_per_job": ""}},
  "running_jobs": 2, "pending_jobs": 3,
  "pending_by_reason": {"QUOTA": 1, "RESOURCES": 2},
  "fair_share": {"share": 2, "usage_seconds": 4320.0, "siblings_usage_seconds": 10800.0,
                 "siblings_shares": 3, "factor": 0.63},
  "quota": {
    "cpu": {"used": 4.5, "guaranteed": 8.0, "max": 16.0},
    "gpu": {"used": 1, "guaranteed": 0, "max": null},
    "gpu/H100": {"used": 1, "guaranteed": 0, "max": 2},
    "memory": {"used": 8589934592, "guaranteed": 68719476736, "max": null}},
  "credit": {"enforced": true, "available": "90.5", "available_micro": 90500000,
             "reserved": "2", "reserved_micro": 2000000,
             "spent_this_month": "7.5", "spent_this_month_micro": 7500000,
             "grants": [
               {"id": 4, "tenant": "acme", "source": "voucher", "program": "city-ai-2026",
                "valid_from": "2026-11-01T00:00:00.000Z",
                "valid_until": "2027-01-01T00:00:00.000Z", "created": null, "closed": false,
                "amount": "100", "available": "90.5", "reserved": "2", "spent": "7.5",
                "expired": "0"},
               {"id": 2, "tenant": "acme", "source": "purchase", "program": "po-17",
                "valid_from": "2026-09-01T00:00:00.000Z",
                "valid_until": "2026-10-01T00:00:00.000Z", "created": null, "closed": true,
                "amount": "10", "available": "0", "reserved": "0", "spent": "10",
                "expired": "0"}]}
})";

TEST(RenderUsagePageTest, ShowsJobsQuotaCreditAndGrants) {
  EXPECT_EQ(RenderUsagePage(Parse(kUsage)),
            "Tenant      acme (ACME Corp)\n"
            "State       enabled\n"
            "Jobs        2 running, 3 pending (QUOTA 1, RESOURCES 2)\n"
            "Fair share  share 2 of 3 (67%), used 40% of the decayed use (1.2 cluster-hours), "
            "factor 0.630\n"
            "Credit      90.5 available, 2 reserved, 7.5 spent this month\n"
            "\n"
            "QUOTA     USED / GUARANTEED / MAX\n"
            "cpu       4.5 / 8 / 16\n"
            "memory    8 GiB / 64 GiB / -\n"
            "gpu       1 / 0 / -\n"
            "gpu/H100  1 / 0 / 2\n"
            "\n"
            "GRANT  SOURCE    PROGRAM       AVAILABLE  RESERVED  SPENT  VALID UNTIL\n"
            "4      voucher   city-ai-2026  90.5       2         7.5    2027-01-01T00:00:00.000Z\n"
            "2      purchase  po-17         0          0         10     "
            "2026-10-01T00:00:00.000Z (closed)\n");
}

TEST(RenderUsagePageTest, SaysWhenTheTenantIsDisabledCreditIsFreeAndThereAreNoGrants) {
  Json usage = Parse(kUsage);
  usage["tenant"]["disabled"] = true;
  usage["tenant"]["display_name"] = "";
  usage["pending_by_reason"] = Json::object();
  usage["credit"]["enforced"] = false;
  usage["credit"]["grants"] = Json::array();
  std::string page = RenderUsagePage(usage);
  EXPECT_NE(page.find("Tenant      acme\n"), std::string::npos) << page;
  EXPECT_NE(page.find("State       disabled (no new submits)\n"), std::string::npos) << page;
  EXPECT_NE(page.find("Jobs        2 running, 3 pending\n"), std::string::npos) << page;
  EXPECT_NE(page.find("7.5 spent this month (not enforced: the cluster is free)\n"),
            std::string::npos)
      << page;
  EXPECT_EQ(page.substr(page.size() - 11), "No grants.\n");
}

// Amounts chosen so that adding them as doubles would go wrong: 0.1 + 0.2 credits, and
// micro-credit sums above 2^53.
constexpr const char* kReport = R"([
  {"tenant": "acme", "jobs": 12, "cpu_hours": "0.100", "gpu_hours": "1.001",
   "credits_spent": "0.1", "credits_spent_voucher": "0.1", "credits_spent_purchase": "0",
   "credits_spent_micro": 100000, "credits_spent_voucher_micro": 100000,
   "credits_spent_purchase_micro": 0},
  {"tenant": "globex", "jobs": 3, "cpu_hours": "0.200", "gpu_hours": "0.000",
   "credits_spent": "0.2", "credits_spent_voucher": "0", "credits_spent_purchase": "0.2",
   "credits_spent_micro": 200000, "credits_spent_voucher_micro": 0,
   "credits_spent_purchase_micro": 200000},
  {"tenant": "initech", "jobs": 1, "cpu_hours": "12345.678", "gpu_hours": "0.999",
   "credits_spent": "9007199254.740993", "credits_spent_voucher": "9007199254.740992",
   "credits_spent_purchase": "0.000001",
   "credits_spent_micro": 9007199254740993, "credits_spent_voucher_micro": 9007199254740992,
   "credits_spent_purchase_micro": 1}
])";

TEST(RenderReportTableTest, AddsATotalRowWithExactSums) {
  StatusOr<std::string> table = RenderReportTable(Parse(kReport));
  ASSERT_TRUE(table.ok()) << table.status().message();
  EXPECT_EQ(*table,
            "TENANT   JOBS  CPU_HOURS  GPU_HOURS  CREDITS_SPENT      VOUCHER            PURCHASE\n"
            "acme     12    0.100      1.001      0.1                0.1                0\n"
            "globex   3     0.200      0.000      0.2                0                  0.2\n"
            "initech  1     12345.678  0.999      9007199254.740993  9007199254.740992  0.000001\n"
            "TOTAL    16    12345.978  2.000      9007199255.040993  9007199254.840992  "
            "0.200001\n");
}

TEST(RenderReportTableTest, AnEmptyReportHasAZeroTotal) {
  StatusOr<std::string> table = RenderReportTable(Json::array());
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(*table,
            "TENANT  JOBS  CPU_HOURS  GPU_HOURS  CREDITS_SPENT  VOUCHER  PURCHASE\n"
            "TOTAL   0     0.000      0.000      0              0        0\n");
}

TEST(RenderReportTableTest, RefusesARowItCannotSumNamingIt) {
  Json items = Parse(kReport);
  items[1]["cpu_hours"] = 0.2;
  StatusOr<std::string> table = RenderReportTable(items);
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().message(),
            "report row 2: cpu_hours: must be hours such as \"12.345\", not 0.2");
  items = Parse(kReport);
  items[0].erase("credits_spent_voucher_micro");
  table = RenderReportTable(items);
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().message(),
            "report row 1: credits_spent_voucher_micro: must be a whole number, not null");
  EXPECT_FALSE(RenderReportTable(Json::object()).ok());
}

TEST(RenderReportTableTest, RefusesTotalsThatOverflow) {
  Json items = Parse(kReport);
  items[0]["credits_spent_micro"] = INT64_MAX;
  EXPECT_FALSE(RenderReportTable(items).ok());
}

TEST(RenderReportCsvTest, HasAHeaderRowNoTotalAndCrlfLineEnds) {
  StatusOr<std::string> csv = RenderReportCsv(Parse(kReport));
  ASSERT_TRUE(csv.ok()) << csv.status().message();
  EXPECT_EQ(*csv,
            "TENANT,JOBS,CPU_HOURS,GPU_HOURS,CREDITS_SPENT,VOUCHER,PURCHASE\r\n"
            "acme,12,0.100,1.001,0.1,0.1,0\r\n"
            "globex,3,0.200,0.000,0.2,0,0.2\r\n"
            "initech,1,12345.678,0.999,9007199254.740993,9007199254.740992,0.000001\r\n");
}

TEST(RenderReportCsvTest, QuotesFieldsThatNeedIt) {
  Json items = Json::array({Parse(kReport)[0]});
  items[0]["tenant"] = "a,\"b\"";
  StatusOr<std::string> csv = RenderReportCsv(items);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(csv->substr(csv->find("\r\n") + 2), "\"a,\"\"b\"\"\",12,0.100,1.001,0.1,0.1,0\r\n");
}

TEST(CsvFieldTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(CsvField("acme"), "acme");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a b"), "a b");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\r"), "\"cr\r\"");
}

TEST(RenderTenantTableTest, ShowsStateAndDashesForEmptyLists) {
  Json tenants = Json::array(
      {Parse(kUsage)["tenant"], Parse(R"({"name": "globex", "display_name": "", "disabled": true,
                                        "quota": {"guaranteed": "", "max": ""}})")});
  EXPECT_EQ(RenderTenantTable(tenants),
            "NAME    DISPLAY    STATE     SHARE  GUARANTEED        MAX\n"
            "acme    ACME Corp  enabled   2      cpu=8,memory=64G  cpu=16,gpu/H100=2\n"
            "globex  -          disabled  -      -                 -\n");
}

TEST(RenderTenantDetailsTest, ShowsEveryQuotaFieldWithUnlimitedForAbsentLimits) {
  EXPECT_EQ(RenderTenantDetails(Parse(kUsage)["tenant"]),
            "Tenant            acme\n"
            "Display name      ACME Corp\n"
            "State             enabled\n"
            "Created           2026-11-01T00:00:00.000Z\n"
            "Guaranteed        cpu=8,memory=64G\n"
            "Max               cpu=16,gpu/H100=2\n"
            "Lendable          all of the guarantee\n"
            "Max running jobs  unlimited\n"
            "Max pending jobs  100\n"
            "Max walltime      1-00:00:00\n"
            "Max per job       unlimited\n"
            "Share             2\n"
            "Priority classes  normal,low\n"
            "Default priority  the cluster's default\n");
}

TEST(RenderTokenTableTest, ShowsExpiryAndRevocation) {
  Json tokens = Parse(R"([
    {"id": "3f2a9c0b1d4e", "tenant": "acme", "role": "submitter", "name": "ci",
     "created": "2026-11-01T00:00:00.000Z", "revoked": null,
     "expires": "2026-12-01T00:00:00.000Z"},
    {"id": "a1b2c3d4e5f6", "tenant": "acme", "role": "viewer", "name": "",
     "created": "2026-11-02T00:00:00.000Z", "revoked": "2026-11-03T00:00:00.000Z",
     "expires": null}])");
  EXPECT_EQ(RenderTokenTable(tokens),
            "ID            ROLE       NAME  CREATED                   EXPIRES                   "
            "REVOKED\n"
            "3f2a9c0b1d4e  submitter  ci    2026-11-01T00:00:00.000Z  2026-12-01T00:00:00.000Z  "
            "-\n"
            "a1b2c3d4e5f6  viewer     -     2026-11-02T00:00:00.000Z  -                         "
            "2026-11-03T00:00:00.000Z\n");
}

TEST(RenderGrantTableTest, ShowsTheGrantAndOptionallyItsBalances) {
  Json grants = Parse(kUsage)["credit"]["grants"];
  EXPECT_EQ(RenderGrantTable(Json::array({grants[0]}), false),
            "ID  TENANT  SOURCE   PROGRAM       AMOUNT  VALID FROM                "
            "VALID UNTIL\n"
            "4   acme    voucher  city-ai-2026  100     2026-11-01T00:00:00.000Z  "
            "2027-01-01T00:00:00.000Z\n");
  std::string list = RenderGrantTable(grants, true);
  EXPECT_EQ(list.substr(0, list.find('\n')),
            "ID  TENANT  SOURCE    PROGRAM       AMOUNT  AVAILABLE  RESERVED  SPENT  VALID FROM"
            "                VALID UNTIL");
  EXPECT_NE(list.find("2   acme    purchase  po-17         10      0          0         10     "
                      "2026-09-01T00:00:00.000Z  2026-10-01T00:00:00.000Z (closed)\n"),
            std::string::npos)
      << list;
}

TEST(RenderLedgerVerificationTest, SaysOkOrListsEveryMismatch) {
  Json ok = Parse(R"({"ok": true, "entries": 17, "grants": 3, "mismatches": []})");
  EXPECT_TRUE(LedgerOk(ok));
  EXPECT_EQ(RenderLedgerVerification(ok), "ledger OK: 17 entries, 3 grants\n");
  Json bad = Parse(R"({"ok": false, "entries": 17, "grants": 3,
                      "mismatches": ["grant 4: available 5 != 6", "grant 7: spent 1 != 0"]})");
  EXPECT_FALSE(LedgerOk(bad));
  EXPECT_EQ(RenderLedgerVerification(bad), "grant 4: available 5 != 6\ngrant 7: spent 1 != 0\n");
  EXPECT_FALSE(LedgerOk(Json::object()));
}

TEST(RenderWhoamiTest, ShowsTheTokenRoleOfTenants) {
  EXPECT_EQ(RenderWhoami(Parse(R"({"role": "tenant", "tenant": "acme",
                                   "token_role": "viewer", "token_name": "dash"})")),
            "tenant acme (viewer)\n");
  EXPECT_EQ(RenderWhoami(Parse(R"({"role": "tenant", "tenant": "acme", "token_name": ""})")),
            "tenant acme\n");
  EXPECT_EQ(RenderWhoami(Parse(R"({"role": "admin", "tenant": "", "token_role": "admin",
                                   "token_name": "ops"})")),
            "admin (token ops)\n");
  EXPECT_EQ(RenderWhoami(Parse(R"({"role": "auditor", "tenant": "", "token_role": "auditor",
                                   "token_name": "kpmg"})")),
            "auditor (token kpmg)\n");
}

}  // namespace
}  // namespace sharc::cli
