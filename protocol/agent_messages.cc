#include "protocol/agent_messages.h"

#include "protocol/allocation_codec.h"
#include "protocol/base64.h"
#include "protocol/job_spec_codec.h"
#include "protocol/json_fields.h"
#include "protocol/node_codec.h"

namespace sharc::protocol {
namespace {

constexpr AttemptEnding kAllEndings[] = {AttemptEnding::kNone,      AttemptEnding::kCancelled,
                                         AttemptEnding::kTimeLimit, AttemptEnding::kKilled,
                                         AttemptEnding::kPreempted, AttemptEnding::kLaunchFailed};

std::string_view KillReasonName(KillReason reason) {
  switch (reason) {
    case KillReason::kCancel:
      return "cancel";
    case KillReason::kStale:
      return "stale";
    case KillReason::kPreempt:
      return "preempt";
  }
  return "cancel";
}

Json Envelope(std::string_view type) { return Json{{"v", kProtocolVersion}, {"type", type}}; }

void PutAttempt(Json& j, const AttemptId& a) {
  j["job_id"] = a.job.value;
  j["attempt"] = a.attempt;
}

void ReadAttempt(FieldReader& r, AttemptId* a) {
  r.RequiredInt("job_id", &a->job.value, 1, INT64_MAX);
  int64_t attempt = 0;
  r.RequiredInt("attempt", &attempt, 1, INT32_MAX);
  a->attempt = static_cast<int32_t>(attempt);
}

Json EncodeReport(const AttemptReport& report) {
  Json j;
  PutAttempt(j, report.attempt);
  j["exited"] = report.exited;
  j["start_time"] = report.start_time;
  j["end_time"] = report.end_time;
  j["exit_code"] = report.exit_code ? Json(*report.exit_code) : Json(nullptr);
  j["signal"] = report.signal ? Json(*report.signal) : Json(nullptr);
  j["ending"] = AttemptEndingName(report.ending);
  j["message"] = report.message;
  j["cpu_time_ms"] = report.cpu_time_ms;
  j["peak_memory_bytes"] = report.peak_memory_bytes;
  j["oom_killed"] = report.oom_killed;
  j["cpu_energy_uj"] = report.cpu_energy_uj;
  j["gpu_energy_uj"] = report.gpu_energy_uj;
  return j;
}

StatusOr<AttemptReport> DecodeReport(const Json& json, const std::string& where) {
  FieldReader r(json, where);
  AttemptReport report;
  ReadAttempt(r, &report.attempt);
  r.RequiredRaw("exited");
  r.OptionalBool("exited", &report.exited);
  r.OptionalInt("start_time", &report.start_time, 0, INT64_MAX);
  r.OptionalInt("end_time", &report.end_time, 0, INT64_MAX);
  if (r.OptionalRaw("exit_code")) {
    int64_t code = 0;
    r.OptionalInt("exit_code", &code, 0, 255);
    report.exit_code = static_cast<int32_t>(code);
  }
  if (r.OptionalRaw("signal")) {
    int64_t signal = 0;
    r.OptionalInt("signal", &signal, 1, 128);
    report.signal = static_cast<int32_t>(signal);
  }
  std::string ending = "none";
  r.OptionalString("ending", &ending);
  bool known = false;
  for (AttemptEnding e : kAllEndings) {
    if (AttemptEndingName(e) == ending) report.ending = e, known = true;
  }
  if (!known) r.Fail("ending", "unknown value '" + ending + "'");
  r.OptionalString("message", &report.message);
  r.OptionalInt("cpu_time_ms", &report.cpu_time_ms, 0, INT64_MAX);
  r.OptionalInt("peak_memory_bytes", &report.peak_memory_bytes, 0, INT64_MAX);
  r.OptionalBool("oom_killed", &report.oom_killed);
  r.OptionalInt("cpu_energy_uj", &report.cpu_energy_uj, 0, INT64_MAX);
  r.OptionalInt("gpu_energy_uj", &report.gpu_energy_uj, 0, INT64_MAX);
  SHARC_RETURN_IF_ERROR(r.Finish());
  if (report.message.size() > 4096) report.message.resize(4096);
  return report;
}

Json EncodeSample(const NodeSample& s) {
  return Json{
      {"agent_start_time", s.agent_start_time},   {"cpu_used_millis", s.cpu_used_millis},
      {"memory_used_bytes", s.memory_used_bytes}, {"cpu_energy_uj", s.cpu_energy_uj},
      {"gpu_energy_uj", s.gpu_energy_uj},         {"idle_energy_uj", s.idle_energy_uj},
      {"cpu_energy_source", s.cpu_energy_source}, {"gpu_energy_source", s.gpu_energy_source}};
}

StatusOr<NodeSample> DecodeSample(const Json& json) {
  FieldReader r(json, "heartbeat.sample");
  NodeSample s;
  r.RequiredInt("agent_start_time", &s.agent_start_time, 0, INT64_MAX);
  r.OptionalInt("cpu_used_millis", &s.cpu_used_millis, 0, INT64_MAX);
  r.OptionalInt("memory_used_bytes", &s.memory_used_bytes, 0, INT64_MAX);
  r.OptionalInt("cpu_energy_uj", &s.cpu_energy_uj, 0, INT64_MAX);
  r.OptionalInt("gpu_energy_uj", &s.gpu_energy_uj, 0, INT64_MAX);
  r.OptionalInt("idle_energy_uj", &s.idle_energy_uj, 0, INT64_MAX);
  r.OptionalString("cpu_energy_source", &s.cpu_energy_source);
  r.OptionalString("gpu_energy_source", &s.gpu_energy_source);
  SHARC_RETURN_IF_ERROR(r.Finish());
  // (idle > cpu + gpu, written so that it cannot overflow)
  if (s.idle_energy_uj > s.cpu_energy_uj && s.idle_energy_uj - s.cpu_energy_uj > s.gpu_energy_uj) {
    return InvalidArgumentError("heartbeat.sample.idle_energy_uj: exceeds the node's energy");
  }
  for (const std::string* source : {&s.cpu_energy_source, &s.gpu_energy_source}) {
    if (!source->empty() && *source != "rapl" && *source != "nvml" && *source != "model") {
      return InvalidArgumentError("heartbeat.sample: unknown energy source '" + *source +
                                  "' (rapl, nvml or model)");
    }
  }
  return s;
}

// Parses the envelope, checks the version and returns the type.
StatusOr<Json> ParseEnvelope(std::string_view text, std::string* type) {
  SHARC_ASSIGN_OR_RETURN(Json json, ParseJson(text, kMaxAgentMessageBytes));
  if (!json.is_object()) return InvalidArgumentError("message: must be a JSON object");
  auto v = json.find("v");
  if (v == json.end() || !v->is_number_integer()) {
    return InvalidArgumentError("message: missing protocol version 'v'");
  }
  if (v->get<int64_t>() != kProtocolVersion) {
    return InvalidArgumentError("message: protocol version " + std::to_string(v->get<int64_t>()) +
                                " is not supported (this side speaks " +
                                std::to_string(kProtocolVersion) + ")");
  }
  auto t = json.find("type");
  if (t == json.end() || !t->is_string()) return InvalidArgumentError("message: missing 'type'");
  *type = t->get<std::string>();
  return json;
}

// A node credential (RegisterMsg, RegisteredMsg): optional, bounded.
void ReadCredential(FieldReader& r, std::string* credential) {
  r.OptionalString("credential", credential);
  if (r.ok() && credential->size() > kMaxNodeCredentialBytes) {
    r.Fail("credential", "longer than " + std::to_string(kMaxNodeCredentialBytes) + " bytes");
  }
}

}  // namespace

const NodeAllocation* LaunchMsg::part() const {
  if (rank < 0 || static_cast<size_t>(rank) >= allocation.nodes.size()) return nullptr;
  return &allocation.nodes[rank];
}

std::string_view AttemptEndingName(AttemptEnding ending) {
  switch (ending) {
    case AttemptEnding::kNone:
      return "none";
    case AttemptEnding::kCancelled:
      return "cancelled";
    case AttemptEnding::kTimeLimit:
      return "time_limit";
    case AttemptEnding::kKilled:
      return "killed";
    case AttemptEnding::kPreempted:
      return "preempted";
    case AttemptEnding::kLaunchFailed:
      return "launch_failed";
  }
  return "none";
}

std::string EncodeAgentMessage(const AgentMessage& message) {
  Json j;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, RegisterMsg>) {
          j = Envelope("register");
          j["protocol_version"] = m.protocol_version;
          j["inventory"] = EncodeInventory(m.inventory);
          Json attempts = Json::array();
          for (const AttemptReport& a : m.attempts) attempts.push_back(EncodeReport(a));
          j["attempts"] = std::move(attempts);
          if (!m.credential.empty()) j["credential"] = m.credential;
        } else if constexpr (std::is_same_v<T, HeartbeatMsg>) {
          j = Envelope("heartbeat");
          if (m.sample) j["sample"] = EncodeSample(*m.sample);
        } else if constexpr (std::is_same_v<T, JobUpdateMsg>) {
          j = Envelope("job_update");
          j["report"] = EncodeReport(m.report);
        } else if constexpr (std::is_same_v<T, HealthMsg>) {
          j = Envelope("health");
          j["ok"] = m.ok;
          j["message"] = m.message;
        } else {
          j = Envelope("output_response");
          j["request_id"] = m.request_id;
          j["error"] = m.error;
          j["data"] = Base64Encode(m.data);
          j["total_size"] = m.total_size;
        }
      },
      message);
  return DumpJson(j);
}

std::string EncodeSchedulerMessage(const SchedulerMessage& message) {
  Json j;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, RegisteredMsg>) {
          j = Envelope("registered");
          j["heartbeat_interval_ms"] = m.heartbeat_interval_ms;
          j["fence_after_ms"] = m.fence_after_ms;
          if (!m.credential.empty()) j["credential"] = m.credential;
        } else if constexpr (std::is_same_v<T, HeartbeatAckMsg>) {
          j = Envelope("heartbeat_ack");
        } else if constexpr (std::is_same_v<T, LaunchMsg>) {
          j = Envelope("launch");
          PutAttempt(j, m.attempt);
          j["tenant"] = m.tenant;
          j["spec"] = EncodeJobSpec(m.spec);
          j["allocation"] = EncodeAllocation(m.allocation);
          j["rank"] = m.rank;
          if (m.array_job.value > 0) {
            j["array_job_id"] = m.array_job.value;
            j["array_task_id"] = m.array_task;
          }
        } else if constexpr (std::is_same_v<T, KillMsg>) {
          j = Envelope("kill");
          PutAttempt(j, m.attempt);
          j["reason"] = KillReasonName(m.reason);
        } else if constexpr (std::is_same_v<T, UpdateAckMsg>) {
          j = Envelope("update_ack");
          PutAttempt(j, m.attempt);
          j["exited"] = m.exited;
        } else {
          j = Envelope("output_request");
          j["request_id"] = m.request_id;
          PutAttempt(j, m.attempt);
          j["stream"] = m.stream;
          j["offset"] = m.offset;
          j["limit"] = m.limit;
        }
      },
      message);
  return DumpJson(j);
}

StatusOr<AgentMessage> DecodeAgentMessage(std::string_view text) {
  std::string type;
  SHARC_ASSIGN_OR_RETURN(Json json, ParseEnvelope(text, &type));
  FieldReader r(json, type);
  int64_t v = 0;
  r.OptionalInt("v", &v, 0, INT64_MAX);
  std::string ignored;
  r.OptionalString("type", &ignored);
  if (type == "register") {
    RegisterMsg m;
    int64_t version = 0;
    r.RequiredInt("protocol_version", &version, 0, INT32_MAX);
    m.protocol_version = static_cast<int>(version);
    const Json* inventory = r.RequiredRaw("inventory");
    const Json* attempts = r.RequiredRaw("attempts");
    ReadCredential(r, &m.credential);
    SHARC_RETURN_IF_ERROR(r.Finish());
    SHARC_ASSIGN_OR_RETURN(m.inventory, DecodeInventory(*inventory, "register.inventory"));
    if (!attempts->is_array() || attempts->size() > 100000) {
      return InvalidArgumentError("register.attempts: must be a list");
    }
    for (size_t i = 0; i < attempts->size(); ++i) {
      SHARC_ASSIGN_OR_RETURN(
          AttemptReport a,
          DecodeReport((*attempts)[i], "register.attempts[" + std::to_string(i) + "]"));
      m.attempts.push_back(std::move(a));
    }
    return AgentMessage(std::move(m));
  }
  if (type == "heartbeat") {
    const Json* sample = r.OptionalRaw("sample");
    SHARC_RETURN_IF_ERROR(r.Finish());
    HeartbeatMsg m;
    if (sample) {
      SHARC_ASSIGN_OR_RETURN(m.sample, DecodeSample(*sample));
    }
    return AgentMessage(std::move(m));
  }
  if (type == "job_update") {
    const Json* report = r.RequiredRaw("report");
    SHARC_RETURN_IF_ERROR(r.Finish());
    JobUpdateMsg m;
    SHARC_ASSIGN_OR_RETURN(m.report, DecodeReport(*report, "job_update.report"));
    return AgentMessage(std::move(m));
  }
  if (type == "health") {
    HealthMsg m;
    r.RequiredRaw("ok");
    r.OptionalBool("ok", &m.ok);
    r.OptionalString("message", &m.message);
    SHARC_RETURN_IF_ERROR(r.Finish());
    if (m.message.size() > 1024) m.message.resize(1024);
    return AgentMessage(std::move(m));
  }
  if (type == "output_response") {
    OutputResponseMsg m;
    std::string data;
    r.RequiredInt("request_id", &m.request_id, 1, INT64_MAX);
    r.OptionalString("error", &m.error);
    r.OptionalString("data", &data);
    r.OptionalInt("total_size", &m.total_size, 0, INT64_MAX);
    SHARC_RETURN_IF_ERROR(r.Finish());
    SHARC_ASSIGN_OR_RETURN(m.data, Base64Decode(data));
    return AgentMessage(std::move(m));
  }
  return InvalidArgumentError("message: unknown type '" + type + "' from an agent");
}

StatusOr<SchedulerMessage> DecodeSchedulerMessage(std::string_view text) {
  std::string type;
  SHARC_ASSIGN_OR_RETURN(Json json, ParseEnvelope(text, &type));
  FieldReader r(json, type);
  int64_t v = 0;
  r.OptionalInt("v", &v, 0, INT64_MAX);
  std::string ignored;
  r.OptionalString("type", &ignored);
  if (type == "registered") {
    RegisteredMsg m;
    r.RequiredInt("heartbeat_interval_ms", &m.heartbeat_interval_ms, 10, 3'600'000);
    r.OptionalInt("fence_after_ms", &m.fence_after_ms, 0, INT64_MAX);
    ReadCredential(r, &m.credential);
    SHARC_RETURN_IF_ERROR(r.Finish());
    return SchedulerMessage(m);
  }
  if (type == "heartbeat_ack") {
    SHARC_RETURN_IF_ERROR(r.Finish());
    return SchedulerMessage(HeartbeatAckMsg{});
  }
  if (type == "launch") {
    LaunchMsg m;
    ReadAttempt(r, &m.attempt);
    r.RequiredString("tenant", &m.tenant);
    const Json* spec = r.RequiredRaw("spec");
    const Json* allocation = r.RequiredRaw("allocation");
    int64_t rank = 0;
    r.RequiredInt("rank", &rank, 0, INT32_MAX);
    m.rank = static_cast<int32_t>(rank);
    if (r.OptionalRaw("array_job_id")) {
      r.RequiredInt("array_job_id", &m.array_job.value, 1, INT64_MAX);
      r.RequiredInt("array_task_id", &m.array_task, 0, kMaxArrayIndex);
    }
    SHARC_RETURN_IF_ERROR(r.Finish());
    SHARC_ASSIGN_OR_RETURN(m.spec, DecodeJobSpec(*spec, "launch.spec"));
    SHARC_ASSIGN_OR_RETURN(m.allocation, DecodeAllocation(*allocation, "launch.allocation"));
    for (size_t i = 0; i < m.allocation.nodes.size(); ++i) {
      if (m.allocation.nodes[i].cpus.empty()) {
        return InvalidArgumentError("launch.allocation[" + std::to_string(i) + "].cpus: empty");
      }
    }
    return SchedulerMessage(std::move(m));
  }
  if (type == "kill") {
    KillMsg m;
    ReadAttempt(r, &m.attempt);
    std::string reason;
    r.RequiredString("reason", &reason);
    bool known = false;
    for (KillReason k : {KillReason::kCancel, KillReason::kStale, KillReason::kPreempt}) {
      if (KillReasonName(k) == reason) m.reason = k, known = true;
    }
    if (r.ok() && !known) r.Fail("reason", "must be 'cancel', 'stale' or 'preempt'");
    SHARC_RETURN_IF_ERROR(r.Finish());
    return SchedulerMessage(m);
  }
  if (type == "update_ack") {
    UpdateAckMsg m;
    ReadAttempt(r, &m.attempt);
    r.RequiredRaw("exited");
    r.OptionalBool("exited", &m.exited);
    SHARC_RETURN_IF_ERROR(r.Finish());
    return SchedulerMessage(m);
  }
  if (type == "output_request") {
    OutputRequestMsg m;
    r.RequiredInt("request_id", &m.request_id, 1, INT64_MAX);
    ReadAttempt(r, &m.attempt);
    r.RequiredString("stream", &m.stream);
    r.OptionalInt("offset", &m.offset, 0, INT64_MAX);
    r.RequiredInt("limit", &m.limit, 1, 64 << 20);
    if (r.ok() && m.stream != "stdout" && m.stream != "stderr") {
      r.Fail("stream", "must be 'stdout' or 'stderr'");
    }
    SHARC_RETURN_IF_ERROR(r.Finish());
    return SchedulerMessage(std::move(m));
  }
  return InvalidArgumentError("message: unknown type '" + type + "' from the scheduler");
}

}  // namespace sharc::protocol
