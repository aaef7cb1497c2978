#include "protocol/rest_errors.h"

#include "protocol/json_fields.h"

namespace sharc::protocol {
namespace {

constexpr StatusCode kAllCodes[] = {
    StatusCode::kInvalidArgument, StatusCode::kUnauthenticated,   StatusCode::kPermissionDenied,
    StatusCode::kNotFound,        StatusCode::kFailedPrecondition, StatusCode::kAlreadyExists,
    StatusCode::kUnsatisfiable,   StatusCode::kResourceExhausted, StatusCode::kUnavailable,
    StatusCode::kInternal,
};

}  // namespace

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kUnsatisfiable: return 422;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

std::string ErrorBody(const Status& status) {
  Json body{{"error", {{"code", StatusCodeName(status.code())}, {"message", status.message()}}}};
  return DumpJson(body);
}

Status StatusFromErrorResponse(int http_status, std::string_view body) {
  StatusOr<Json> json = ParseJson(body);
  if (json.ok() && json->is_object() && json->contains("error") &&
      (*json)["error"].is_object()) {
    const Json& error = (*json)["error"];
    std::string code = error.value("code", "");
    std::string message = error.contains("message") && error["message"].is_string()
                              ? error["message"].get<std::string>()
                              : "";
    for (StatusCode c : kAllCodes) {
      if (StatusCodeName(c) == code) return Status(c, message);
    }
  }
  StatusCode code = StatusCode::kInternal;
  for (StatusCode c : kAllCodes) {
    if (HttpStatusFor(c) == http_status) {
      code = c;
      break;
    }
  }
  std::string text(body.substr(0, 200));
  return Status(code, "HTTP " + std::to_string(http_status) + (text.empty() ? "" : ": " + text));
}

}  // namespace sharc::protocol
