// Status and StatusOr<T>: how every sharc function reports an error a caller can act on.
//
// Untrusted input (REST bodies, agent messages, configs, hwloc XML) becomes a Status whose
// message tells a person what to fix; internal invariants use assert. Exceptions thrown by
// third-party libraries are caught at the boundary and turned into a Status.
#ifndef SHARC_CORE_STATUS_H_
#define SHARC_CORE_STATUS_H_

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sharc {

// The error classes sharc distinguishes. Each maps to one HTTP status (see
// protocol/rest_errors.h) and one CLI exit code.
enum class StatusCode {
  kOk,
  kInvalidArgument,     // bad input; the message names the field
  kUnauthenticated,     // no credentials or unknown credentials
  kPermissionDenied,    // authenticated but not allowed
  kNotFound,            // no such object (or not visible to the caller)
  kFailedPrecondition,  // the object is in the wrong state for the request
  kAlreadyExists,       // a conflicting object exists
  kUnsatisfiable,       // a request that can never be met (e.g. no node is large enough)
  kResourceExhausted,   // a limit refuses it for now
  kUnavailable,         // try again later (node down, store busy)
  kInternal,            // a bug or an environment failure
};

// The lower_snake_case name of a code, as used in REST error bodies.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "invalid_argument: cpus: must be at least 1"
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>" (used to name the field or item).
  Status WithPrefix(std::string_view prefix) const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status InvalidArgumentError(std::string message);
Status UnauthenticatedError(std::string message);
Status PermissionDeniedError(std::string message);
Status NotFoundError(std::string message);
Status FailedPreconditionError(std::string message);
Status AlreadyExistsError(std::string message);
Status UnsatisfiableError(std::string message);
Status ResourceExhaustedError(std::string message);
Status UnavailableError(std::string message);
Status InternalError(std::string message);

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(const T& value) : data_(value) {}                  // NOLINT: implicit by design
  StatusOr(T&& value) : data_(std::move(value)) {}            // NOLINT
  StatusOr(Status status) : data_(std::move(status)) {        // NOLINT
    assert(!std::get<Status>(data_).ok() && "StatusOr needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(data_); }

  // Preconditions: ok().
  T& value() & {
    assert(ok());
    return std::get<T>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> data_;
};

}  // namespace sharc

#define SHARC_STATUS_CONCAT_INNER_(a, b) a##b
#define SHARC_STATUS_CONCAT_(a, b) SHARC_STATUS_CONCAT_INNER_(a, b)

// Returns the Status of `expr` from the enclosing function if it is not OK.
#define SHARC_RETURN_IF_ERROR(expr)          \
  do {                                       \
    ::sharc::Status sharc_status_ = (expr);  \
    if (!sharc_status_.ok()) return sharc_status_; \
  } while (false)

// Evaluates `rexpr` (a StatusOr); returns its Status if not OK, else moves the value to `lhs`.
#define SHARC_ASSIGN_OR_RETURN(lhs, rexpr) \
  SHARC_ASSIGN_OR_RETURN_IMPL_(SHARC_STATUS_CONCAT_(sharc_statusor_, __LINE__), lhs, rexpr)
#define SHARC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                 \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#endif  // SHARC_CORE_STATUS_H_
