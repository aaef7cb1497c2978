// The job spec of a REST submit body (POST /v1/jobs): ParseJson with the request-body bound,
// then DecodeSubmitBody (protocol/job_spec_codec.h), one job object or a bulk array; and the
// complete spec form DecodeJobSpec reads from the store and from launch messages.
//
// Invariants: an accepted body holds 1..kMaxJobsPerSubmit items, each passing
// ValidateSubmitItem, none carrying an identity field (the tenant comes from the token, never
// from the body), no NUL in an argument or environment value; every item re-encodes
// (EncodeSubmitItem) to a body that decodes to the same items; a spec DecodeJobSpec accepts
// re-encodes (EncodeJobSpec) to the same spec.
#include <cstdint>
#include <string>
#include <vector>

#include "core/job.h"
#include "fuzz/fuzz_util.h"
#include "protocol/job_spec_codec.h"
#include "protocol/json_fields.h"

namespace sharc::fuzz {
namespace {

using protocol::Json;

bool SameItems(const std::vector<protocol::SubmitItem>& a,
               const std::vector<protocol::SubmitItem>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(a[i].spec == b[i].spec) || a[i].idempotency_key != b[i].idempotency_key) return false;
  }
  return true;
}

void CheckSpecRoundTrip(const JobSpec& spec) {
  std::string text = protocol::DumpJson(protocol::EncodeJobSpec(spec));
  StatusOr<Json> json = protocol::ParseJson(text, protocol::kMaxRequestBodyBytes);
  FUZZ_CHECK(json.ok(), json.status().message() + "\n" + text);
  StatusOr<JobSpec> again = protocol::DecodeJobSpec(*json, "spec");
  FUZZ_CHECK(again.ok(), again.status().message() + "\n" + text);
  FUZZ_CHECK(*again == spec, "the spec changed through EncodeJobSpec: " + text);
}

void CheckItem(const Json& object, const protocol::SubmitItem& item) {
  FUZZ_CHECK(ValidateSubmitItem(item).ok(), ValidateSubmitItem(item).message());
  for (const char* identity : {"tenant", "user", "uid", "owner", "node", "id", "state"}) {
    FUZZ_CHECK(!object.contains(identity), std::string("accepted a body naming its ") + identity);
  }
  FUZZ_CHECK(!item.spec.command.empty() && !item.spec.command[0].empty(), "no command");
  for (const std::string& arg : item.spec.command) {
    FUZZ_CHECK(arg.find('\0') == std::string::npos, "NUL in an argument");
  }
  for (const auto& [key, value] : item.spec.env) {
    FUZZ_CHECK(key.find('\0') == std::string::npos && key.find('=') == std::string::npos,
               "bad environment name " + key);
    FUZZ_CHECK(value.find('\0') == std::string::npos, "NUL in the value of " + key);
  }
  FUZZ_CHECK(item.spec.cpus >= 1 && item.spec.cpus <= kMaxCpusPerJob,
             std::to_string(item.spec.cpus));
  FUZZ_CHECK(item.spec.num_nodes >= 1 && item.spec.num_nodes <= kMaxNodesPerJob,
             std::to_string(item.spec.num_nodes));
  FUZZ_CHECK(
      item.spec.memory_bytes >= 0 && item.spec.memory_bytes <= INT64_MAX / item.spec.num_nodes,
      std::to_string(item.spec.memory_bytes));
  // What the scheduler fills in makes a complete spec, which the store form carries exactly.
  JobSpec complete = item.spec;
  if (complete.memory_bytes == 0) complete.memory_bytes = int64_t{1} << 30;
  if (complete.time_limit_seconds == 0) complete.time_limit_seconds = 3600;
  if (ValidateJobSpec(complete).ok()) CheckSpecRoundTrip(complete);
}

}  // namespace
}  // namespace sharc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sharc;
  using namespace sharc::fuzz;
  StatusOr<Json> body = protocol::ParseJson(AsText(data, size), protocol::kMaxRequestBodyBytes);
  if (!body.ok()) return 0;

  bool bulk = false;
  StatusOr<std::vector<protocol::SubmitItem>> items = protocol::DecodeSubmitBody(*body, &bulk);
  if (items.ok()) {
    FUZZ_CHECK(bulk == body->is_array(), "bulk");
    FUZZ_CHECK(!items->empty() && items->size() <= protocol::kMaxJobsPerSubmit,
               std::to_string(items->size()) + " items");
    for (size_t i = 0; i < items->size(); ++i) {
      CheckItem(bulk ? (*body)[i] : *body, (*items)[i]);
    }
    // The body a client (the CLI) would send for these items decodes to the same items.
    Json again = Json::array();
    for (const protocol::SubmitItem& item : *items) {
      again.push_back(protocol::EncodeSubmitItem(item));
    }
    if (!bulk) again = again[0];
    std::string text = protocol::DumpJson(again);
    StatusOr<Json> reparsed = protocol::ParseJson(text, protocol::kMaxRequestBodyBytes);
    FUZZ_CHECK(reparsed.ok(), reparsed.status().message());
    bool bulk_again = false;
    StatusOr<std::vector<protocol::SubmitItem>> decoded =
        protocol::DecodeSubmitBody(*reparsed, &bulk_again);
    FUZZ_CHECK(decoded.ok(), decoded.status().message() + "\n" + text);
    FUZZ_CHECK(bulk_again == bulk && SameItems(*decoded, *items),
               "items changed through EncodeSubmitItem: " + text);
  }

  // The complete form (store records, launch messages).
  StatusOr<JobSpec> spec = protocol::DecodeJobSpec(*body, "spec");
  if (spec.ok()) {
    FUZZ_CHECK(ValidateJobSpec(*spec).ok(), ValidateJobSpec(*spec).message());
    CheckSpecRoundTrip(*spec);
  }
  return 0;
}
