#include "agent/cli/pretty_json.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace sharc::cli {
namespace {

using protocol::Json;

// What PrintJson prints for `value` (without its final newline).
std::string Dumped(const Json& value) {
  return value.dump(2, ' ', false, Json::error_handler_t::replace);
}

// `text` parsed into events for a writer; "" if the writer stopped.
std::string Streamed(const std::string& text) {
  std::string out;
  PrettyJsonWriter writer(&out);
  if (!Json::sax_parse(text, &writer) || !writer.complete()) return "";
  return out;
}

TEST(PrettyJsonWriterTest, PrintsWhatDumpWithAnIndentOfTwoPrints) {
  for (const char* text : {
           R"({})",
           R"([])",
           R"(null)",
           R"(true)",
           R"(-42)",
           R"(18446744073709551615)",
           R"({"a":{},"b":[],"c":[[]],"d":[{}],"e":{"f":{"g":[1,2,{"h":null}]}}})",
           R"(["quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f"])",
           R"(["\u0001\u001f\u007f \u00e9 \u20ac \ud83d\ude00 caf\u00e9"])",
           R"([1.0, -0.0, 3.14, 1e300, 2.5e-7, 100000000000000000000, -9223372036854775808])",
           R"({"command":["sh","-c","echo \"$HOME\""],"env":{"A":"1"},"id":7})",
       }) {
    SCOPED_TRACE(text);
    EXPECT_EQ(Streamed(text), Dumped(Json::parse(text)));
  }
}

// Values of every kind, nested, with keys made to sort and strings with the bytes that need
// escapes: dump(-1) of each, streamed, must be dump(2) of it.
Json RandomValue(std::mt19937& random, int depth) {
  auto pick = [&](int n) { return static_cast<int>(random() % n); };
  auto text = [&] {
    std::string s;
    for (int i = pick(6); i > 0; --i) {
      static const char* kPieces[] = {"a",    "Z",    "\"",       "\\",           "\n", "\x01",
                                      "\x1f", "\x7f", "\xC3\xA9", "\xE2\x82\xAC", " ",  "/"};
      s += kPieces[pick(12)];
    }
    return s;
  };
  switch (depth > 3 ? pick(5) : pick(7)) {
    case 0:
      return nullptr;
    case 1:
      return pick(2) == 1;
    case 2:
      return static_cast<int64_t>(random()) - (1LL << 31);
    case 3:
      return std::uniform_real_distribution<double>(-1e6, 1e6)(random);
    case 4:
      return text();
    case 5: {
      Json array = Json::array();
      for (int i = pick(4); i > 0; --i) array.push_back(RandomValue(random, depth + 1));
      return array;
    }
    default: {
      Json object = Json::object();
      for (int i = pick(4); i > 0; --i) object[text()] = RandomValue(random, depth + 1);
      return object;
    }
  }
}

TEST(PrettyJsonWriterTest, RandomValuesStreamAsTheyDump) {
  std::mt19937 random(20261207);
  for (int i = 0; i < 2000; ++i) {
    const Json value = RandomValue(random, 0);
    const std::string compact = value.dump();
    ASSERT_EQ(Streamed(compact), Dumped(value)) << compact;
  }
}

TEST(PrettyJsonWriterTest, StopsAtAKeyOutOfOrderOrRepeatedWhichADomWouldSortOrMerge) {
  EXPECT_EQ(Streamed(R"({"b":1,"a":2})"), "");
  EXPECT_EQ(Streamed(R"({"a":1,"a":2})"), "");
  EXPECT_EQ(Streamed(R"([{"b":1},{"a":2,"b":{"a":1,"b":2}}])"),
            Dumped(Json::parse(R"([{"b":1},{"a":2,"b":{"a":1,"b":2}}])")));
}

TEST(PrettyJsonWriterTest, RefusesEventsNoJsonTextGives) {
  std::string out;
  std::string k = "k";
  {
    PrettyJsonWriter writer(&out);
    ASSERT_TRUE(writer.start_object(1));
    EXPECT_FALSE(writer.number_integer(1)) << "a value in an object without its key";
  }
  {
    PrettyJsonWriter writer(&out);
    ASSERT_TRUE(writer.start_object(1));
    ASSERT_TRUE(writer.key(k));
    EXPECT_FALSE(writer.end_object()) << "a key without its value";
  }
  {
    PrettyJsonWriter writer(&out);
    ASSERT_TRUE(writer.start_array(1));
    EXPECT_FALSE(writer.key(k)) << "a key in an array";
    EXPECT_FALSE(writer.end_object()) << "closing an object where an array is open";
  }
  {
    PrettyJsonWriter writer(&out);
    ASSERT_TRUE(writer.null());
    EXPECT_TRUE(writer.complete());
    EXPECT_FALSE(writer.boolean(true)) << "a second value at the top";
    EXPECT_FALSE(writer.end_array()) << "closing what is not open";
  }
}

TEST(PrettyJsonWriterTest, ABadByteInACallersStringIsReplacedAsDumpReplacesIt) {
  std::string out;
  PrettyJsonWriter writer(&out);
  std::string bad = "ok\xFF\xC3";
  ASSERT_TRUE(writer.start_array(1));
  ASSERT_TRUE(writer.string(bad));
  ASSERT_TRUE(writer.end_array());
  EXPECT_EQ(out, Dumped(Json::array({bad})));
}

}  // namespace
}  // namespace sharc::cli
