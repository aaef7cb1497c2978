// The hwloc XML topology import (agent/topology_probe.h, ProbeTopology with xml_path): an agent
// given topology_xml presents the machine the file describes; the file goes through hwloc's
// XML parser and then sharc's reading of PUs, NUMA nodes, packages and GPUs (PCI tree,
// islands, models).
//
// hwloc 2.9 crashes on some malformed XML, which is why ProbeTopology first loads a file in a
// child process. Forking this large sanitized process for every input cost ~7 ms of the ~8 ms
// an input took, so each input is instead first loaded by one long-lived child (HwlocCanary)
// and probed here without the guard only if that child survived. That the guard refuses what
// hwloc crashes on is ProbeTopologyTest.RefusesXmlThatHwlocCrashesOnInsteadOfCrashing's: run
// here, the guard's child would die with libFuzzer's crash handling (a crash-* file for
// hwloc's bug, counted as a crash of this target).
//
// Invariants: a probed topology has PUs, sorted by OS index and unique, each naming a NUMA
// node of the topology (or 0 without NUMA objects), a core below `cores` and a package below
// `packages`; GPU indices are unique; and the inventory the agent would send the scheduler
// (EncodeTopology) is one the scheduler's DecodeTopology accepts, unchanged: otherwise the
// node could never register.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "agent/topology_probe.h"
#include "fuzz/fuzz_util.h"
#include "protocol/json_fields.h"
#include "protocol/node_codec.h"

// hwloc 2.9's XML import leaks the object it was building when it meets a malformed attribute
// (hwloc_alloc_setup_object, on its error path): hwloc's leak, not sharc's, and an agent probes
// once. LeakSanitizer still reports any other leak.
extern "C" const char* __lsan_default_suppressions() { return "leak:libhwloc.so\n"; }

// hwloc sets the bit of an object's OS index in bitmaps, and an object whose os_index is
// missing gets index 2^32-1: a 512 MiB bitmap, 3 s for an 800-byte file without the sanitizers
// and 10 s with them. Mutations of a good file make many such inputs, and they took most of
// the run's time; so here an allocation over 64 MiB fails instead (hwloc then refuses the
// file, or crashes on it in the canary), as it would on a machine with less memory. Replayed
// (replay_main.cc, whose limit is 256 MiB), such a file kills the canary instead.
#ifndef SHARC_FUZZ_REPLAY
extern "C" const char* __asan_default_options() {
  return "allocator_may_return_null=1:max_allocation_size_mb=64";
}
#endif

// Declared weak: present under the sanitizers, absent (null) in a build without them.
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)());

namespace {

// A child process that loads, on request, the one input file with hwloc (HwlocAcceptsXml),
// started again after an input it died on.
class HwlocCanary {
 public:
  explicit HwlocCanary(std::string path) : path_(std::move(path)) {}

  // Whether the child loaded the file and lived. A child is replaced after kLoadsPerChild
  // loads, so that hwloc's leaks cannot grow it without bound.
  bool Survives() {
    if (pid_ > 0 && loads_ == kLoadsPerChild) Stop();
    if (pid_ <= 0) Start();
    ++loads_;
    if (Send(socket_, 'l') && Receive(socket_)) return true;
    Stop();
    return false;
  }

 private:
  // One byte each way, again after a signal: libFuzzer's timer interrupts a wait, which must
  // not pass for the child's death.
  static bool Send(int socket, char byte) {
    ssize_t n;
    do {
      n = send(socket, &byte, 1, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n == 1;
  }
  static bool Receive(int socket) {
    char byte;
    ssize_t n;
    do {
      n = recv(socket, &byte, 1, 0);
    } while (n < 0 && errno == EINTR);
    return n == 1;
  }

  static constexpr int kLoadsPerChild = 10000;

  void Start() {
    int sockets[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) std::abort();
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) std::abort();
    if (pid_ == 0) {
      close(sockets[0]);
      // Ends with the fuzzer, even one killed in the middle of a load that hangs (-timeout).
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(0);
      // hwloc's crashes here are what the canary is for: no words, and no crash-* file from
      // libFuzzer's handler of the sanitizers' reports.
      for (int signal : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) std::signal(signal, SIG_DFL);
      if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(nullptr);
      int null = open("/dev/null", O_WRONLY);
      if (null >= 0) {
        dup2(null, STDOUT_FILENO);  // nor holds the fuzzer's output open (run.sh's tee)
        dup2(null, STDERR_FILENO);
      }
      while (Receive(sockets[1])) {
        sharc::agent::HwlocAcceptsXml(path_);
        if (!Send(sockets[1], 'l')) break;
      }
      _exit(0);
    }
    close(sockets[1]);
    socket_ = sockets[0];
  }

  void Stop() {
    close(socket_);  // a live child reads the end of its requests and exits
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    loads_ = 0;
  }

  std::string path_;
  pid_t pid_ = -1;
  int socket_ = -1;
  int loads_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sharc;
  using namespace sharc::fuzz;
  static InputFile* file = [] {
    // hwloc reads these once; keep its parser quiet and its XML in-process.
    setenv("HWLOC_XML_VERBOSE", "0", 1);
    setenv("HWLOC_HIDE_ERRORS", "2", 1);
    return new InputFile();
  }();
  static HwlocCanary* canary = new HwlocCanary(file->path());
  agent::ProbeOptions options;
  options.xml_path = file->Write(AsText(data, size));
  if (!canary->Survives()) return 0;  // hwloc crashed on it: the agent refuses such a file
  options.xml_crash_guard = false;
  StatusOr<agent::ProbedNode> probed = agent::ProbeTopology(options);
  if (!probed.ok()) return 0;
  const NodeTopology& t = probed->topology;
  FUZZ_CHECK(!probed->this_system, "an XML topology is not this machine");
  FUZZ_CHECK(!t.pus.empty() && t.packages >= 1, "no PUs or no package");
  // What the agent probes, the scheduler must accept: else the agent could never register.
  std::set<int> numa;
  for (const NumaInfo& n : t.numa_nodes) {
    FUZZ_CHECK(numa.insert(n.os_index).second, "NUMA node twice: " + std::to_string(n.os_index));
  }
  for (size_t i = 0; i < t.pus.size(); ++i) {
    const PuInfo& pu = t.pus[i];
    FUZZ_CHECK(i == 0 || t.pus[i - 1].os_index < pu.os_index, "PUs not sorted or not unique");
    FUZZ_CHECK(pu.os_index >= 0, std::to_string(pu.os_index));
  }
  std::set<int> gpus;
  for (const GpuInfo& gpu : t.gpus) {
    FUZZ_CHECK(gpus.insert(gpu.index).second, "GPU twice: " + std::to_string(gpu.index));
  }
  // What the scheduler makes of the agent's inventory.
  std::string text = protocol::DumpJson(protocol::EncodeTopology(t));
  StatusOr<protocol::Json> json = protocol::ParseJson(text);
  FUZZ_CHECK(json.ok(), json.status().message());
  StatusOr<NodeTopology> decoded = protocol::DecodeTopology(*json, "topology");
  FUZZ_CHECK(decoded.ok(), "the scheduler refuses the probed topology: " +
                               decoded.status().message() + "\n" + text.substr(0, 4096));
  FUZZ_CHECK(*decoded == t, "the topology changed through its encoding");
  return 0;
}
