#include "protocol/json_fields.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "core/units.h"

namespace sharc::protocol {
namespace {

// Whether a JSON number parsed as a float is a whole one (e.g. 1e30, or an integer too large
// for 64 bits).
bool IsWhole(double d) { return std::isfinite(d) && std::trunc(d) == d; }

// The deepest nesting of [ and { outside strings (and outside // and /* */ comments, where
// JSON with comments has them: a quote in a comment starts no string); stops counting once
// past `limit`.
size_t NestingDepth(std::string_view text, size_t limit) {
  size_t depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '/' && i + 1 < text.size() && (text[i + 1] == '/' || text[i + 1] == '*')) {
      size_t end = text[i + 1] == '/' ? text.find('\n', i + 2) : text.find("*/", i + 2);
      if (end == std::string_view::npos) break;  // the parser refuses an open comment
      i = text[i + 1] == '/' ? end : end + 1;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
      if (max_depth > limit) return max_depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string TypeName(const Json& v) {
  if (v.is_number_float()) return "a fractional number";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "an object";
  return "null";
}

// "line 3, column 7" for a byte offset (1-based, as parse_error reports it).
std::string Position(std::string_view text, size_t byte) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// Finds the first key given twice in one object, without building anything: a pass over
// text the DOM parser accepted (nlohmann keeps the last of the two silently). The key is named
// by its dotted path ("labels.rack"; an array's elements by the array's).
class RepeatedKeyFinder final : public nlohmann::json_sax<Json> {
 public:
  // The path of the repeated key; "" if there is none.
  const std::string& repeated() const { return repeated_; }

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return Open(/*is_object=*/true); }
  bool start_array(std::size_t) override { return Open(/*is_object=*/false); }
  bool end_object() override { return Close(); }
  bool end_array() override { return Close(); }
  bool key(string_t& key) override {
    std::vector<std::string>& keys = open_.back().keys;
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
      for (const Container& container : open_) {
        if (!container.name.empty()) repeated_ += container.name + ".";
      }
      repeated_ += key;
      return false;  // one is enough
    }
    keys.push_back(key);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  struct Container {
    bool is_object;
    std::string name;               // the key it is the value of; "" in an array or at the top
    std::vector<std::string> keys;  // an object's keys so far (objects are small: a list)
  };
  bool Open(bool is_object) {
    const Container* parent = open_.empty() ? nullptr : &open_.back();
    std::string name = parent && parent->is_object ? parent->keys.back() : "";
    open_.push_back({is_object, std::move(name), {}});
    return true;
  }
  bool Close() {
    open_.pop_back();
    return true;
  }

  std::vector<Container> open_;
  std::string repeated_;
};

StatusOr<Json> Parse(std::string_view text, size_t max_bytes, bool comments) {
  if (text.size() > max_bytes) {
    return InvalidArgumentError("larger than " + std::to_string(max_bytes) + " bytes");
  }
  if (NestingDepth(text, kMaxJsonDepth) > kMaxJsonDepth) {
    return InvalidArgumentError("JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                                " levels");
  }
  Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false, comments);
  if (value.is_discarded()) {
    // Re-parse with exceptions only to learn where it failed.
    try {
      Json unused = Json::parse(text, nullptr, true, comments);
    } catch (const Json::parse_error& e) {
      return InvalidArgumentError("not valid JSON at " + Position(text, e.byte));
    } catch (...) {
    }
    return InvalidArgumentError("not valid JSON");
  }
  RepeatedKeyFinder finder;
  (void)Json::sax_parse(text, &finder, Json::input_format_t::json, /*strict=*/true, comments);
  if (!finder.repeated().empty()) {
    return InvalidArgumentError(finder.repeated() +
                                ": appears twice in one object; give each key once");
  }
  return value;
}

}  // namespace

StatusOr<Json> ParseJson(std::string_view text, size_t max_bytes) {
  return Parse(text, max_bytes, false);
}

StatusOr<Json> ParseJsonWithComments(std::string_view text) {
  return Parse(text, kDefaultMaxJsonBytes, true);
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Status AtPath(const std::string& where, const Status& error) {
  if (where.empty() || error.ok()) return error;
  return Status(error.code(), where + "." + error.message());
}

FieldReader::FieldReader(const Json& object, std::string where)
    : object_(object), where_(std::move(where)) {
  if (!object_.is_object()) {
    status_ = InvalidArgumentError((where_.empty() ? std::string("body") : where_) +
                                   ": must be a JSON object, not " + TypeName(object_));
  }
}

std::string FieldReader::Path(std::string_view key) const {
  return where_.empty() ? std::string(key) : where_ + "." + std::string(key);
}

void FieldReader::Fail(std::string_view key, std::string message) {
  if (status_.ok()) status_ = InvalidArgumentError(Path(key) + ": " + message);
}

void FieldReader::Check(const Status& error) {
  if (status_.ok()) status_ = AtPath(where_, error);
}

const Json* FieldReader::Find(std::string_view key, bool required) {
  if (!status_.ok()) return nullptr;
  seen_.emplace(key);
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    if (required) Fail(key, "is required");
    return nullptr;
  }
  return &*it;
}

void FieldReader::RequiredString(std::string_view key, std::string* out) {
  if (const Json* v = Find(key, true)) {
    if (!v->is_string()) return Fail(key, "must be a string, not " + TypeName(*v));
    *out = v->get<std::string>();
  }
}

void FieldReader::OptionalString(std::string_view key, std::string* out) {
  if (const Json* v = Find(key, false)) {
    if (!v->is_string()) return Fail(key, "must be a string, not " + TypeName(*v));
    *out = v->get<std::string>();
  }
}

void FieldReader::OptionalSize(std::string_view key, int64_t* out) {
  std::string text;
  OptionalString(key, &text);
  if (text.empty() || !ok()) return;
  StatusOr<int64_t> size = ParseSize(text);
  if (!size.ok()) return Fail(key, size.status().message());
  *out = *size;
}

void FieldReader::OptionalDuration(std::string_view key, std::chrono::milliseconds* out) {
  std::string text;
  OptionalString(key, &text);
  if (text.empty() || !ok()) return;
  StatusOr<std::chrono::milliseconds> duration = ParseDurationMillis(text);
  if (!duration.ok()) return Fail(key, duration.status().message());
  *out = *duration;
}

void FieldReader::RequiredInt(std::string_view key, int64_t* out, int64_t min, int64_t max) {
  if (!Find(key, true)) return;
  OptionalInt(key, out, min, max);
}

void FieldReader::OptionalDouble(std::string_view key, double* out, double min, double max) {
  const Json* v = Find(key, false);
  if (!v) return;
  if (!v->is_number()) return Fail(key, "must be a number");
  double d = v->get<double>();
  if (!(d >= min && d <= max)) {
    std::ostringstream range;
    range << "must be between " << min << " and " << max;
    return Fail(key, range.str());
  }
  *out = d;
}

void FieldReader::OptionalInt(std::string_view key, int64_t* out, int64_t min, int64_t max) {
  const Json* v = Find(key, false);
  if (!v) return;
  std::string range = "between " + std::to_string(min) + " and " + std::to_string(max);
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        static_cast<int64_t>(u) > max || static_cast<int64_t>(u) < min) {
      return Fail(key, "must be " + range);
    }
    *out = static_cast<int64_t>(u);
  } else if (v->is_number_integer()) {
    int64_t i = v->get<int64_t>();
    if (i < min || i > max) return Fail(key, "must be " + range);
    *out = i;
  } else if (v->is_number_float()) {
    // A whole number too large for 64 bits arrives as a float: it is out of range, not a
    // fraction.
    return Fail(key, (IsWhole(v->get<double>()) ? "must be " : "must be a whole number ") + range);
  } else {
    return Fail(key, "must be an integer, not " + TypeName(*v));
  }
}

void FieldReader::OptionalInt32(std::string_view key, int32_t* out, int32_t min, int32_t max) {
  int64_t v = *out;
  OptionalInt(key, &v, min, max);
  *out = static_cast<int32_t>(v);
}

void FieldReader::OptionalInt(std::string_view key, int64_t* out) {
  const Json* v = Find(key, false);
  if (!v) return;
  if (v->is_number_unsigned() &&
      v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Fail(key, "must be at most " + std::to_string(std::numeric_limits<int64_t>::max()));
  }
  if (v->is_number_integer()) {
    *out = v->get<int64_t>();
  } else if (v->is_number_float() && IsWhole(v->get<double>())) {
    Fail(key, "must be at most " + std::to_string(std::numeric_limits<int64_t>::max()));
  } else if (v->is_number_float()) {
    Fail(key, "must be a whole number");
  } else {
    Fail(key, "must be an integer, not " + TypeName(*v));
  }
}

void FieldReader::RequiredInt(std::string_view key, int64_t* out) {
  if (!Find(key, true)) return;
  OptionalInt(key, out);
}

void FieldReader::OptionalClampedInt32(std::string_view key, int32_t* out) {
  int64_t v = *out;
  OptionalInt(key, &v);
  *out = static_cast<int32_t>(std::clamp<int64_t>(v, std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::max()));
}

void FieldReader::OptionalBool(std::string_view key, bool* out) {
  if (const Json* v = Find(key, false)) {
    if (!v->is_boolean()) return Fail(key, "must be true or false, not " + TypeName(*v));
    *out = v->get<bool>();
  }
}

void FieldReader::RequiredStringList(std::string_view key, std::vector<std::string>* out) {
  if (!Find(key, true)) return;
  OptionalStringList(key, out);
}

void FieldReader::OptionalStringList(std::string_view key, std::vector<std::string>* out) {
  const Json* v = Find(key, false);
  if (!v) return;
  if (!v->is_array()) return Fail(key, "must be a list of strings, not " + TypeName(*v));
  std::vector<std::string> result;
  for (const Json& item : *v) {
    if (!item.is_string()) return Fail(key, "must be a list of strings");
    result.push_back(item.get<std::string>());
  }
  *out = std::move(result);
}

void FieldReader::OptionalIntList(std::string_view key, std::vector<int>* out, int min, int max) {
  const Json* v = Find(key, false);
  if (!v) return;
  if (!v->is_array()) return Fail(key, "must be a list of integers, not " + TypeName(*v));
  std::vector<int> result;
  for (const Json& item : *v) {
    if (!item.is_number_integer() || item.get<int64_t>() < min || item.get<int64_t>() > max) {
      return Fail(key, "must be a list of integers between " + std::to_string(min) + " and " +
                           std::to_string(max));
    }
    result.push_back(static_cast<int>(item.get<int64_t>()));
  }
  *out = std::move(result);
}

void FieldReader::OptionalJobIdList(std::string_view key, std::vector<JobId>* out) {
  const Json* v = Find(key, false);
  if (!v) return;
  if (!v->is_array()) return Fail(key, "must be a list of job ids, not " + TypeName(*v));
  std::vector<JobId> result;
  for (const Json& item : *v) {
    if (!item.is_number_integer() || item.get<int64_t>() < 1) {
      return Fail(key, "must be a list of job ids (whole numbers from 1)");
    }
    result.push_back(JobId{item.get<int64_t>()});
  }
  *out = std::move(result);
}

void FieldReader::OptionalStringMap(std::string_view key, std::map<std::string, std::string>* out) {
  const Json* v = Find(key, false);
  if (!v) return;
  if (!v->is_object()) {
    return Fail(key, "must be an object of string values, not " + TypeName(*v));
  }
  std::map<std::string, std::string> result;
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it->is_string()) return Fail(key, "'" + it.key() + "' must be a string");
    result[it.key()] = it->get<std::string>();
  }
  *out = std::move(result);
}

const Json* FieldReader::OptionalRaw(std::string_view key) { return Find(key, false); }
const Json* FieldReader::RequiredRaw(std::string_view key) { return Find(key, true); }

Status FieldReader::Finish() {
  if (!status_.ok()) return status_;
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (seen_.count(it.key())) continue;
    std::string message = "unknown field";
    std::string best;
    // Suggest only close matches: at most 2 edits, and fewer than half the name's length.
    size_t best_distance = std::min<size_t>(3, it.key().size() / 2 + 1);
    for (const std::string& known : seen_) {
      // Lengths alone tell when no close match is possible: a megabyte-long key costs nothing.
      const size_t a = it.key().size(), b = known.size();
      if ((a > b ? a - b : b - a) >= best_distance) continue;
      size_t d = EditDistance(it.key(), known);
      if (d < best_distance) best_distance = d, best = known;
    }
    if (!best.empty()) message += " (did you mean '" + best + "'?)";
    return InvalidArgumentError(Path(it.key()) + ": " + message);
  }
  return Status::Ok();
}

}  // namespace sharc::protocol
