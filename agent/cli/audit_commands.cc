#include "agent/cli/audit_commands.h"

#include <iostream>

#include "agent/cli/command_support.h"
#include "agent/cli/table.h"
#include "net/http_types.h"

namespace sharc::cli {
namespace {

using protocol::Json;

constexpr size_t kDetailWidth = 80;

std::string TextOf(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// `text` on one line, at most `width` characters.
std::string OneLine(std::string text, size_t width) {
  for (char& c : text) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  }
  if (text.size() > width) text = text.substr(0, width - 3) + "...";
  return text;
}

}  // namespace

StatusOr<std::string> AuditTarget(const AuditOptions& options) {
  if (options.limit < 1 || options.limit > 10000) {
    return InvalidArgumentError("--limit: from 1 to 10000");
  }
  std::string target = "/v1/audit?limit=" + std::to_string(options.limit);
  if (!options.since.empty()) target += "&since=" + net::UrlEncode(options.since);
  if (!options.actor.empty()) target += "&actor=" + net::UrlEncode(options.actor);
  return target;
}

std::string RenderAudit(const Json& answer) {
  Table table({"SEQ", "TIME", "ACTOR", "ACTION", "STATUS", "REQUEST", "DETAIL"});
  const Json items = answer.is_object() ? answer.value("items", Json::array()) : Json::array();
  for (const Json& entry : items) {
    if (!entry.is_object()) continue;
    table.AddRow({TextOf(entry, "seq"), TextOf(entry, "time"), TextOf(entry, "actor"),
                  TextOf(entry, "action"), TextOf(entry, "status"), TextOf(entry, "request"),
                  OneLine(TextOf(entry, "detail"), kDetailWidth)});
  }
  std::string out = table.Render();
  if (answer.is_object() && answer.contains("next_after") && !answer["next_after"].is_null()) {
    out += "(more entries follow: raise --limit, or use --since)\n";
  }
  return out;
}

int RunAudit(const GlobalOptions& global, const AuditOptions& options) {
  StatusOr<std::string> target = AuditTarget(options);
  if (!target.ok()) return Usage(target.status().message());
  return RunRequest(
      global, [&](ApiClient& api) { return api.Get(*target); }, RenderAudit);
}

int RunAuditVerify(const GlobalOptions& global) {
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  StatusOr<Json> result = client->Post("/v1/audit/verify", Json::object());
  if (!result.ok()) return Fail(result.status());
  const bool ok = result->is_object() && result->value("ok", false);
  if (global.output == "json") {
    PrintJson(*result);
  } else if (ok) {
    std::cout << "audit log OK: " << TextOf(*result, "entries")
              << " entries, hash chain intact, ending at entry " << TextOf(*result, "last_seq")
              << " (hash " << TextOf(*result, "last_hash") << ")\n";
  } else {
    std::cout << "audit log BROKEN at entry " << TextOf(*result, "broken_at") << ": "
              << TextOf(*result, "problem") << "\n";
  }
  if (ok) return kExitOk;
  std::cerr << "sharc: the audit log's hash chain is broken\n";
  return kExitFailed;
}

}  // namespace sharc::cli
