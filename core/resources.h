// Resource quantities and limits: integer vectors in base units, never floating point.
//
// Canonical resource names and units:
//   "cpu"          millicpus (one CPU, i.e. one hwloc PU, is 1000)
//   "memory"       bytes
//   "gpu"          devices, any model
//   "gpu/<model>"  devices of one model (e.g. "gpu/H100"), counted in addition to "gpu"
//
// Resources: a missing entry means zero. ResourceLimits: a missing entry means unlimited.
// They are different types so the compiler keeps the two meanings apart.
#ifndef SHARC_CORE_RESOURCES_H_
#define SHARC_CORE_RESOURCES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sharc {

inline constexpr std::string_view kCpuResource = "cpu";
inline constexpr std::string_view kMemoryResource = "memory";
inline constexpr std::string_view kGpuResource = "gpu";
inline constexpr int64_t kMilliCpusPerCpu = 1000;

// "gpu/<model>".
std::string GpuModelResource(std::string_view model);

// Whether `model` can name a GPU model, as a job asks for it (gpu_model) and as a node offers
// it: 1 to kMaxGpuModelBytes bytes of UTF-8 without control characters (C0, DEL, C1).
// CheckGpuModelName says the same as a Status, with the one message for what to fix.
inline constexpr size_t kMaxGpuModelBytes = 64;
bool IsGpuModelName(std::string_view model);
Status CheckGpuModelName(std::string_view model);

// Non-negative quantities by resource name. Absent means zero; zero entries are not stored,
// so two equal vectors compare equal. Arithmetic saturates never: overflow is reported.
class Resources {
 public:
  using Entry = std::pair<std::string, int64_t>;

  Resources() = default;
  Resources(std::initializer_list<Entry> entries);

  int64_t Get(std::string_view name) const;
  // Precondition: value >= 0.
  void Set(std::string_view name, int64_t value);

  // this += other. Fails (and leaves this unchanged) on int64 overflow.
  Status Add(const Resources& other);
  // this -= other, clamping at zero. Returns false if any entry would have gone negative
  // (a bookkeeping bug the caller should report).
  bool Subtract(const Resources& other);

  // True if every entry of this is <= the same entry of `capacity` (absent = 0).
  bool FitsWithin(const Resources& capacity) const;

  bool empty() const { return entries_.empty(); }
  const std::vector<Entry>& entries() const { return entries_; }

  // "cpu=2000,gpu=1,memory=1073741824" (sorted by name), for logs and tests.
  std::string DebugString() const;

  friend bool operator==(const Resources&, const Resources&) = default;

 private:
  std::vector<Entry> entries_;  // sorted by name, values > 0
};

// Upper bounds by resource name. Absent means unlimited.
class ResourceLimits {
 public:
  ResourceLimits() = default;
  ResourceLimits(std::initializer_list<Resources::Entry> entries);

  std::optional<int64_t> Get(std::string_view name) const;
  // Precondition: value >= 0.
  void Set(std::string_view name, int64_t value);
  void Clear(std::string_view name);

  // The first resource whose limit `usage` exceeds, or nullopt if all are within.
  std::optional<std::string> FirstExceeded(const Resources& usage) const;

  const std::vector<Resources::Entry>& entries() const { return entries_; }
  friend bool operator==(const ResourceLimits&, const ResourceLimits&) = default;

 private:
  std::vector<Resources::Entry> entries_;  // sorted by name
};

}  // namespace sharc

#endif  // SHARC_CORE_RESOURCES_H_
