// How a Status travels over the REST API: its HTTP status and the error body
//   {"error": {"code": "invalid_argument", "message": "cpus: must be ..."}}
// and back again, for clients.
#ifndef SHARC_PROTOCOL_REST_ERRORS_H_
#define SHARC_PROTOCOL_REST_ERRORS_H_

#include <string>
#include <string_view>

#include "core/status.h"

namespace sharc::protocol {

// 400 invalid_argument, 401 unauthenticated, 403 permission_denied, 404 not_found,
// 409 failed_precondition / already_exists, 422 unsatisfiable, 429 resource_exhausted,
// 503 unavailable, 500 internal.
int HttpStatusFor(StatusCode code);

std::string ErrorBody(const Status& status);

// Rebuilds a Status from an error response; falls back to the HTTP status when the body is
// not a sharc error body.
Status StatusFromErrorResponse(int http_status, std::string_view body);

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_REST_ERRORS_H_
