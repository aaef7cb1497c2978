// `sharc jobs -o json`: pages of GET /v1/jobs?view=full ({"items": [...], "next_after": ID |
// null}) printed as one {"items": [...], "next_after": ID | null}, as PrintJson would print it,
// without a DOM of every job (5,000 jobs: 3.4 MB of JSON read, 5 MB printed; the DOM took the
// CLI's peak memory to twice what it is now).
#ifndef SHARC_AGENT_CLI_JOB_LIST_JSON_H_
#define SHARC_AGENT_CLI_JOB_LIST_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/cli/pretty_json.h"
#include "core/status.h"

namespace sharc::cli {

class JobListJson {
 public:
  JobListJson();
  JobListJson(const JobListJson&) = delete;  // its writer writes to its own text
  JobListJson& operator=(const JobListJson&) = delete;

  // Adds one page's items. Returns the page's next_after (0: null), or why the page was
  // refused: "the server sent an unreadable answer: ..." with ParseJson's reason (not JSON,
  // too large, too deep, a key given twice), or "the server's answer is not a job listing"
  // (no items array, no non-negative next_after). A refused page adds nothing.
  StatusOr<int64_t> AddPage(std::string_view page);

  // The whole listing, with `next_after` (0: null), and a final newline.
  std::string Finish(int64_t next_after) &&;

 private:
  // Adds the page without a DOM; false, having added nothing, if it is not JSON with sorted
  // keys or not a listing.
  bool Stream(std::string_view page, int64_t* next_after);

  std::string text_;
  PrettyJsonWriter writer_;
};

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_JOB_LIST_JSON_H_
