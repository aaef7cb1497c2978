// ParseJson, ParseJsonWithComments and FieldReader (protocol/json_fields.h): the first step of
// every REST body, agent message and configuration file.
//
// Invariants: what either parser accepts is nested at most kMaxJsonDepth deep (the bound that
// keeps nlohmann's recursive copy and dump off the stack), dumps and parses back to the same
// value, and the parser with comments accepts whatever the strict one does, the same way.
// FieldReader's typed readers leave values in the ranges they were asked for.
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "protocol/json_fields.h"

namespace sharc::fuzz {
namespace {

using protocol::Json;

void CheckParsed(const Json& value, const char* parser) {
  size_t depth = JsonDepth(value);
  FUZZ_CHECK(depth <= protocol::kMaxJsonDepth,
             std::string(parser) + " accepted JSON nested " + std::to_string(depth) + " deep");
  std::string dumped = protocol::DumpJson(value);
  StatusOr<Json> again = protocol::ParseJson(dumped);
  FUZZ_CHECK(again.ok(), again.status().message() + "\n" + dumped);
  FUZZ_CHECK(*again == value, "dump does not parse back to the same value: " + dumped);
}

// A number field (picks 1 to 7) with one of the readers' numeric forms and ranges.
void ReadNumberField(protocol::FieldReader& reader, const std::string& key, int pick) {
  switch (pick) {
    case 1: {
      int64_t v = 7;
      reader.OptionalInt(key, &v, -5, 1000);
      FUZZ_CHECK(v >= -5 && v <= 1000, key + " = " + std::to_string(v));
      break;
    }
    case 2: {
      int32_t v = 7;
      reader.OptionalInt32(key, &v, 1, 65536);
      FUZZ_CHECK(v >= 1 && v <= 65536, key + " = " + std::to_string(v));
      break;
    }
    case 3: {
      int32_t v = 0;
      reader.OptionalClampedInt32(key, &v);
      break;
    }
    case 4: {
      int64_t v = 0;
      reader.OptionalInt(key, &v);
      break;
    }
    case 5: {
      double v = 0.5;
      reader.OptionalDouble(key, &v, 0, 1);
      FUZZ_CHECK(v >= 0 && v <= 1, key + " = " + std::to_string(v));
      break;
    }
    case 6: {
      int64_t v = 0;
      reader.OptionalSize(key, &v);
      FUZZ_CHECK(v >= 0, key + " = " + std::to_string(v));
      break;
    }
    case 7: {
      std::chrono::milliseconds v{1};
      reader.OptionalDuration(key, &v);
      FUZZ_CHECK(v.count() > 0, key + " = " + std::to_string(v.count()));
      break;
    }
  }
}

// A field of another shape: a string, a bool, a list, a map or raw JSON.
void ReadOtherField(protocol::FieldReader& reader, const std::string& key, int pick) {
  switch (pick) {
    case 0: {
      std::string s;
      reader.OptionalString(key, &s);
      break;
    }
    case 8: {
      bool v = false;
      reader.OptionalBool(key, &v);
      break;
    }
    case 9: {
      std::vector<std::string> v;
      reader.OptionalStringList(key, &v);
      break;
    }
    case 10: {
      std::vector<int> v;
      reader.OptionalIntList(key, &v, 0, 4096);
      for (int i : v) FUZZ_CHECK(i >= 0 && i <= 4096, key + " has " + std::to_string(i));
      break;
    }
    case 11: {
      std::vector<JobId> v;
      reader.OptionalJobIdList(key, &v);
      for (JobId id : v) FUZZ_CHECK(id.value >= 1, key + " has " + std::to_string(id.value));
      break;
    }
    case 12: {
      std::map<std::string, std::string> v;
      reader.OptionalStringMap(key, &v);
      break;
    }
    default:
      reader.OptionalRaw(key);
      break;
  }
}

// Reads every field of an object with a reader picked by the key's first byte, as the
// decoders do, and checks what the readers promise.
void ReadFields(const Json& object) {
  protocol::FieldReader reader(object, "fuzz");
  int n = 0;
  for (auto it = object.begin(); it != object.end() && n < 16; ++it, ++n) {
    const std::string& key = it.key();
    const int pick = (key.empty() ? 0 : static_cast<unsigned char>(key[0])) % 14;
    if (pick >= 1 && pick <= 7) {
      ReadNumberField(reader, key, pick);
    } else {
      ReadOtherField(reader, key, pick);
    }
  }
  // Fields left unread make Finish fail with a suggestion; it must not crash.
  (void)reader.Finish();
}

}  // namespace
}  // namespace sharc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sharc;
  using namespace sharc::fuzz;
  std::string_view text = AsText(data, size);

  StatusOr<protocol::Json> strict = protocol::ParseJson(text);
  if (strict.ok()) {
    CheckParsed(*strict, "ParseJson");
    if (strict->is_object()) ReadFields(*strict);
  }
  StatusOr<protocol::Json> lenient = protocol::ParseJsonWithComments(text);
  if (lenient.ok()) CheckParsed(*lenient, "ParseJsonWithComments");
  if (strict.ok()) {
    FUZZ_CHECK(lenient.ok(), "ParseJsonWithComments refused what ParseJson accepted: " +
                                 lenient.status().message());
    FUZZ_CHECK(*lenient == *strict, "the two parsers disagree");
  }
  // A tight size bound is honoured exactly.
  StatusOr<protocol::Json> bounded = protocol::ParseJson(text, size / 2);
  FUZZ_CHECK(size == 0 || !bounded.ok(), "max_bytes was not applied");
  return 0;
}
