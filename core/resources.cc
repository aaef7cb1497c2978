#include "core/resources.h"

#include <algorithm>

#include "core/utf8.h"

namespace sharc {
namespace {

template <typename Vec>
auto Find(Vec& entries, std::string_view name) {
  return std::lower_bound(
      entries.begin(), entries.end(), name,
      [](const Resources::Entry& e, std::string_view n) { return e.first < n; });
}

}  // namespace

std::string GpuModelResource(std::string_view model) {
  return std::string(kGpuResource) + "/" + std::string(model);
}

bool IsGpuModelName(std::string_view model) {
  if (model.empty() || model.size() > kMaxGpuModelBytes || !IsValidUtf8(model)) return false;
  for (size_t i = 0; i < model.size(); ++i) {
    auto byte = static_cast<unsigned char>(model[i]);
    if (byte < 0x20 || byte == 0x7f) return false;
    // C1 controls, U+0080..U+009F: C2 80..C2 9F in (valid) UTF-8.
    if (byte == 0xC2 && static_cast<unsigned char>(model[i + 1]) <= 0x9F) return false;
  }
  return true;
}

Status CheckGpuModelName(std::string_view model) {
  if (IsGpuModelName(model)) return Status::Ok();
  return InvalidArgumentError("a GPU model is 1 to " + std::to_string(kMaxGpuModelBytes) +
                              " bytes of UTF-8 without control characters, e.g. H100");
}

Resources::Resources(std::initializer_list<Entry> entries) {
  for (const auto& [name, value] : entries) Set(name, value);
}

int64_t Resources::Get(std::string_view name) const {
  auto it = Find(entries_, name);
  return it != entries_.end() && it->first == name ? it->second : 0;
}

void Resources::Set(std::string_view name, int64_t value) {
  assert(value >= 0);
  auto it = Find(entries_, name);
  bool present = it != entries_.end() && it->first == name;
  if (value == 0) {
    if (present) entries_.erase(it);
  } else if (present) {
    it->second = value;
  } else {
    entries_.insert(it, Entry(std::string(name), value));
  }
}

Status Resources::Add(const Resources& other) {
  Resources sum = *this;
  for (const auto& [name, value] : other.entries_) {
    int64_t result;
    if (__builtin_add_overflow(sum.Get(name), value, &result)) {
      return InvalidArgumentError("resource '" + name + "' overflows");
    }
    sum.Set(name, result);
  }
  *this = std::move(sum);
  return Status::Ok();
}

bool Resources::Subtract(const Resources& other) {
  bool consistent = true;
  for (const auto& [name, value] : other.entries_) {
    int64_t current = Get(name);
    if (current < value) consistent = false;
    Set(name, std::max<int64_t>(0, current - value));
  }
  return consistent;
}

bool Resources::FitsWithin(const Resources& capacity) const {
  return std::all_of(entries_.begin(), entries_.end(),
                     [&](const Entry& e) { return e.second <= capacity.Get(e.first); });
}

std::string Resources::DebugString() const {
  std::string out;
  for (const auto& [name, value] : entries_) {
    if (!out.empty()) out += ',';
    out += name + "=" + std::to_string(value);
  }
  return out;
}

ResourceLimits::ResourceLimits(std::initializer_list<Resources::Entry> entries) {
  for (const auto& [name, value] : entries) Set(name, value);
}

std::optional<int64_t> ResourceLimits::Get(std::string_view name) const {
  auto it = Find(entries_, name);
  if (it != entries_.end() && it->first == name) return it->second;
  return std::nullopt;
}

void ResourceLimits::Set(std::string_view name, int64_t value) {
  assert(value >= 0);
  auto it = Find(entries_, name);
  if (it != entries_.end() && it->first == name) {
    it->second = value;
  } else {
    entries_.insert(it, Resources::Entry(std::string(name), value));
  }
}

void ResourceLimits::Clear(std::string_view name) {
  auto it = Find(entries_, name);
  if (it != entries_.end() && it->first == name) entries_.erase(it);
}

std::optional<std::string> ResourceLimits::FirstExceeded(const Resources& usage) const {
  for (const auto& [name, limit] : entries_) {
    if (usage.Get(name) > limit) return name;
  }
  return std::nullopt;
}

}  // namespace sharc
