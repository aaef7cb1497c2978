// The CLI's view of the scheduler's REST API: authenticated calls that return decoded JSON or
// a Status rebuilt from the server's error body.
#ifndef SHARC_AGENT_CLI_API_CLIENT_H_
#define SHARC_AGENT_CLI_API_CLIENT_H_

#include <memory>
#include <string>

#include "net/http_client.h"
#include "protocol/json_fields.h"

namespace sharc::cli {

class ApiClient {
 public:
  // `tls` applies to https:// servers.
  static StatusOr<ApiClient> Create(const std::string& server_url, std::string token,
                                    const net::TlsClientOptions& tls = {});

  StatusOr<protocol::Json> Get(const std::string& target);
  StatusOr<protocol::Json> Post(const std::string& target, const protocol::Json& body);
  StatusOr<protocol::Json> Patch(const std::string& target, const protocol::Json& body);
  // Raw bytes of a GET, with the X-Sharc-Output-Size header.
  StatusOr<net::HttpResponse> GetRaw(const std::string& target);

  const std::string& server_url() const { return server_url_; }

 private:
  ApiClient(std::string server_url, std::string token, std::unique_ptr<net::HttpClient> http)
      : server_url_(std::move(server_url)), token_(std::move(token)), http_(std::move(http)) {}
  StatusOr<net::HttpResponse> Send(const std::string& method, const std::string& target,
                                   std::string body);
  // Send, then decode the answer as JSON.
  StatusOr<protocol::Json> SendJson(const std::string& method, const std::string& target,
                                    std::string body);

  std::string server_url_;
  std::string token_;
  std::unique_ptr<net::HttpClient> http_;
};

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_API_CLIENT_H_
