// Strict, non-throwing JSON decoding for untrusted input.
//
// ParseJson bounds size and nesting depth before nlohmann/json sees the text (its copy and
// dump recurse), and never throws. FieldReader reads an object's fields with type and range
// checks, remembers the first error (naming the field, prefixed by where the object sits,
// e.g. "jobs[3].cpus: must be an integer"), and refuses unknown fields, suggesting the
// nearest known one.
#ifndef SHARC_PROTOCOL_JSON_FIELDS_H_
#define SHARC_PROTOCOL_JSON_FIELDS_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/status.h"

namespace sharc::protocol {

using Json = nlohmann::json;

inline constexpr size_t kMaxJsonDepth = 32;
inline constexpr size_t kDefaultMaxJsonBytes = 16 << 20;
// The largest REST request body: the scheduler's HTTP server answers 413 above it, and its
// JSON bodies are parsed up to it (a 10,000-job bulk submit with its environments fits).
inline constexpr size_t kMaxRequestBodyBytes = 64 << 20;

// Parses `text` as JSON. InvalidArgument on bad syntax (with line and column), on nesting
// deeper than kMaxJsonDepth, on more than `max_bytes`, or on a key given twice in one object
// ("labels.rack: appears twice in one object; ..."), where the last would silently win.
StatusOr<Json> ParseJson(std::string_view text, size_t max_bytes = kDefaultMaxJsonBytes);

// The same for configuration files: // and /* */ comments are allowed.
StatusOr<Json> ParseJsonWithComments(std::string_view text);

// Serializes without throwing: invalid UTF-8 in strings is replaced by U+FFFD.
std::string DumpJson(const Json& value);

// `error` (a message that starts with a field's name) placed under `where`: "cpus: ..." at
// "[3]" becomes "[3].cpus: ...". Unchanged when `where` is "" or `error` is OK.
Status AtPath(const std::string& where, const Status& error);

class FieldReader {
 public:
  // `where` prefixes error messages; "" for a top-level object. If `object` is not an
  // object, the reader starts with an error.
  FieldReader(const Json& object, std::string where);

  // Each reader leaves `*out` unchanged when the field is absent (or null, for Optional*).
  void RequiredString(std::string_view key, std::string* out);
  void OptionalString(std::string_view key, std::string* out);
  void OptionalInt(std::string_view key, int64_t* out, int64_t min, int64_t max);
  void OptionalInt32(std::string_view key, int32_t* out, int32_t min, int32_t max);
  // A whole number of any size int64_t holds, for a field whose own range the caller checks
  // afterwards (see Check).
  void OptionalInt(std::string_view key, int64_t* out);
  void RequiredInt(std::string_view key, int64_t* out);
  // The same for an int32_t field: a number outside int32_t's range is clamped to it, which
  // the caller's range check (well inside int32_t) then refuses.
  void OptionalClampedInt32(std::string_view key, int32_t* out);
  void RequiredInt(std::string_view key, int64_t* out, int64_t min, int64_t max);
  // A number (whole or not) in [min, max].
  void OptionalDouble(std::string_view key, double* out, double min, double max);
  // A size string as core/units.h's ParseSize reads it ("512M", "8GiB"; a bare number is
  // refused), in bytes.
  void OptionalSize(std::string_view key, int64_t* out);
  // A duration string as ParseDurationMillis reads it ("90s", "1h30m", "1-12:00:00").
  void OptionalDuration(std::string_view key, std::chrono::milliseconds* out);
  void OptionalBool(std::string_view key, bool* out);
  void OptionalStringList(std::string_view key, std::vector<std::string>* out);
  void RequiredStringList(std::string_view key, std::vector<std::string>* out);
  void OptionalIntList(std::string_view key, std::vector<int>* out, int min, int max);
  // A list of job ids (whole numbers >= 1).
  void OptionalJobIdList(std::string_view key, std::vector<JobId>* out);
  void OptionalStringMap(std::string_view key, std::map<std::string, std::string>* out);
  // A nested value, for the caller to decode; nullptr if absent or null.
  const Json* OptionalRaw(std::string_view key);
  const Json* RequiredRaw(std::string_view key);

  // Records an error about `key` (if none yet), e.g. for a cross-field check.
  void Fail(std::string_view key, std::string message);
  // Records `error` (if none yet), a message that starts with a field's name, e.g. from
  // core's ValidateJobSpec: "cpus: ..." becomes "[3].cpus: ..." when `where` is "[3]". For
  // rules checked on the decoded value, after every field was read.
  void Check(const Status& error);

  // "where.key" (or "key" at top level), for nested readers.
  std::string Path(std::string_view key) const;

  // The first error, or OK; also fails on any field no reader asked for.
  Status Finish();

  bool ok() const { return status_.ok(); }

 private:
  const Json* Find(std::string_view key, bool required);

  const Json& object_;
  std::string where_;
  std::set<std::string, std::less<>> seen_;
  Status status_;
};

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_JSON_FIELDS_H_
