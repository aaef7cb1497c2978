#include "agent/cli/submit_request.h"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <string_view>
#include <utility>

#include "core/units.h"

namespace sharc::cli {
namespace {

struct FieldFlag {
  std::string_view field;
  std::string_view flag;
};

// Every field a submit can carry, and the flag that sets it.
constexpr FieldFlag kFlags[] = {
    {spec_field::kName, "--name"},
    {spec_field::kCommand, "the command after --"},
    {spec_field::kEnv, "--env"},
    {spec_field::kCpus, "--cpus"},
    {spec_field::kMemoryBytes, "--mem"},
    {spec_field::kGpus, "--gpus"},
    {spec_field::kNumNodes, "--nodes"},
    {spec_field::kTopologyGroup, "--topology-group"},
    {spec_field::kWaitAllRanks, "--wait-all-ranks"},
    {spec_field::kGpuModel, "--gpu-model"},
    {spec_field::kTimeLimitSeconds, "--time"},
    {spec_field::kLabels, "--label"},
    {spec_field::kRequeue, "--no-requeue"},
    {spec_field::kPriorityClass, "--priority"},
    {spec_field::kAfterOk, "--after-ok"},
    {spec_field::kAfterAny, "--after-any"},
    {spec_field::kAfterNotOk, "--after-not-ok"},
    {spec_field::kKeepOnUnsatisfied, "--keep-on-unsatisfied"},
    {spec_field::kArray, "--array"},
    {kIdempotencyKeyField, "--idempotency-key"},
};

// Reads "key=value" items of a repeated flag into `out`.
Status ReadPairs(const std::vector<std::string>& items, std::string_view flag,
                 std::string_view form, std::map<std::string, std::string>* out) {
  for (const std::string& item : items) {
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError(std::string(flag) + " '" + item + "': use " + std::string(form));
    }
    (*out)[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return Status::Ok();
}

// Reads job ids ("12", "12,13") of a repeated flag into `out`.
Status ReadJobIds(const std::vector<std::string>& items, std::string_view flag,
                  std::vector<JobId>* out) {
  for (const std::string& item : items) {
    std::string_view rest = item;
    while (true) {
      size_t comma = rest.find(',');
      std::string_view one = rest.substr(0, comma);
      int64_t value = 0;
      auto [end, error] = std::from_chars(one.data(), one.data() + one.size(), value);
      if (one.empty() || error != std::errc() || end != one.data() + one.size() || value < 1) {
        return InvalidArgumentError(std::string(flag) + " '" + item +
                                    "': use job ids, e.g. 12 or 12,13");
      }
      out->push_back(JobId{value});
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  return Status::Ok();
}

}  // namespace

Status NameTheFlag(const Status& error) {
  for (const FieldFlag& f : kFlags) {
    const std::string prefix = std::string(f.field) + ": ";
    if (error.message().rfind(prefix, 0) == 0) {
      return Status(error.code(),
                    std::string(f.flag) + ": " + error.message().substr(prefix.size()));
    }
  }
  return error;
}

StatusOr<protocol::SubmitItem> SubmitItemFromFlags(const SubmitOptions& o) {
  protocol::SubmitItem item;
  JobSpec& spec = item.spec;
  spec.command = o.command;
  if (!o.submit_dir.empty() && !spec.command.empty() && !spec.command[0].empty() &&
      spec.command[0][0] != '/' && spec.command[0].find('/') != std::string::npos) {
    spec.command[0] =
        (std::filesystem::path(o.submit_dir) / spec.command[0]).lexically_normal().string();
  }
  spec.name = o.name;
  spec.cpus = o.cpus;
  spec.gpus = o.gpus;
  spec.num_nodes = o.nodes;
  spec.topology_group = o.topology_group;
  spec.wait_all_ranks = o.wait_all_ranks;
  spec.gpu_model = o.gpu_model;
  spec.requeue = !o.no_requeue;
  spec.priority_class = o.priority_class;
  item.idempotency_key = o.idempotency_key;
  if (!o.mem.empty()) {
    StatusOr<int64_t> mem = ParseSize(o.mem);
    if (!mem.ok()) return mem.status().WithPrefix("--mem");
    // 0 in a REST body means "the default"; asked for on the command line it is a mistake.
    if (*mem == 0) {
      return InvalidArgumentError(
          "--mem: 0 is no memory; leave --mem out for the scheduler's default");
    }
    spec.memory_bytes = *mem;
  }
  if (!o.time.empty()) {
    StatusOr<std::chrono::seconds> time = ParseDuration(o.time);
    if (!time.ok()) return time.status().WithPrefix("--time");
    spec.time_limit_seconds = time->count();
  }
  SHARC_RETURN_IF_ERROR(ReadPairs(o.labels, "--label", "key=value", &spec.labels));
  SHARC_RETURN_IF_ERROR(ReadPairs(o.env, "--env", "NAME=value", &spec.env));
  SHARC_RETURN_IF_ERROR(ReadJobIds(o.after_ok, "--after-ok", &spec.after_ok));
  SHARC_RETURN_IF_ERROR(ReadJobIds(o.after_any, "--after-any", &spec.after_any));
  SHARC_RETURN_IF_ERROR(ReadJobIds(o.after_not_ok, "--after-not-ok", &spec.after_not_ok));
  spec.keep_on_unsatisfied = o.keep_on_unsatisfied;
  spec.array = o.array;
  SHARC_RETURN_IF_ERROR(NameTheFlag(protocol::ValidateSubmitItem(item)));
  return item;
}

StatusOr<protocol::Json> SubmitBody(const SubmitOptions& options) {
  SHARC_ASSIGN_OR_RETURN(protocol::SubmitItem item, SubmitItemFromFlags(options));
  return protocol::EncodeSubmitItem(item);
}

}  // namespace sharc::cli
