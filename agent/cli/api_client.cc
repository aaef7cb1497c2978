#include "agent/cli/api_client.h"

#include "protocol/rest_errors.h"

namespace sharc::cli {

StatusOr<ApiClient> ApiClient::Create(const std::string& server_url, std::string token,
                                      const net::TlsClientOptions& tls) {
  SHARC_ASSIGN_OR_RETURN(std::unique_ptr<net::HttpClient> http,
                         net::HttpClient::Create(server_url, std::chrono::seconds(30), tls));
  return ApiClient(server_url, std::move(token), std::move(http));
}

StatusOr<net::HttpResponse> ApiClient::Send(const std::string& method, const std::string& target,
                                            std::string body) {
  std::map<std::string, std::string> headers;
  if (!token_.empty()) headers["Authorization"] = "Bearer " + token_;
  if (!body.empty()) headers["Content-Type"] = "application/json";
  SHARC_ASSIGN_OR_RETURN(net::HttpResponse response,
                         http_->Send(method, target, std::move(body), headers));
  if (response.status >= 300) {
    return protocol::StatusFromErrorResponse(response.status, response.body);
  }
  return response;
}

StatusOr<protocol::Json> ApiClient::SendJson(const std::string& method, const std::string& target,
                                             std::string body) {
  SHARC_ASSIGN_OR_RETURN(net::HttpResponse response, Send(method, target, std::move(body)));
  StatusOr<protocol::Json> json = protocol::ParseJson(response.body);
  if (!json.ok()) {
    return InternalError("the server sent an unreadable answer: " + json.status().message());
  }
  return json;
}

StatusOr<protocol::Json> ApiClient::Get(const std::string& target) {
  return SendJson("GET", target, "");
}

StatusOr<protocol::Json> ApiClient::Post(const std::string& target, const protocol::Json& body) {
  return SendJson("POST", target, protocol::DumpJson(body));
}

StatusOr<protocol::Json> ApiClient::Patch(const std::string& target, const protocol::Json& body) {
  return SendJson("PATCH", target, protocol::DumpJson(body));
}

StatusOr<net::HttpResponse> ApiClient::GetRaw(const std::string& target) {
  return Send("GET", target, "");
}

}  // namespace sharc::cli
