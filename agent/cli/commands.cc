#include "agent/cli/commands.h"

#include <strings.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <thread>

#include "agent/cli/api_client.h"
#include "agent/cli/command_support.h"
#include "agent/cli/job_list_json.h"
#include "agent/cli/job_list_views.h"
#include "agent/cli/submit_request.h"
#include "agent/cli/tenant_views.h"
#include "agent/cli/views.h"
#include "core/units.h"
#include "net/http_types.h"
#include "protocol/job_table_codec.h"

namespace sharc::cli {
namespace {

using protocol::Json;

UnixMillis Now() { return SystemClock().WallMillis(); }

bool ValidNumber(const std::string& id) {
  return !id.empty() && id.size() < 19 && id.find_first_not_of("0123456789") == std::string::npos;
}

// A job id ("12") or a task of an array job ("12_5").
bool ValidJobId(const std::string& id) {
  size_t underscore = id.find('_');
  if (underscore == std::string::npos) return ValidNumber(id);
  return ValidNumber(id.substr(0, underscore)) && ValidNumber(id.substr(underscore + 1));
}

}  // namespace

int RunSubmit(const GlobalOptions& global, SubmitOptions o) {
  std::error_code cwd_error;
  o.submit_dir = std::filesystem::current_path(cwd_error).string();
  StatusOr<Json> body = SubmitBody(o);
  if (!body.ok()) return Usage(body.status().message());
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  StatusOr<Json> job = client->Post("/v1/jobs", *body);
  if (!job.ok()) return Fail(job.status());
  if (global.output == "json") {
    PrintJson(*job);
  } else {
    std::cout << (*job)["id"].get<int64_t>() << "\n";
  }
  return kExitOk;
}

namespace {

// The listing's query in `view`, without `after` and `limit`.
std::string JobsQuery(const JobsOptions& o, const char* view) {
  std::string target =
      "/v1/jobs?view=" + std::string(view) + "&all=" + std::string(o.all ? "true" : "false");
  if (o.start) target += "&state=PENDING";
  auto joined = [](const std::vector<std::string>& parts) {
    std::string text;
    for (const std::string& p : parts) text += (text.empty() ? "" : ",") + p;
    return net::UrlEncode(text);
  };
  if (!o.states.empty()) target += "&state=" + joined(o.states);
  if (!o.tenant.empty()) target += "&tenant=" + net::UrlEncode(o.tenant);
  if (!o.name.empty()) target += "&name=" + net::UrlEncode(o.name);
  if (!o.labels.empty()) target += "&label=" + joined(o.labels);
  return target;
}

constexpr int64_t kJobsPage = 5000;

// Fetches page after page from `o.after` on (or the one page of `o.limit`): `fetch(target)`
// adds a page and returns the next page's `after` (0: none). Returns the `after` of the page
// that would follow the last one fetched (0: none), or the failure.
StatusOr<int64_t> FetchPages(const JobsOptions& o, const std::string& query,
                             const std::function<StatusOr<int64_t>(const std::string&)>& fetch) {
  int64_t after = o.after;
  for (;;) {
    const int64_t limit = o.limit > 0 ? o.limit : kJobsPage;
    StatusOr<int64_t> next =
        fetch(query + "&limit=" + std::to_string(limit) + "&after=" + std::to_string(after));
    if (!next.ok() || *next == 0 || o.limit > 0) return next;
    after = *next;
  }
}

// `sharc jobs -o json`: the full job objects, {"items", "next_after"}, as text to print.
StatusOr<std::string> FetchJobsJson(ApiClient& client, const JobsOptions& o) {
  JobListJson list;
  StatusOr<int64_t> next =
      FetchPages(o, JobsQuery(o, "full"), [&](const std::string& target) -> StatusOr<int64_t> {
        StatusOr<net::HttpResponse> page = client.GetRaw(target);
        if (!page.ok()) return page.status();
        return list.AddPage(page->body);
      });
  if (!next.ok()) return next.status();
  return std::move(list).Finish(*next);
}

// The table `sharc jobs` prints, read in the compact table view; *next_after as above.
StatusOr<protocol::JobTable> FetchJobTable(ApiClient& client, const JobsOptions& o,
                                           int64_t* next_after) {
  protocol::JobTable table;
  StatusOr<int64_t> next =
      FetchPages(o, JobsQuery(o, "table"), [&](const std::string& target) -> StatusOr<int64_t> {
        StatusOr<net::HttpResponse> page = client.GetRaw(target);
        if (!page.ok()) return page.status();
        int64_t following = 0;
        for (const auto& [name, value] : page->headers) {
          if (name == "x-sharc-next-after") following = std::strtoll(value.c_str(), nullptr, 10);
        }
        StatusOr<protocol::JobTable> rows = protocol::JobTable::Parse(std::move(page->body));
        if (!rows.ok()) return rows.status();
        table.Append(std::move(rows).value());
        return following;
      });
  if (!next.ok()) return next.status();
  *next_after = *next;
  return table;
}

}  // namespace

int RunJobs(const GlobalOptions& global, const JobsOptions& o) {
  if (o.start && (o.all || !o.states.empty())) {
    return Usage("--start lists pending jobs; it cannot be combined with --all or --state");
  }
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  if (global.output == "json") {
    StatusOr<std::string> list = FetchJobsJson(*client, o);
    if (!list.ok()) return Fail(list.status());
    std::cout << *list;
    return kExitOk;
  }
  int64_t next_after = 0;
  StatusOr<protocol::JobTable> table = FetchJobTable(*client, o, &next_after);
  if (!table.ok()) return Fail(table.status());
  (o.start ? StartListTable(*table) : JobListTable(*table, Now())).Print(std::cout);
  if (next_after > 0) std::cerr << "more jobs follow: add --after " << next_after << "\n";
  return kExitOk;
}

int RunShow(const GlobalOptions& global, const std::string& id) {
  if (!ValidJobId(id)) return Usage("'" + id + "' is not a job id");
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  StatusOr<Json> job = client->Get("/v1/jobs/" + id);
  if (!job.ok()) return Fail(job.status());
  if (global.output == "json") {
    PrintJson(*job);
  } else {
    std::cout << RenderJobDetails(*job, Now());
  }
  return kExitOk;
}

int RunCancel(const GlobalOptions& global, const std::vector<std::string>& ids) {
  Json body{{"ids", Json::array()}};
  for (const std::string& id : ids) {
    if (!ValidJobId(id)) return Usage("'" + id + "' is not a job id");
    body["ids"].push_back(id.find('_') == std::string::npos ? Json(std::stoll(id)) : Json(id));
  }
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  // One request for all: the scheduler stores every cancel in one transaction.
  StatusOr<Json> answer = client->Post("/v1/jobs/cancel", body);
  if (!answer.ok()) return Fail(answer.status());
  int code = kExitOk;
  const Json& items = (*answer)["items"];
  // -o json: the answer as one document, {"items": [job or {"id", "error"}, ...]}.
  if (global.output == "json") PrintJson(*answer);
  for (size_t i = 0; i < items.size() && i < ids.size(); ++i) {
    const Json& job = items[i];
    const std::string& id = ids[i];
    if (job.contains("error")) {
      std::cerr << "sharc: job " << id << ": " << job["error"].value("message", "") << "\n";
      code = kExitFailed;
    } else if (global.output == "json") {
      continue;
    } else if (job["state"] == "CANCELLED") {
      std::cout << "job " << id << " cancelled\n";
    } else {
      const Json names = job.value("nodes", Json::array());
      std::string nodes;
      for (const Json& node : names) {
        nodes += (nodes.empty() ? "" : ",") + (node.is_string() ? node.get<std::string>() : "?");
      }
      std::cout << "job " << id << " is being cancelled";
      if (!nodes.empty()) std::cout << (names.size() > 1 ? " on nodes " : " on node ") << nodes;
      std::cout << "\n";  // an array's tasks run on nodes of their own
    }
  }
  return code;
}

int RunLogs(const GlobalOptions& global, const std::string& id, bool stderr_stream, int rank) {
  if (!ValidJobId(id)) return Usage("'" + id + "' is not a job id");
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  int64_t offset = 0;
  while (true) {
    StatusOr<net::HttpResponse> chunk = client->GetRaw(
        "/v1/jobs/" + id + "/output?stream=" + (stderr_stream ? "stderr" : "stdout") +
        "&rank=" + std::to_string(rank) + "&offset=" + std::to_string(offset));
    if (!chunk.ok()) return Fail(chunk.status());
    std::cout.write(chunk->body.data(), static_cast<std::streamsize>(chunk->body.size()));
    offset += static_cast<int64_t>(chunk->body.size());
    int64_t total = 0;
    for (const auto& [name, value] : chunk->headers) {
      if (strcasecmp(name.c_str(), "X-Sharc-Output-Size") == 0) total = std::stoll(value);
    }
    if (chunk->body.empty() || offset >= total) break;
  }
  std::cout.flush();
  return kExitOk;
}

int RunNodes(const GlobalOptions& global) {
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  StatusOr<Json> list = client->Get("/v1/nodes");
  if (!list.ok()) return Fail(list.status());
  if (global.output == "json") {
    PrintJson(*list);
  } else {
    std::cout << RenderNodeTable((*list)["items"], global.output == "wide");
  }
  return kExitOk;
}

int RunWait(const GlobalOptions& global, const std::vector<std::string>& ids,
            const std::string& timeout) {
  for (const std::string& id : ids) {
    if (!ValidJobId(id)) return Usage("'" + id + "' is not a job id");
  }
  auto deadline = std::chrono::steady_clock::time_point::max();
  if (!timeout.empty()) {
    StatusOr<std::chrono::seconds> limit = ParseDuration(timeout);
    if (!limit.ok()) return Usage("--timeout: " + limit.status().message());
    deadline = std::chrono::steady_clock::now() + *limit;
  }
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  int code = kExitOk;
  // -o json: one document at the end, {"items": [each job as last seen]}.
  Json seen = Json::array();
  auto finish = [&](int exit_code) {
    if (global.output == "json") PrintJson(Json{{"items", seen}});
    return exit_code;
  };
  for (const std::string& id : ids) {
    while (true) {
      StatusOr<Json> job = client->Get("/v1/jobs/" + id);
      if (!job.ok()) return Fail(job.status());
      std::string state = (*job)["state"].get<std::string>();
      if (state != "PENDING" && state != "RUNNING") {
        if (global.output != "json") std::cout << "job " << id << " " << state << "\n";
        seen.push_back(std::move(*job));
        if (state != "COMPLETED") code = kExitFailed;
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        std::cerr << "sharc: job " << id << " still " << state << " at the timeout\n";
        seen.push_back(std::move(*job));
        return finish(kExitFailed);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a poll, not a sync
    }
  }
  return finish(code);
}

int RunWhoami(const GlobalOptions& global) {
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  StatusOr<Json> me = client->Get("/v1/whoami");
  if (!me.ok()) return Fail(me.status());
  if (global.output == "json") {
    PrintJson(*me);
  } else {
    std::cout << RenderWhoami(*me);
  }
  return kExitOk;
}

}  // namespace sharc::cli
