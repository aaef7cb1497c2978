#include "tests/testing/netns_lab.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>

#include "tests/testing/subprocess.h"

namespace sharc::testing {
namespace {

constexpr const char* kIp = "/usr/sbin/ip";
constexpr int kRootSubnets = 1 << 14;  // the /30s of 10.212.0.0/16

CommandResult Shell(const std::string& command) { return RunCommand({"/bin/sh", "-c", command}); }
int Run(const std::string& command) { return Shell(command).exit_code; }

std::string Base36(uint64_t n) {
  std::string digits;
  do {
    digits.insert(digits.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36]);
    n /= 36;
  } while (n > 0);
  return digits;
}

// The address `offset` past the start of the `index`th /30 of 10.212.0.0/16.
std::string RootAddress(int index, int offset) {
  return "10.212." + std::to_string(index / 64) + "." + std::to_string(index % 64 * 4 + offset);
}

}  // namespace

NetnsLab::NetnsLab(std::vector<std::string> agents) : agents_(std::move(agents)) {
  static std::atomic<int> labs{0};
  tag_ = Base36(static_cast<uint64_t>(getpid())) + "n" + std::to_string(labs++ % 100);
}

NetnsLab::~NetnsLab() {
  std::vector<std::string> spaces = {Ns("s")};
  for (const std::string& agent : agents_) spaces.push_back(Ns(agent));
  for (const std::string& ns : spaces) {
    // What still runs there (a job its agent left) would keep the namespace alive unnamed.
    Run(std::string(kIp) + " netns pids " + ns + " 2>/dev/null | xargs -r kill -9");
    Run(std::string(kIp) + " netns del " + ns + " 2>/dev/null");
  }
  // Deleting "s" took its peer, and so this end, with it; this is for an Up() that failed early.
  Run(std::string(kIp) + " link del " + RootLink() + " 2>/dev/null");
}

std::string NetnsLab::Unavailable() {
  if (geteuid() != 0) return "needs root to create network namespaces";
  if (access(kIp, X_OK) != 0) return "needs iproute2 (ip netns)";
  return "";
}

std::string NetnsLab::Ns(const std::string& name) const { return "sharc-" + tag_ + "-" + name; }

std::string NetnsLab::SchedulerReachAddress() const { return RootAddress(root_index_, 2); }

std::string NetnsLab::SchedulerAddressFor(const std::string& agent) const {
  return "10.211." + std::to_string(IndexOf(agent) + 1) + ".1";
}

std::string NetnsLab::AgentAddress(const std::string& agent) const {
  return "10.211." + std::to_string(IndexOf(agent) + 1) + ".2";
}

int NetnsLab::IndexOf(const std::string& agent) const {
  for (size_t i = 0; i < agents_.size(); ++i) {
    if (agents_[i] == agent) return static_cast<int>(i);
  }
  return -1;
}

// Interface names have at most 15 characters: "sh" + 2 + tag (at most 5 + 1 + 2).
std::string NetnsLab::NearLink(int index) const {
  return "sh" + std::to_string(index) + "s" + tag_;
}
std::string NetnsLab::FarLink(int index) const { return "sh" + std::to_string(index) + "a" + tag_; }
std::string NetnsLab::RootLink() const { return "shr" + tag_; }

bool NetnsLab::ChooseRootSubnet() {
  // Start from a subnet of this lab's own and take the first one no interface here uses.
  int start = static_cast<int>(std::hash<std::string>{}(tag_) % kRootSubnets);
  for (int i = 0; i < 64; ++i) {
    int index = (start + i) % kRootSubnets;
    std::string prefix = RootAddress(index, 0) + "/30";
    CommandResult used = Shell(std::string(kIp) + " -o -4 addr show to " + prefix);
    if (used.exit_code == 0 && used.out.empty()) {
      root_index_ = index;
      return true;
    }
  }
  error_ = "no free /30 in 10.212.0.0/16 for the root link";
  return false;
}

std::vector<std::string> NetnsLab::Steps() const {
  const std::string ip = kIp, s = Ns("s");
  std::vector<std::string> steps = {
      ip + " netns add " + s, ip + " -n " + s + " link set lo up",
      ip + " netns exec " + s + " sysctl -q -w net.ipv4.ip_forward=1",
      // root <-> scheduler
      ip + " link add " + RootLink() + " type veth peer name " + RootLink() + "s netns " + s,
      ip + " addr add " + RootAddress(root_index_, 1) + "/30 dev " + RootLink(),
      ip + " link set " + RootLink() + " up",
      ip + " -n " + s + " addr add " + SchedulerReachAddress() + "/30 dev " + RootLink() + "s",
      ip + " -n " + s + " link set " + RootLink() + "s up"};
  for (size_t i = 0; i < agents_.size(); ++i) {
    const std::string ns = Ns(agents_[i]), near = NearLink(i), far = FarLink(i);
    const std::string net = "10.211." + std::to_string(i + 1) + ".";
    for (const std::string& step :
         {ip + " netns add " + ns, ip + " -n " + ns + " link set lo up",
          ip + " -n " + s + " link add " + near + " type veth peer name " + far + " netns " + ns,
          ip + " -n " + s + " addr add " + net + "1/30 dev " + near,
          ip + " -n " + s + " link set " + near + " up",
          ip + " -n " + ns + " addr add " + net + "2/30 dev " + far,
          ip + " -n " + ns + " link set " + far + " up",
          // to the other agents, through the scheduler's namespace
          ip + " -n " + ns + " route add 10.211.0.0/16 via " + net + "1"}) {
      steps.push_back(step);
    }
  }
  return steps;
}

bool NetnsLab::Up() {
  if (agents_.empty() || agents_.size() > 9) {
    error_ = "a lab has 1 to 9 agents";
    return false;
  }
  if (!ChooseRootSubnet()) return false;
  for (const std::string& step : Steps()) {
    CommandResult result = Shell(step + " 2>&1");
    if (result.exit_code != 0) {
      error_ = step + ": " + result.out;
      return false;
    }
  }
  return true;
}

bool NetnsLab::SetLink(const std::string& agent, bool up) {
  int index = IndexOf(agent);
  if (index < 0) return false;
  return Run(std::string(kIp) + " -n " + Ns("s") + " link set " + NearLink(index) +
             (up ? " up" : " down")) == 0;
}

}  // namespace sharc::testing
