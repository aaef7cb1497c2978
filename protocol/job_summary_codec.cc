#include "protocol/job_summary_codec.h"

#include "core/job_array.h"

namespace sharc::protocol {
namespace {

// Writes "key": before each value, with the comma between members.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string* out) : out_(out) { out_->push_back('{'); }
  void End() { out_->push_back('}'); }

  void String(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(value, out_);
  }
  void Int(std::string_view key, int64_t value) {
    Key(key);
    out_->append(std::to_string(value));
  }
  void Bool(std::string_view key, bool value) {
    Key(key);
    out_->append(value ? "true" : "false");
  }
  void Null(std::string_view key) {
    Key(key);
    out_->append("null");
  }
  void IntOrNull(std::string_view key, const std::optional<int32_t>& value) {
    value ? Int(key, *value) : Null(key);
  }
  void TimeOrNull(std::string_view key, UnixMillis t) {
    t == 0 ? Null(key) : String(key, FormatRfc3339(t));
  }
  void Strings(std::string_view key, const std::vector<std::string>& values) {
    Key(key);
    out_->push_back('[');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) out_->push_back(',');
      AppendJsonString(values[i], out_);
    }
    out_->push_back(']');
  }
  void Key(std::string_view key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    AppendJsonString(key, out_);
    out_->push_back(':');
  }
  std::string* out() { return out_; }

 private:
  std::string* out_;
  bool first_ = true;
};

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 15]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void AppendJobSummary(const Job& job, const JobSummaryExtras& extras, std::string* out) {
  ObjectWriter w(out);
  w.Int("id", job.id.value);
  w.String("name", job.spec.name);
  w.String("tenant", job.tenant);
  w.String("state", JobStateName(job.state));
  w.String("reason", job.reason);
  w.String("message", job.message);
  w.String("priority_class", job.spec.priority_class);
  w.Int("cpus", job.spec.cpus);
  w.Int("mem_bytes", job.spec.memory_bytes);
  w.Int("gpus", job.spec.gpus);
  w.Int("num_nodes", job.spec.num_nodes);
  w.Strings("nodes", job.allocation ? job.allocation->NodeNames() : std::vector<std::string>());
  w.IntOrNull("exit_code", job.exit_code);
  w.IntOrNull("signal", job.exit_signal);
  w.TimeOrNull("submit_time", job.submit_time);
  w.TimeOrNull("start_time", job.start_time);
  w.TimeOrNull("end_time", job.end_time);
  w.Bool("cancel_requested", job.cancel_requested);
  if (!job.spec.array.empty()) w.String("array", job.spec.array);  // absent, as in the spec
  job.is_array_task() ? w.Int("array_job_id", job.array_job.value) : w.Null("array_job_id");
  job.is_array_task() ? w.Int("array_task_id", job.array_task) : w.Null("array_task_id");
  w.String("array_unstarted", FormatTaskIndices(job.array_unstarted));
  if (extras.array_tasks) {
    w.Key("array_tasks");
    ObjectWriter counts(w.out());
    for (const auto& [state, n] : *extras.array_tasks) counts.Int(JobStateName(state), n);
    counts.End();
  } else {
    w.Null("array_tasks");
  }
  if (extras.expected_start) {
    w.Key("expected_start");
    ObjectWriter start(w.out());
    start.String("time", FormatRfc3339(*extras.expected_start));
    start.Strings("nodes", extras.expected_nodes);
    start.End();
  } else {
    w.Null("expected_start");
  }
  w.End();
}

}  // namespace sharc::protocol
