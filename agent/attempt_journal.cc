#include "agent/attempt_journal.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/file_util.h"
#include "protocol/json_fields.h"

namespace sharc::agent {
namespace {

using protocol::Json;

// Enough for the records of a full node's worth of short jobs in flight.
constexpr size_t kMaxSpareFiles = 128;

// The scheduler's launch message round-trips through its own codec, as it came.
Json EncodeRecord(const JournalRecord& r) {
  Json launch = protocol::Json::parse(protocol::EncodeSchedulerMessage(r.launch));
  Json report = protocol::Json::parse(
      protocol::EncodeAgentMessage(protocol::JobUpdateMsg{r.report}))["report"];
  return Json{
      {"launch", launch},     {"monitor_pid", r.monitor_pid},
      {"job_pid", r.job_pid}, {"monitor_start_ticks", r.monitor_start_ticks},
      {"cgroup", r.cgroup},   {"requested_ending", protocol::AttemptEndingName(r.requested_ending)},
      {"report", report}};
}

// A launch as protocol version 1 wrote it, with one node's grant in flat fields
//   {"v":1,"type":"launch",...,"node":"n1","cpus":"0-3","gpus":[0],"mem_bytes":...,
//    "binding_simulated":false}
// rewritten in the current form: that grant as the allocation's only part, rank 0. Journals
// outlive the agent that wrote them (an agent upgraded while its jobs run re-adopts them), so
// this stays as long as an agent of protocol version 1 may have written a journal. Anything
// else is returned unchanged, and what the decoder refuses is reported as before.
Json UpgradeVersion1Launch(const Json& launch) {
  if (!launch.is_object() || launch.value("v", Json()) != Json(1)) return launch;
  Json upgraded = launch;
  Json part = Json::object();
  for (const char* key : {"node", "cpus", "gpus", "mem_bytes"}) {
    auto it = launch.find(key);
    if (it != launch.end()) part[key] = *it;
    upgraded.erase(key);
  }
  auto simulated = launch.find("binding_simulated");
  part["binding"] = simulated != launch.end() && *simulated == Json(true) ? "simulated" : "real";
  if (simulated != launch.end() && !simulated->is_boolean()) part["binding"] = *simulated;
  upgraded.erase("binding_simulated");
  upgraded["allocation"] = Json::array({std::move(part)});
  upgraded["rank"] = 0;
  upgraded["v"] = protocol::kProtocolVersion;
  return upgraded;
}

StatusOr<JournalRecord> DecodeRecord(const Json& json, const std::string& where) {
  protocol::FieldReader r(json, where);
  JournalRecord record;
  const Json* launch = r.RequiredRaw("launch");
  const Json* report = r.RequiredRaw("report");
  int64_t monitor = 0, job = 0;
  r.RequiredInt("monitor_pid", &monitor, -1, INT32_MAX);
  r.RequiredInt("job_pid", &job, -1, INT32_MAX);
  r.OptionalInt("monitor_start_ticks", &record.monitor_start_ticks, 0, INT64_MAX);
  r.OptionalString("cgroup", &record.cgroup);
  std::string ending = "none";
  r.OptionalString("requested_ending", &ending);
  SHARC_RETURN_IF_ERROR(r.Finish());
  record.monitor_pid = static_cast<pid_t>(monitor);
  record.job_pid = static_cast<pid_t>(job);
  StatusOr<protocol::SchedulerMessage> decoded_launch =
      protocol::DecodeSchedulerMessage(protocol::DumpJson(UpgradeVersion1Launch(*launch)));
  if (!decoded_launch.ok() || !std::holds_alternative<protocol::LaunchMsg>(*decoded_launch)) {
    return InvalidArgumentError(where + ".launch: " + decoded_launch.status().message());
  }
  record.launch = std::get<protocol::LaunchMsg>(*decoded_launch);
  Json update{{"v", protocol::kProtocolVersion}, {"type", "job_update"}, {"report", *report}};
  StatusOr<protocol::AgentMessage> decoded_report =
      protocol::DecodeAgentMessage(protocol::DumpJson(update));
  if (!decoded_report.ok()) {
    return InvalidArgumentError(where + ".report: " + decoded_report.status().message());
  }
  record.report = std::get<protocol::JobUpdateMsg>(*decoded_report).report;
  bool known = false;
  for (auto e : {protocol::AttemptEnding::kNone, protocol::AttemptEnding::kCancelled,
                 protocol::AttemptEnding::kTimeLimit, protocol::AttemptEnding::kKilled,
                 protocol::AttemptEnding::kPreempted, protocol::AttemptEnding::kLaunchFailed}) {
    if (protocol::AttemptEndingName(e) == ending) record.requested_ending = e, known = true;
  }
  if (!known) return InvalidArgumentError(where + ".requested_ending: unknown '" + ending + "'");
  return record;
}

}  // namespace

StatusOr<AttemptJournal> AttemptJournal::Open(const std::string& dir) {
  SHARC_RETURN_IF_ERROR(MakeDirectories(dir, 0700).WithPrefix("journal"));
  SHARC_ASSIGN_OR_RETURN(SpareFiles spares, SpareFiles::Open(dir + "/spare", kMaxSpareFiles));
  return AttemptJournal(dir, std::make_shared<SpareFiles>(std::move(spares)));
}

std::string AttemptJournal::PathOf(const AttemptId& a) const {
  return dir_ + "/" + std::to_string(a.job.value) + "." + std::to_string(a.attempt) + ".json";
}

Status AttemptJournal::Save(const JournalRecord& record) const {
  const std::string path = PathOf(record.launch.attempt);
  // WriteFileAtomically overwrites the file at <path>.tmp, and renames it over path.
  spares_->MoveTo(path + ".tmp");
  const std::string kept = spares_->LinkFrom(path);  // the version the rename replaces
  Status written = WriteFileAtomically(path, protocol::DumpJson(EncodeRecord(record)), 0600);
  if (!written.ok() && !kept.empty()) spares_->Forget(kept);
  return written;
}

Status AttemptJournal::Remove(const AttemptId& attempt) const {
  if (spares_->Take(PathOf(attempt))) return Status::Ok();
  if (::unlink(PathOf(attempt).c_str()) != 0 && errno != ENOENT) {
    return InternalError(PathOf(attempt) + ": " + ErrnoText(errno));
  }
  return Status::Ok();
}

StatusOr<std::vector<JournalRecord>> AttemptJournal::LoadAll() const {
  std::vector<JournalRecord> records;
  DIR* dir = ::opendir(dir_.c_str());
  if (!dir) return InternalError(dir_ + ": " + ErrnoText(errno));
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name.size() > 5 && name.substr(name.size() - 5) == ".json") names.push_back(name);
  }
  ::closedir(dir);
  for (const std::string& name : names) {
    std::string path = dir_ + "/" + name;
    SHARC_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 16 << 20));
    StatusOr<Json> json = protocol::ParseJson(text);
    if (!json.ok()) return json.status().WithPrefix(path);
    StatusOr<JournalRecord> record = DecodeRecord(*json, path);
    if (!record.ok()) return record.status();
    records.push_back(std::move(*record));
  }
  std::sort(records.begin(), records.end(), [](const JournalRecord& a, const JournalRecord& b) {
    return a.launch.attempt < b.launch.attempt;
  });
  return records;
}

std::optional<int64_t> ProcessStartTicks(pid_t pid) {
  StatusOr<std::string> stat = ReadFile("/proc/" + std::to_string(pid) + "/stat", 4096);
  if (!stat.ok()) return std::nullopt;
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  size_t close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::string rest = stat->substr(close + 2);
  // rest starts at field 3 (state); starttime is field 22.
  size_t pos = 0;
  for (int field = 3; field < 22; ++field) {
    pos = rest.find(' ', pos);
    if (pos == std::string::npos) return std::nullopt;
    ++pos;
  }
  return std::stoll(rest.substr(pos, rest.find(' ', pos) - pos));
}

}  // namespace sharc::agent
