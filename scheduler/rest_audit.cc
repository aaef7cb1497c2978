// REST routes of the audit log (audit_log.h), for admins and auditors:
//   GET  /v1/audit?since=TIME&actor=A&after=SEQ&limit=N   entries in seq order,
//        {"items": [...], "next_after": SEQ | null}
//   POST /v1/audit/verify                                  {"ok", "entries", "broken_at",
//                                                           "problem", "last_seq",
//                                                           "last_hash"}
#include "scheduler/rest_api.h"
#include "scheduler/rest_responses.h"

namespace sharc::scheduler {
namespace {

using protocol::Json;

constexpr int64_t kDefaultAuditLimit = 1000;
constexpr int64_t kMaxAuditLimit = 10000;

Json EncodeAuditRecord(const store::AuditRecord& r) {
  return {{"seq", r.seq},         {"time", FormatRfc3339(r.time)},
          {"actor", r.actor},     {"action", r.action},
          {"request", r.request}, {"peer", r.peer},
          {"status", r.status},   {"detail", r.detail},
          {"hash", r.hash}};
}

StatusOr<store::AuditQuery> ParseAuditQuery(const net::HttpRequest& request) {
  store::AuditQuery query;
  if (std::string since = Query(request, "since"); !since.empty()) {
    StatusOr<UnixMillis> parsed = ParseRfc3339(since);
    if (!parsed.ok()) return parsed.status().WithPrefix("since");
    query.since = *parsed;
  }
  query.actor = Query(request, "actor");
  SHARC_ASSIGN_OR_RETURN(query.after_seq,
                         ParseInt("after", Query(request, "after", "0"), 0, INT64_MAX));
  SHARC_ASSIGN_OR_RETURN(
      query.limit, ParseInt("limit", Query(request, "limit", std::to_string(kDefaultAuditLimit)), 1,
                            kMaxAuditLimit));
  return query;
}

}  // namespace

void RestApi::ListAudit(const AuthorizedRequest& request, const net::Responder& respond) {
  StatusOr<store::AuditQuery> query = ParseAuditQuery(request.http);
  if (!query.ok()) return respond(ErrorResponse(query.status()));
  const int64_t limit = query->limit;
  scheduler_.audit().Read(*query, [respond, limit](StatusOr<std::vector<store::AuditRecord>> page) {
    if (!page.ok()) return respond(ErrorResponse(page.status()));
    Json items = Json::array();
    for (const store::AuditRecord& record : *page) items.push_back(EncodeAuditRecord(record));
    Json body{{"items", std::move(items)}};
    const bool full = static_cast<int64_t>(page->size()) == limit;
    body["next_after"] = full ? Json(page->back().seq) : Json(nullptr);
    respond(JsonResponse(200, body));
  });
}

void RestApi::VerifyAudit(const AuthorizedRequest&, const net::Responder& respond) {
  scheduler_.audit().Verify([respond](StatusOr<AuditVerification> result) {
    if (!result.ok()) return respond(ErrorResponse(result.status()));
    respond(JsonResponse(200, {{"ok", result->ok},
                               {"entries", result->entries},
                               {"broken_at", result->ok ? Json(nullptr) : Json(result->broken_at)},
                               {"problem", result->problem},
                               {"last_seq", result->last_seq},
                               {"last_hash", result->last_hash}}));
  });
}

}  // namespace sharc::scheduler
