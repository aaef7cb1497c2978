// The agent channel's messages (protocol/agent_messages.h): DecodeAgentMessage, what the
// scheduler reads from every agent (register with its inventory and attempts, heartbeat,
// job_update, health, output_response), and DecodeSchedulerMessage, what an agent reads
// (registered, launch with a spec and an allocation, kill, update_ack, output_request).
//
// Invariants: every accepted message re-encodes to text that decodes and encodes to the same
// text (nothing is lost or reinterpreted on a reconnect's resend); identity fields in a body
// are refused (the node is the connection's, a job update names no node or tenant); bounded
// fields stay bounded (credential, messages).
#include <cstdint>
#include <string>
#include <variant>

#include "fuzz/fuzz_util.h"
#include "protocol/agent_messages.h"
#include "protocol/json_fields.h"
#include "protocol/node_codec.h"

namespace sharc::fuzz {
namespace {

using protocol::Json;

void CheckAgentMessage(std::string_view text, const protocol::AgentMessage& message) {
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, protocol::RegisterMsg>) {
          FUZZ_CHECK(m.credential.size() <= protocol::kMaxNodeCredentialBytes, "credential");
          FUZZ_CHECK(protocol::ValidateNodeName(m.inventory.name).ok(), m.inventory.name);
          FUZZ_CHECK(!m.inventory.topology.pus.empty(), "a node without PUs");
          for (const auto& a : m.attempts) FUZZ_CHECK(a.message.size() <= 4096, "message");
        } else if constexpr (std::is_same_v<T, protocol::JobUpdateMsg>) {
          FUZZ_CHECK(m.report.message.size() <= 4096, "message");
          FUZZ_CHECK(m.report.attempt.job.value >= 1 && m.report.attempt.attempt >= 1, "attempt");
          StatusOr<Json> json = protocol::ParseJson(text, protocol::kMaxAgentMessageBytes);
          for (const char* identity : {"node", "node_name", "tenant", "credential"}) {
            FUZZ_CHECK(!json->contains(identity) && !(*json)["report"].contains(identity),
                       std::string("a job update named its ") + identity);
          }
        } else if constexpr (std::is_same_v<T, protocol::HealthMsg>) {
          FUZZ_CHECK(m.message.size() <= 1024, "message");
        } else if constexpr (std::is_same_v<T, protocol::OutputResponseMsg>) {
          FUZZ_CHECK(m.request_id >= 1 && m.total_size >= 0, "output_response");
        }
      },
      message);
  // Resending what was decoded gives the same message.
  std::string first = protocol::EncodeAgentMessage(message);
  StatusOr<protocol::AgentMessage> again = protocol::DecodeAgentMessage(first);
  FUZZ_CHECK(again.ok(), again.status().message() + "\n" + first);
  FUZZ_CHECK(again->index() == message.index(), "the type changed");
  std::string second = protocol::EncodeAgentMessage(*again);
  FUZZ_CHECK(first == second, "re-encoding changed the message:\n" + first + "\n" + second);
}

void CheckSchedulerMessage(const protocol::SchedulerMessage& message) {
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, protocol::RegisteredMsg>) {
          FUZZ_CHECK(m.credential.size() <= protocol::kMaxNodeCredentialBytes, "credential");
          FUZZ_CHECK(m.heartbeat_interval_ms >= 10 && m.fence_after_ms >= 0, "registered");
        } else if constexpr (std::is_same_v<T, protocol::LaunchMsg>) {
          FUZZ_CHECK(ValidateJobSpec(m.spec).ok(), ValidateJobSpec(m.spec).message());
          FUZZ_CHECK(m.rank >= 0, "rank");
          for (const NodeAllocation& part : m.allocation.nodes) {
            FUZZ_CHECK(!part.cpus.empty(), "a part without CPUs");
          }
        } else if constexpr (std::is_same_v<T, protocol::OutputRequestMsg>) {
          FUZZ_CHECK(m.stream == "stdout" || m.stream == "stderr", m.stream);
          FUZZ_CHECK(m.offset >= 0 && m.limit >= 1 && m.limit <= (64 << 20), "output_request");
        }
      },
      message);
  std::string first = protocol::EncodeSchedulerMessage(message);
  StatusOr<protocol::SchedulerMessage> again = protocol::DecodeSchedulerMessage(first);
  FUZZ_CHECK(again.ok(), again.status().message() + "\n" + first);
  FUZZ_CHECK(again->index() == message.index(), "the type changed");
  std::string second = protocol::EncodeSchedulerMessage(*again);
  FUZZ_CHECK(first == second, "re-encoding changed the message:\n" + first + "\n" + second);
}

}  // namespace
}  // namespace sharc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sharc;
  using namespace sharc::fuzz;
  std::string_view text = AsText(data, size);
  if (StatusOr<protocol::AgentMessage> m = protocol::DecodeAgentMessage(text); m.ok()) {
    CheckAgentMessage(text, *m);
  }
  if (StatusOr<protocol::SchedulerMessage> m = protocol::DecodeSchedulerMessage(text); m.ok()) {
    CheckSchedulerMessage(*m);
  }
  return 0;
}
