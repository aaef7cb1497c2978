#include "protocol/tenant_codec.h"

#include <gtest/gtest.h>

namespace sharc::protocol {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TenantQuota FullQuota() {
  TenantQuota quota;
  quota.guaranteed = Resources{{"cpu", 8500}, {"memory", int64_t{64} << 30}, {"gpu/H100", 1}};
  quota.max = ResourceLimits{{"cpu", 16000}, {"gpu", 0}, {"gpu/H100", 2}};
  quota.lendable = ResourceLimits{{"cpu", 4000}};
  quota.max_running_jobs = 0;
  quota.max_pending_jobs = 100;
  quota.max_time_limit_seconds = 86400;
  quota.max_per_job = ResourceLimits{{"gpu", 4}, {"memory", 1000}};
  return quota;
}

Tenant SampleTenant() {
  Tenant tenant;
  tenant.name = "acme";
  tenant.display_name = "ACME Corp";
  tenant.disabled = true;
  tenant.quota = FullQuota();
  tenant.created = 1'796'018'620'123;
  return tenant;
}

ApiToken SampleToken() {
  ApiToken token;
  token.sha256 = "3f2a9c0b1d2e" + std::string(52, 'a');
  token.id = token.sha256.substr(0, 12);
  token.tenant = "acme";
  token.role = TokenRole::kViewer;
  token.name = "ci";
  token.created = 1'796'018'620'000;
  token.revoked = 1'796'018'630'000;
  token.expires = 1'796'018'640'000;
  return token;
}

Grant SampleGrant() {
  Grant grant;
  grant.id = 4;
  grant.tenant = "acme";
  grant.amount = 100'500'000;
  grant.source = GrantSource::kPurchase;
  grant.program = "city-ai-2026";
  grant.valid_from = 1'796'000'000'000;
  grant.valid_until = 1'827'536'000'000;
  grant.created = 1'795'999'000'000;
  grant.available = 60'000'000;
  grant.reserved = 30'000'000;
  grant.spent = 10'000'001;
  grant.expired = 499'999;
  grant.closed = true;
  return grant;
}

LedgerEntry SampleEntry() {
  LedgerEntry entry;
  entry.seq = 17;
  entry.tenant = "acme";
  entry.grant_id = 4;
  entry.attempt = AttemptId{JobId{12}, 1};
  entry.kind = LedgerKind::kCharge;
  entry.amount = 2'500'000;
  entry.time = 1'796'018'620'123;
  return entry;
}

// --- quotas ---

TEST(QuotaCodecTest, RoundTripsEveryFieldIncludingZeroLimits) {
  TenantQuota quota = FullQuota();
  StatusOr<TenantQuota> decoded = DecodeQuota(EncodeQuota(quota), "quota");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, quota);
  // A limit of zero is "no GPUs at all", not "unlimited".
  EXPECT_EQ(decoded->max.Get("gpu"), std::optional<int64_t>(0));
  EXPECT_EQ(decoded->max_running_jobs, std::optional<int64_t>(0));
}

TEST(QuotaCodecTest, EncodesResourceListsAndNullLimits) {
  Json json = EncodeQuota(FullQuota());
  EXPECT_EQ(json["guaranteed"], "cpu=8.5,gpu/H100=1,memory=64G");
  EXPECT_EQ(json["max"], "cpu=16,gpu=0,gpu/H100=2");
  EXPECT_EQ(json["lendable"], "cpu=4");
  EXPECT_EQ(json["max_per_job"], "gpu=4,memory=1000B");
  EXPECT_EQ(json["max_pending_jobs"], 100);
  Json empty = EncodeQuota(TenantQuota{});
  EXPECT_EQ(empty["guaranteed"], "");
  EXPECT_EQ(empty["max"], "");
  EXPECT_TRUE(empty["max_running_jobs"].is_null());
  EXPECT_TRUE(empty["max_time_limit_seconds"].is_null());
  StatusOr<TenantQuota> decoded = DecodeQuota(empty, "quota");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, TenantQuota{});
}

TEST(QuotaCodecTest, EveryFieldIsOptionalAndListsMayHaveSpaces) {
  StatusOr<TenantQuota> decoded =
      DecodeQuota(Json{{"guaranteed", "cpu=0.5, memory=512M"}}, "quota");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->guaranteed, (Resources{{"cpu", 500}, {"memory", int64_t{512} << 20}}));
  EXPECT_TRUE(decoded->max.entries().empty());
  EXPECT_FALSE(decoded->max_pending_jobs.has_value());
}

struct QuotaErrorCase {
  const char* name;
  Json json;
  const char* where;
  const char* expected;  // a part of the message
};

class QuotaErrorTest : public ::testing::TestWithParam<QuotaErrorCase> {};

TEST_P(QuotaErrorTest, NamesTheFieldOrResource) {
  StatusOr<TenantQuota> decoded = DecodeQuota(GetParam().json, GetParam().where);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(decoded.status().message(), GetParam().expected))
      << decoded.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, QuotaErrorTest,
    ::testing::Values(
        QuotaErrorCase{"MaxBelowGuaranteed", Json{{"guaranteed", "cpu=8"}, {"max", "cpu=4"}},
                       "quota", "quota: max cpu (4) is below guaranteed cpu (8)"},
        QuotaErrorCase{"MaxBelowGuaranteedNested",
                       Json{{"guaranteed", "memory=64G"}, {"max", "memory=32G"}},
                       "tenants[2].quota", "tenants[2].quota: max memory (32 GiB) is below"},
        QuotaErrorCase{"LendableAboveGuaranteed",
                       Json{{"guaranteed", "gpu=1"}, {"lendable", "gpu=2"}}, "quota",
                       "quota: lendable gpu (2) exceeds guaranteed gpu (1)"},
        QuotaErrorCase{"UnknownResource", Json{{"max", "cpus=4"}}, "quota",
                       "quota.max: unknown resource 'cpus'"},
        QuotaErrorCase{"BadAmount", Json{{"guaranteed", "memory=lots"}}, "quota",
                       "quota.guaranteed: memory"},
        QuotaErrorCase{"ResourceTwice", Json{{"max_per_job", "gpu=1,gpu=2"}}, "quota",
                       "quota.max_per_job: gpu is given twice"},
        // Found by fuzz/tenant_body_fuzzer.cc: the empty item became a resource named "".
        QuotaErrorCase{"TrailingComma", Json{{"max", "cpu=8,"}}, "quota",
                       "quota.max: 'cpu=8,' has an empty item (a comma too many?)"},
        QuotaErrorCase{"EmptyItemInside", Json{{"guaranteed", "cpu=1,,gpu=1"}}, "quota",
                       "quota.guaranteed: 'cpu=1,,gpu=1' has an empty item"},
        QuotaErrorCase{"ListNotAString", Json{{"max", 4}}, "quota",
                       "quota.max: must be a resource list"},
        QuotaErrorCase{"NegativeCount", Json{{"max_running_jobs", -1}}, "quota",
                       "quota.max_running_jobs: must be between 0"},
        QuotaErrorCase{"FractionalCount", Json{{"max_pending_jobs", 1.5}}, "quota",
                       "quota.max_pending_jobs: must be a whole number"},
        QuotaErrorCase{"UnknownField", Json{{"maxx", "cpu=1"}}, "quota",
                       "quota.maxx: unknown field (did you mean 'max'?)"},
        QuotaErrorCase{"NotAnObject", Json::array(), "quota", "quota: must be a JSON object"}),
    [](const ::testing::TestParamInfo<QuotaErrorCase>& info) { return info.param.name; });

TEST(MergeQuotaTest, AbsentFieldsStayAndPresentOnesReplace) {
  TenantQuota quota = FullQuota();
  ASSERT_TRUE(MergeQuota(Json{{"max", "cpu=32"}, {"max_pending_jobs", 5}}, "quota", &quota).ok());
  TenantQuota expected = FullQuota();
  expected.max = ResourceLimits{{"cpu", 32000}};  // the whole list is replaced
  expected.max_pending_jobs = 5;
  EXPECT_EQ(quota, expected);
  ASSERT_TRUE(MergeQuota(Json::object(), "quota", &quota).ok());
  EXPECT_EQ(quota, expected);
}

TEST(MergeQuotaTest, NullClearsALimitAndEmptyClearsAList) {
  TenantQuota quota = FullQuota();
  Json patch{{"max_pending_jobs", nullptr},
             {"max_per_job", ""},
             {"lendable", nullptr},
             {"max_running_jobs", nullptr}};
  ASSERT_TRUE(MergeQuota(patch, "quota", &quota).ok());
  EXPECT_FALSE(quota.max_pending_jobs.has_value());
  EXPECT_FALSE(quota.max_running_jobs.has_value());
  EXPECT_TRUE(quota.max_per_job.entries().empty());
  EXPECT_TRUE(quota.lendable.entries().empty());
  EXPECT_EQ(quota.max_time_limit_seconds, FullQuota().max_time_limit_seconds);
  EXPECT_EQ(quota.guaranteed, FullQuota().guaranteed);
}

TEST(MergeQuotaTest, ValidatesTheResultAndLeavesTheQuotaOnError) {
  TenantQuota quota = FullQuota();  // guaranteed cpu=8.5
  Status status = MergeQuota(Json{{"max", "cpu=2"}}, "patch", &quota);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(status.message(), "patch: max cpu (2) is below guaranteed cpu (8.5)"))
      << status.message();
  EXPECT_EQ(quota, FullQuota());
  status = MergeQuota(Json{{"max_pending_jobs", 1}, {"bogus", 1}}, "patch", &quota);
  EXPECT_TRUE(Contains(status.message(), "patch.bogus: unknown field")) << status.message();
  EXPECT_EQ(quota, FullQuota());
  // Clearing the guarantee makes a lendable amount invalid.
  status = MergeQuota(Json{{"guaranteed", ""}}, "patch", &quota);
  EXPECT_TRUE(Contains(status.message(), "patch: lendable cpu (4) exceeds guaranteed cpu (0)"))
      << status.message();
}

// --- tenants ---

TEST(TenantCodecTest, RoundTripsEveryField) {
  StatusOr<Tenant> decoded = DecodeTenant(EncodeTenant(SampleTenant()), "tenant");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, SampleTenant());
  Tenant minimal;
  minimal.name = "a";
  decoded = DecodeTenant(EncodeTenant(minimal), "tenant");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, minimal);
}

TEST(TenantCodecTest, EncodesTheDocumentedShape) {
  Json json = EncodeTenant(SampleTenant());
  EXPECT_EQ(json["name"], "acme");
  EXPECT_EQ(json["display_name"], "ACME Corp");
  EXPECT_EQ(json["disabled"], true);
  EXPECT_EQ(json["created"], "2026-11-30T06:03:40.123Z");
  EXPECT_EQ(json["quota"]["max_pending_jobs"], 100);
  Tenant fresh;
  fresh.name = "b";
  EXPECT_TRUE(EncodeTenant(fresh)["created"].is_null());
}

TEST(TenantCodecTest, RefusesBadInputNamingTheField) {
  Json json = EncodeTenant(SampleTenant());
  json["name"] = "ACME";
  Status status = DecodeTenant(json, "tenant").status();
  EXPECT_TRUE(Contains(status.message(), "tenant.name: tenant name 'ACME'")) << status.message();

  json = EncodeTenant(SampleTenant());
  json["quota"]["max"] = "cpu=1";
  status = DecodeTenant(json, "tenant").status();
  EXPECT_TRUE(Contains(status.message(), "tenant.quota: max cpu (1) is below guaranteed cpu"))
      << status.message();

  json = EncodeTenant(SampleTenant());
  json["created"] = "yesterday";
  status = DecodeTenant(json, "tenant").status();
  EXPECT_TRUE(Contains(status.message(), "tenant.created: 'yesterday' is not a time"))
      << status.message();

  json = EncodeTenant(SampleTenant());
  json["owner"] = "bob";
  status = DecodeTenant(json, "tenant").status();
  EXPECT_TRUE(Contains(status.message(), "tenant.owner: unknown field")) << status.message();

  status = DecodeTenant(Json{{"display_name", "x"}}, "tenant").status();
  EXPECT_TRUE(Contains(status.message(), "tenant.name: is required")) << status.message();
}

// --- tokens ---

TEST(TokenCodecTest, RoundTripsWithTheHashForTheStore) {
  StatusOr<ApiToken> decoded = DecodeToken(EncodeToken(SampleToken(), true), "token");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, SampleToken());
}

TEST(TokenCodecTest, TheRestFormNeverShowsTheHash) {
  Json json = EncodeToken(SampleToken(), false);
  EXPECT_FALSE(json.contains("sha256"));
  EXPECT_FALSE(Contains(DumpJson(json), SampleToken().sha256));
  EXPECT_EQ(json["role"], "viewer");
  EXPECT_EQ(json["revoked"], "2026-11-30T06:03:50.000Z");
  EXPECT_EQ(json["expires"], "2026-11-30T06:04:00.000Z");
  StatusOr<ApiToken> decoded = DecodeToken(json, "token");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ApiToken expected = SampleToken();
  expected.sha256.clear();
  EXPECT_EQ(*decoded, expected);
  ApiToken valid = SampleToken();
  valid.revoked = 0;
  EXPECT_TRUE(EncodeToken(valid, false)["revoked"].is_null());
}

TEST(TokenCodecTest, RefusesBadInputNamingTheField) {
  auto error = [](const char* key, Json value) {
    Json json = EncodeToken(SampleToken(), true);
    json[key] = std::move(value);
    return DecodeToken(json, "token").status().message();
  };
  EXPECT_TRUE(Contains(error("role", "admin"), "token.role: unknown role 'admin'"));
  EXPECT_TRUE(Contains(error("id", "XYZ"), "token.id: must be 12 lower-case hex digits"));
  EXPECT_TRUE(Contains(error("sha256", "abc"), "token.sha256: must be 64 lower-case hex"));
  EXPECT_TRUE(Contains(error("sha256", std::string(64, 'b')),
                       "token.sha256: does not start with the token's id"));
  EXPECT_TRUE(Contains(error("tenant", ""), "token.tenant: tenant name ''"));
  EXPECT_TRUE(Contains(error("secret", "x"), "token.secret: unknown field"));
}

// --- grants ---

TEST(GrantCodecTest, RoundTripsTheStoreForm) {
  Json json = EncodeGrant(SampleGrant(), false);
  EXPECT_FALSE(json.contains("amount"));
  EXPECT_EQ(json["amount_micro"], 100'500'000);
  EXPECT_EQ(json["source"], "purchase");
  StatusOr<Grant> decoded = DecodeGrant(json, "grant");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, SampleGrant());
}

TEST(GrantCodecTest, ThePeopleFormAddsDecimalAmountsThatMustAgree) {
  Json json = EncodeGrant(SampleGrant(), true);
  EXPECT_EQ(json["amount"], "100.5");
  EXPECT_EQ(json["spent"], "10.000001");
  EXPECT_EQ(json["expired"], "0.499999");
  StatusOr<Grant> decoded = DecodeGrant(json, "grant");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, SampleGrant());
  json["available"] = "61";
  Status status = DecodeGrant(json, "grant").status();
  EXPECT_TRUE(Contains(status.message(), "grant.available: '61' disagrees with available_micro"))
      << status.message();
}

TEST(GrantCodecTest, RefusesBadInputNamingTheField) {
  auto error = [](const char* key, Json value) {
    Json json = EncodeGrant(SampleGrant(), false);
    if (value.is_discarded()) {
      json.erase(key);
    } else {
      json[key] = std::move(value);
    }
    return DecodeGrant(json, "grant").status().message();
  };
  EXPECT_TRUE(Contains(error("id", 0), "grant.id: must be between 1"));
  EXPECT_TRUE(Contains(error("source", "gift"), "grant.source: unknown source 'gift'"));
  EXPECT_TRUE(Contains(error("reserved_micro", -1), "grant.reserved_micro: must be between 0"));
  EXPECT_TRUE(Contains(error("spent_micro", Json(Json::value_t::discarded)),
                       "grant.spent_micro: is required"));
  EXPECT_TRUE(
      Contains(error("valid_until", "2026-01-01"), "grant.valid_until: must be after valid_from"));
  EXPECT_TRUE(Contains(error("bonus_micro", 5), "grant.bonus_micro: unknown field"));
}

// --- ledger entries ---

TEST(LedgerEntryCodecTest, RoundTripsWithTimeInUnixMillis) {
  Json json = EncodeLedgerEntry(SampleEntry());
  EXPECT_EQ(json["time"], 1'796'018'620'123);
  EXPECT_EQ(json["kind"], "charge");
  EXPECT_EQ(json["job_id"], 12);
  EXPECT_EQ(json["attempt"], 1);
  StatusOr<LedgerEntry> decoded = DecodeLedgerEntry(json, "entry");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, SampleEntry());
  for (LedgerKind kind :
       {LedgerKind::kGrant, LedgerKind::kReserve, LedgerKind::kRelease, LedgerKind::kExpire}) {
    LedgerEntry entry = SampleEntry();
    entry.kind = kind;
    decoded = DecodeLedgerEntry(EncodeLedgerEntry(entry), "entry");
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, entry);
  }
}

TEST(LedgerEntryCodecTest, RefusesBadInputNamingTheField) {
  auto error = [](const char* key, Json value) {
    Json json = EncodeLedgerEntry(SampleEntry());
    json[key] = std::move(value);
    return DecodeLedgerEntry(json, "ledger[3]").status().message();
  };
  EXPECT_TRUE(Contains(error("amount_micro", 0), "ledger[3].amount_micro: must be between 1"));
  EXPECT_TRUE(Contains(error("kind", "refund"), "ledger[3].kind: unknown kind 'refund'"));
  EXPECT_TRUE(
      Contains(error("time", "2026-11-30T06:03:40Z"), "ledger[3].time: must be an integer"));
  EXPECT_TRUE(Contains(error("attempt", int64_t{1} << 40), "ledger[3].attempt: must be between"));
  EXPECT_TRUE(Contains(error("note", "x"), "ledger[3].note: unknown field"));
}

}  // namespace
}  // namespace sharc::protocol
