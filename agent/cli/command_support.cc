#include "agent/cli/command_support.h"

#include <iostream>

namespace sharc::cli {

int Fail(const Status& status) {
  std::cerr << "sharc: " << status.message() << "\n";
  return kExitFailed;
}

int Usage(const std::string& message) {
  std::cerr << "sharc: " << message << "\n";
  return kExitUsage;
}

void PrintJson(const protocol::Json& json) {
  std::cout << json.dump(2, ' ', false, protocol::Json::error_handler_t::replace) << "\n";
}

StatusOr<ApiClient> Connect(const GlobalOptions& global) {
  return ApiClient::Create(global.server, global.token, global.tls);
}

int RunRequest(const GlobalOptions& global,
               const std::function<StatusOr<protocol::Json>(ApiClient&)>& request,
               const std::function<std::string(const protocol::Json&)>& render) {
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  StatusOr<protocol::Json> answer = request(*client);
  if (!answer.ok()) return Fail(answer.status());
  if (global.output == "json") {
    PrintJson(*answer);
  } else {
    std::cout << render(*answer);
  }
  return kExitOk;
}

}  // namespace sharc::cli
