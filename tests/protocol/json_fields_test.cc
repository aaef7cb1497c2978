#include "protocol/json_fields.h"

#include <gtest/gtest.h>

namespace sharc::protocol {
namespace {

TEST(ParseJsonTest, RefusesDeepNestingOversizeAndBadSyntax) {
  EXPECT_TRUE(ParseJson(R"({"a":[1,2,{"b":"]]]]"}]})").ok());
  std::string deep(1000, '[');
  EXPECT_NE(ParseJson(deep).status().message().find("nested deeper"), std::string::npos);
  EXPECT_NE(ParseJson("{\"a\":").status().message().find("not valid JSON"), std::string::npos);
  EXPECT_NE(ParseJson("[1,2]", 3).status().message().find("larger than"), std::string::npos);
}

// Found by fuzzing: a quote inside a comment made the depth check think a string began, so
// the nesting after it went uncounted.
TEST(ParseJsonTest, AQuoteInACommentDoesNotHideDeepNesting) {
  std::string deep = "/* \" */ " + std::string(1000, '[') + std::string(1000, ']');
  EXPECT_NE(ParseJsonWithComments(deep).status().message().find("nested deeper"),
            std::string::npos);
  EXPECT_NE(ParseJsonWithComments("// \"\n" + std::string(1000, '['))
                .status()
                .message()
                .find("nested deeper"),
            std::string::npos);
  EXPECT_TRUE(ParseJsonWithComments("/* \" */ {\"a\": [1] // ]]\n}").ok());
}

TEST(ParseJsonTest, RefusesAKeyRepeatedInOneObjectNamingIt) {
  // The last would win silently: {"command":["true"],"command":["false"]} would run false.
  StatusOr<Json> twice = ParseJson(R"({"command":["true"],"command":["false"]})");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), "command: appears twice in one object; give each key once");
  // Found at any depth, in bulk bodies too, and in config files.
  EXPECT_EQ(ParseJson(R"([{"k":1},{"env":{"A":"1","B":"2","A":"3"}}])").status().message(),
            "env.A: appears twice in one object; give each key once");
  EXPECT_FALSE(ParseJsonWithComments("{\"a\":1, // x\n \"a\":2}").ok());
  // The same key in different objects, and equal values, are fine.
  EXPECT_TRUE(ParseJson(R"([{"a":1},{"a":1,"b":{"a":2}}])").ok());
  EXPECT_TRUE(ParseJson(R"({"a":"a","b":["a","a"]})").ok());
}

TEST(FieldReaderTest, ChecksTypesAndRanges) {
  Json j = Json::parse(R"({"n": 5, "big": 18446744073709551615, "f": 1.5, "s": "x"})");
  FieldReader r(j, "");
  int64_t n = 0, big = 0;
  r.OptionalInt("n", &n, 0, 10);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(n, 5);
  r.OptionalInt("big", &big, 0, INT64_MAX);
  EXPECT_EQ(r.Finish().message(), "big: must be between 0 and 9223372036854775807");
  // Beyond 64 bits the number parses as a float: still out of range, not a fraction.
  Json huge = Json::parse(R"({"cpus": 99999999999999999999})");
  FieldReader h(huge, "");
  int64_t cpus = 0;
  h.OptionalInt("cpus", &cpus, 1, 65536);
  EXPECT_EQ(h.Finish().message(), "cpus: must be between 1 and 65536");

  FieldReader f(j, "jobs[2]");
  int64_t x = 0;
  f.OptionalInt("f", &x, 0, 10);
  EXPECT_EQ(f.Finish().message(), "jobs[2].f: must be a whole number between 0 and 10");

  FieldReader s(j, "");
  s.OptionalInt("s", &x, 0, 10);
  EXPECT_EQ(s.Finish().message(), "s: must be an integer, not a string");
}

// Readers without a range leave the range to the caller's rules (see Check).
TEST(FieldReaderTest, ReadsWholeNumbersOfAnySizeAndClampsInt32) {
  Json j = Json::parse(
      R"({"small": -5, "huge": 99999999999, "tiny": -99999999999, "f": 1.5, "s": "x",
          "u": 18446744073709551615})");
  FieldReader r(j, "");
  int64_t small = 0;
  int32_t huge = 0, tiny = 0, absent = 7;
  r.OptionalInt("small", &small);
  r.OptionalClampedInt32("huge", &huge);
  r.OptionalClampedInt32("tiny", &tiny);
  r.OptionalClampedInt32("absent", &absent);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(small, -5);
  EXPECT_EQ(huge, INT32_MAX);
  EXPECT_EQ(tiny, INT32_MIN);
  EXPECT_EQ(absent, 7);
  int64_t x = 0;
  FieldReader f(j, "a");
  f.OptionalInt("f", &x);
  EXPECT_EQ(f.Finish().message(), "a.f: must be a whole number");
  FieldReader s(j, "");
  s.OptionalInt("s", &x);
  EXPECT_EQ(s.Finish().message(), "s: must be an integer, not a string");
  FieldReader u(j, "");
  u.OptionalInt("u", &x);
  EXPECT_EQ(u.Finish().message(), "u: must be at most 9223372036854775807");
  FieldReader required(j, "");
  required.RequiredInt("missing", &x);
  EXPECT_EQ(required.Finish().message(), "missing: is required");
}

TEST(FieldReaderTest, CheckPlacesARulesErrorUnderWhere) {
  Json j = Json::parse(R"({"cpus": 0, "bogus": 1})");
  FieldReader r(j, "[3]");
  int32_t cpus = 1;
  r.OptionalClampedInt32("cpus", &cpus);
  r.Check(Status::Ok());
  EXPECT_TRUE(r.ok());
  r.Check(InvalidArgumentError("cpus: must be between 1 and 65536"));
  r.Check(InvalidArgumentError("second: not recorded"));
  EXPECT_EQ(r.Finish().message(), "[3].cpus: must be between 1 and 65536");
  EXPECT_EQ(AtPath("", InvalidArgumentError("cpus: x")).message(), "cpus: x");
  EXPECT_EQ(AtPath("spec", InvalidArgumentError("cpus: x")).message(), "spec.cpus: x");
}

TEST(FieldReaderTest, RefusesUnknownFieldsWithASuggestion) {
  Json j = Json::parse(R"({"cpu": 2})");
  FieldReader r(j, "");
  int32_t cpus = 1;
  r.OptionalInt32("cpus", &cpus, 1, 64);
  EXPECT_EQ(r.Finish().message(), "cpu: unknown field (did you mean 'cpus'?)");
}

TEST(FieldReaderTest, RequiredFieldsAndNonObjects) {
  Json j = Json::parse(R"({"a": null})");
  FieldReader r(j, "x");
  std::string a;
  r.RequiredString("a", &a);
  EXPECT_EQ(r.Finish().message(), "x.a: is required");
  FieldReader arr(Json::array(), "");
  EXPECT_EQ(arr.Finish().message(), "body: must be a JSON object, not a list");
}

TEST(DumpJsonTest, ReplacesInvalidUtf8InsteadOfThrowing) {
  Json j = std::string("ok\xff");
  EXPECT_EQ(DumpJson(j), "\"ok\xEF\xBF\xBD\"");
}

}  // namespace
}  // namespace sharc::protocol
