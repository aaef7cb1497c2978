// Several hosts on one machine, for multi-host tests: network namespaces joined by veth pairs.
//
// Namespace "s" holds the scheduler; each agent name given gets a namespace of its own. Links:
//   - root <-> s, a /30 of 10.212.0.0/16 chosen per lab so that labs of tests running side by
//     side never share an address in the root namespace; the test reaches the scheduler at
//     SchedulerReachAddress().
//   - s <-> agent i (0-based): 10.211.(i+1).0/30, s side .1 (SchedulerAddressFor), agent side .2
//     (AgentAddress).
// Namespace "s" forwards IPv4 and every agent routes 10.211.0.0/16 through it, so processes in
// different agent namespaces reach each other by their agent addresses.
//
// Names are unique per process and per lab (the process id and a counter). The destructor
// removes everything Up() made, even after a failed Up() or a failed test: it kills whatever
// still runs in the namespaces, deletes them and the root-side link. Needs root and iproute2.
#ifndef SHARC_TESTS_TESTING_NETNS_LAB_H_
#define SHARC_TESTS_TESTING_NETNS_LAB_H_

#include <string>
#include <vector>

namespace sharc::testing {

class NetnsLab {
 public:
  // At most 9 agents (Up() refuses more), named by letters and digits.
  explicit NetnsLab(std::vector<std::string> agents = {"a", "b"});
  ~NetnsLab();
  NetnsLab(const NetnsLab&) = delete;
  NetnsLab& operator=(const NetnsLab&) = delete;

  // Why namespaces cannot be made here ("" when they can): not root, or no iproute2.
  static std::string Unavailable();

  // Makes the namespaces, links, addresses and routes. False (see error()) at the first step
  // that fails.
  bool Up();
  const std::string& error() const { return error_; }

  // The namespace of "s" or of an agent.
  std::string Ns(const std::string& name) const;
  // The scheduler's address as the root namespace (the test) reaches it.
  std::string SchedulerReachAddress() const;
  // The scheduler's address on agent `agent`'s link, and the agent's own address on it.
  std::string SchedulerAddressFor(const std::string& agent) const;
  std::string AgentAddress(const std::string& agent) const;

  // Cuts (false) or restores (true) the wire between the scheduler and agent `agent`; the
  // agent's routes to the other agents go over that wire too.
  bool SetLink(const std::string& agent, bool up);

 private:
  int IndexOf(const std::string& agent) const;  // -1 if not an agent of this lab
  std::string NearLink(int index) const;        // the s side of agent `index`'s wire
  std::string FarLink(int index) const;         // the agent side
  std::string RootLink() const;
  bool ChooseRootSubnet();
  std::vector<std::string> Steps() const;

  std::vector<std::string> agents_;
  std::string tag_;
  int root_index_ = 0;  // which /30 of 10.212.0.0/16 the root <-> s link has
  std::string error_;
};

}  // namespace sharc::testing

#endif  // SHARC_TESTS_TESTING_NETNS_LAB_H_
