#include "core/tenant.h"

#include <algorithm>
#include <cctype>

#include "core/units.h"

namespace sharc {
namespace {

bool KnownResource(std::string_view name) {
  if (name == kCpuResource || name == kMemoryResource || name == kGpuResource) return true;
  std::string prefix = std::string(kGpuResource) + "/";
  return name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix &&
         name.size() <= prefix.size() + 64;
}

// "8" or "0.5" CPUs -> millicpus.
StatusOr<int64_t> ParseCpus(std::string_view text) {
  size_t dot = text.find('.');
  std::string whole(text.substr(0, dot));
  std::string frac = dot == std::string_view::npos ? "" : std::string(text.substr(dot + 1));
  if (whole.empty() || frac.size() > 3 ||
      whole.find_first_not_of("0123456789") != std::string::npos ||
      frac.find_first_not_of("0123456789") != std::string::npos || whole.size() > 12) {
    return InvalidArgumentError("'" + std::string(text) + "' is not a CPU count");
  }
  while (frac.size() < 3) frac += '0';
  return std::stoll(whole) * kMilliCpusPerCpu + std::stoll(frac);
}

}  // namespace

std::string_view TokenRoleName(TokenRole role) {
  return role == TokenRole::kSubmitter ? "submitter" : "viewer";
}

std::optional<TokenRole> ParseTokenRole(std::string_view name) {
  if (name == "submitter") return TokenRole::kSubmitter;
  if (name == "viewer") return TokenRole::kViewer;
  return std::nullopt;
}

namespace {

bool ValidNamePart(std::string_view part) {
  bool ok = !part.empty() && part.size() <= 63 && std::isalnum(static_cast<unsigned char>(part[0]));
  for (unsigned char c : part) {
    if (!(std::islower(c) || std::isdigit(c) || c == '-' || c == '_')) ok = false;
  }
  return ok;
}

}  // namespace

Status ValidateTenantName(std::string_view name) {
  size_t slash = name.find('/');
  bool ok = slash == std::string_view::npos
                ? ValidNamePart(name)
                : ValidNamePart(name.substr(0, slash)) && ValidNamePart(name.substr(slash + 1));
  if (ok) return Status::Ok();
  return InvalidArgumentError("tenant name '" + std::string(name) +
                              "': use 1 to 63 lower-case letters, digits, '-' or '_', starting "
                              "with a letter or digit; a project is <enterprise>/<project>");
}

std::string_view EnterpriseOf(std::string_view tenant) {
  size_t slash = tenant.find('/');
  return slash == std::string_view::npos ? std::string_view() : tenant.substr(0, slash);
}

Status ValidateTenantSettings(const Tenant& tenant) {
  if (tenant.share < 1 || tenant.share > kMaxTenantShare) {
    return InvalidArgumentError("share: must be between 1 and " + std::to_string(kMaxTenantShare));
  }
  for (const std::string& name : tenant.priority_classes) {
    if (name.empty() || name.size() > 63) {
      return InvalidArgumentError("priority_classes: '" + name + "' is not a class name");
    }
  }
  if (!tenant.default_priority_class.empty() && !tenant.priority_classes.empty() &&
      std::find(tenant.priority_classes.begin(), tenant.priority_classes.end(),
                tenant.default_priority_class) == tenant.priority_classes.end()) {
    return InvalidArgumentError("default_priority_class: '" + tenant.default_priority_class +
                                "' is not one of its priority_classes");
  }
  return Status::Ok();
}

Status ValidateTenantQuota(const TenantQuota& q) {
  for (const auto& [name, guaranteed] : q.guaranteed.entries()) {
    std::optional<int64_t> max = q.max.Get(name);
    if (max && *max < guaranteed) {
      return InvalidArgumentError("quota: max " + name + " (" + FormatResourceAmount(name, *max) +
                                  ") is below guaranteed " + name + " (" +
                                  FormatResourceAmount(name, guaranteed) + ")");
    }
  }
  for (const auto& [name, lendable] : q.lendable.entries()) {
    if (lendable > q.guaranteed.Get(name)) {
      return InvalidArgumentError("quota: lendable " + name + " (" +
                                  FormatResourceAmount(name, lendable) + ") exceeds guaranteed " +
                                  name + " (" + FormatResourceAmount(name, q.guaranteed.Get(name)) +
                                  ")");
    }
  }
  for (const auto& [label, value] :
       {std::pair{"max_running_jobs", q.max_running_jobs},
        std::pair{"max_pending_jobs", q.max_pending_jobs},
        std::pair{"max_time_limit_seconds", q.max_time_limit_seconds}}) {
    if (value && *value < 0) {
      return InvalidArgumentError(std::string("quota: ") + label + " must not be negative");
    }
  }
  return Status::Ok();
}

namespace {

Status EmptyItemError(std::string_view list) {
  return InvalidArgumentError("'" + std::string(list) +
                              "' has an empty item (a comma too many?); use resource=amount, "
                              "e.g. cpu=8,memory=64G,gpu=2");
}

}  // namespace

StatusOr<Resources> ParseResourceList(std::string_view text) {
  Resources out;
  if (text.empty()) return out;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    std::string_view item =
        text.substr(start, comma == std::string_view::npos ? text.size() - start : comma - start);
    if (item.empty()) return EmptyItemError(text);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return InvalidArgumentError("'" + std::string(item) +
                                  "': use resource=amount, e.g. cpu=8,memory=64G,gpu=2");
    }
    std::string name(item.substr(0, eq));
    std::string_view amount = item.substr(eq + 1);
    if (!KnownResource(name)) {
      return InvalidArgumentError("unknown resource '" + name +
                                  "'; use cpu, memory, gpu or gpu/<model>");
    }
    int64_t value = 0;
    if (name == kCpuResource) {
      SHARC_ASSIGN_OR_RETURN(value, ParseCpus(amount));
    } else if (name == kMemoryResource) {
      StatusOr<int64_t> size = ParseSize(amount);
      if (!size.ok()) return size.status().WithPrefix(name);
      value = *size;
    } else {
      std::string digits(amount);
      if (digits.empty() || digits.size() > 9 ||
          digits.find_first_not_of("0123456789") != std::string::npos) {
        return InvalidArgumentError(name + ": '" + digits + "' is not a whole number of GPUs");
      }
      value = std::stoll(digits);
    }
    out.Set(name, value);
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

std::string FormatResourceAmount(std::string_view resource, int64_t value) {
  if (resource == kMemoryResource) return FormatSize(value);
  if (resource == kCpuResource) {
    std::string s = std::to_string(value / kMilliCpusPerCpu);
    if (value % kMilliCpusPerCpu != 0) {
      std::string frac = std::to_string(value % kMilliCpusPerCpu);
      frac = std::string(3 - frac.size(), '0') + frac;
      while (frac.back() == '0') frac.pop_back();
      s += "." + frac;
    }
    return s;
  }
  return std::to_string(value);
}

namespace {

// The largest binary unit that divides `bytes` exactly, so the text parses back unchanged.
std::string ExactSize(int64_t bytes) {
  static const char* kUnits[] = {"B", "K", "M", "G", "T", "P"};
  int unit = 0;
  while (unit < 5 && bytes != 0 && bytes % (int64_t{1} << (10 * (unit + 1))) == 0) ++unit;
  return std::to_string(bytes >> (10 * unit)) + kUnits[unit];
}

std::string FormatEntries(const std::vector<Resources::Entry>& entries) {
  std::string out;
  for (const auto& [name, value] : entries) {
    if (!out.empty()) out += ',';
    std::string amount = FormatResourceAmount(name, value);
    if (name == kMemoryResource) amount = ExactSize(value);
    out += name + "=" + amount;
  }
  return out;
}
}  // namespace

std::string FormatResourceList(const Resources& resources) {
  return FormatEntries(resources.entries());
}
std::string FormatResourceList(const ResourceLimits& limits) {
  return FormatEntries(limits.entries());
}

}  // namespace sharc
