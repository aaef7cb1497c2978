#include "agent/cli/admin_requests.h"

#include <chrono>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/credit.h"
#include "core/tenant.h"
#include "core/units.h"
#include "net/http_types.h"
#include "protocol/tenant_codec.h"

namespace sharc::cli {
namespace {

using protocol::Json;

std::string_view Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

StatusOr<int64_t> ParseCount(const std::string& flag, const std::string& text) {
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgumentError(flag + ": '" + text + "' is not a whole number; give 0 or more");
  }
  return std::stoll(text);
}

// Adds `key` to `quota` from a count flag and its --unlimited-* twin.
Status AddLimit(const std::string& flag, const std::optional<std::string>& value,
                const std::string& unlimited_flag, bool unlimited, const char* key, Json* quota) {
  if (value && unlimited) {
    return InvalidArgumentError("give " + flag + " or " + unlimited_flag + ", not both");
  }
  if (unlimited) (*quota)[key] = nullptr;
  if (!value) return Status::Ok();
  SHARC_ASSIGN_OR_RETURN(int64_t count, ParseCount(flag, *value));
  (*quota)[key] = count;
  return Status::Ok();
}

Status AddResourceList(const std::string& flag, const std::optional<std::string>& value,
                       const char* key, Json* quota) {
  if (!value) return Status::Ok();
  SHARC_RETURN_IF_ERROR(CheckResourceList(flag, *value));
  (*quota)[key] = *value;
  return Status::Ok();
}

// Adds the scheduling settings that were given to `body`, checked as the server checks them.
Status AddSchedulingSettings(const SchedulingFlags& f, Json* body) {
  Tenant settings;
  if (f.share) {
    if (f.share->empty() || f.share->size() > 9 ||
        f.share->find_first_not_of("0123456789") != std::string::npos) {
      return InvalidArgumentError("--share: '" + *f.share + "' is not a whole number; give 1 to " +
                                  std::to_string(kMaxTenantShare));
    }
    settings.share = std::stoi(*f.share);
    (*body)["share"] = settings.share;
  }
  if (f.priority_classes) {
    std::string_view rest = *f.priority_classes;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      settings.priority_classes.emplace_back(Trim(rest.substr(0, comma)));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    (*body)["priority_classes"] = settings.priority_classes;
  }
  if (f.default_priority) {
    settings.default_priority_class = *f.default_priority;
    (*body)["default_priority_class"] = *f.default_priority;
  }
  Status valid = ValidateTenantSettings(settings);
  if (valid.ok()) return valid;
  const std::string& m = valid.message();
  if (m.rfind("share: ", 0) == 0) return InvalidArgumentError("--share" + m.substr(5));
  if (m.rfind("priority_classes: ", 0) == 0) {
    return InvalidArgumentError("--priority-classes" + m.substr(16));
  }
  return InvalidArgumentError("--default-priority-class" + m.substr(m.find(':')));
}

StatusOr<UnixMillis> ParseTimeFlag(const std::string& flag, const std::string& text) {
  StatusOr<UnixMillis> t = ParseRfc3339(text);
  if (!t.ok()) return t.status().WithPrefix(flag);
  return t;
}

}  // namespace

Status CheckTenantArg(const std::string& name) { return ValidateTenantName(name); }

Status CheckTokenId(const std::string& id) {
  if (id.size() == 12 && id.find_first_not_of("0123456789abcdef") == std::string::npos) {
    return Status::Ok();
  }
  return InvalidArgumentError("'" + id +
                              "' is not a token id; use the 12 hex digits `sharc admin token "
                              "list` shows");
}

Status CheckResourceList(const std::string& flag, const std::string& text) {
  return protocol::ParseQuotaList(text).status().WithPrefix(flag);
}

StatusOr<Json> QuotaPatch(const QuotaFlags& f) {
  Json quota = Json::object();
  SHARC_RETURN_IF_ERROR(AddResourceList("--guaranteed", f.guaranteed, "guaranteed", &quota));
  SHARC_RETURN_IF_ERROR(AddResourceList("--max", f.max, "max", &quota));
  SHARC_RETURN_IF_ERROR(AddResourceList("--lendable", f.lendable, "lendable", &quota));
  SHARC_RETURN_IF_ERROR(AddResourceList("--max-per-job", f.max_per_job, "max_per_job", &quota));
  SHARC_RETURN_IF_ERROR(AddLimit("--max-running-jobs", f.max_running_jobs,
                                 "--unlimited-running-jobs", f.unlimited_running_jobs,
                                 "max_running_jobs", &quota));
  SHARC_RETURN_IF_ERROR(AddLimit("--max-pending-jobs", f.max_pending_jobs,
                                 "--unlimited-pending-jobs", f.unlimited_pending_jobs,
                                 "max_pending_jobs", &quota));
  if (f.max_walltime && f.unlimited_walltime) {
    return InvalidArgumentError("give --max-walltime or --unlimited-walltime, not both");
  }
  if (f.unlimited_walltime) quota["max_time_limit_seconds"] = nullptr;
  if (f.max_walltime) {
    StatusOr<std::chrono::seconds> walltime = ParseDuration(*f.max_walltime);
    if (!walltime.ok()) return walltime.status().WithPrefix("--max-walltime");
    quota["max_time_limit_seconds"] = walltime->count();
  }
  return quota;
}

StatusOr<Json> TenantCreateBody(const TenantOptions& options) {
  SHARC_RETURN_IF_ERROR(CheckTenantArg(options.name));
  SHARC_ASSIGN_OR_RETURN(Json quota, QuotaPatch(options.quota));
  Json body{{"name", options.name}};
  if (options.display_name) body["display_name"] = *options.display_name;
  if (!quota.empty()) body["quota"] = quota;
  SHARC_RETURN_IF_ERROR(AddSchedulingSettings(options.scheduling, &body));
  return body;
}

StatusOr<Json> TenantUpdateBody(const TenantOptions& options) {
  SHARC_RETURN_IF_ERROR(CheckTenantArg(options.name));
  SHARC_ASSIGN_OR_RETURN(Json quota, QuotaPatch(options.quota));
  Json body = Json::object();
  if (options.display_name) body["display_name"] = *options.display_name;
  if (!quota.empty()) body["quota"] = quota;
  SHARC_RETURN_IF_ERROR(AddSchedulingSettings(options.scheduling, &body));
  if (body.empty()) {
    return InvalidArgumentError(
        "nothing to change: give --display-name, --share, a priority flag or a quota flag "
        "(see sharc admin tenant update --help)");
  }
  return body;
}

StatusOr<Json> TokenIssueBody(const TokenIssueOptions& options) {
  SHARC_RETURN_IF_ERROR(CheckTenantArg(options.tenant));
  if (!ParseTokenRole(options.role)) {
    return InvalidArgumentError("--role: use submitter or viewer, not '" + options.role + "'");
  }
  Json body{{"role", options.role}};
  if (!options.name.empty()) body["name"] = options.name;
  if (!options.expires.empty()) {
    StatusOr<std::chrono::milliseconds> lifetime = ParseDurationMillis(options.expires);
    if (!lifetime.ok()) return lifetime.status().WithPrefix("--expires");
    if (*lifetime < std::chrono::seconds(1)) {
      return InvalidArgumentError(
          "--expires: at least 1s, e.g. 30d; leave it out for a token "
          "that never expires");
    }
    body["expires_in"] = options.expires;
  }
  return body;
}

StatusOr<Json> GrantAddBody(const GrantAddOptions& options) {
  SHARC_RETURN_IF_ERROR(CheckTenantArg(options.tenant));
  StatusOr<MicroCredits> credits = ParseCredits(options.credits);
  if (!credits.ok()) return credits.status().WithPrefix("--credits");
  if (*credits <= 0) return InvalidArgumentError("--credits: must be more than zero");
  if (!ParseGrantSource(options.source)) {
    return InvalidArgumentError("--source: use voucher or purchase, not '" + options.source + "'");
  }
  if (Trim(options.program).empty()) {
    return InvalidArgumentError("--program: give the programme's name, e.g. city-ai-2026");
  }
  if (options.valid_until.empty()) {
    return InvalidArgumentError("--valid-until: is required, e.g. 2027-01-01");
  }
  SHARC_ASSIGN_OR_RETURN(UnixMillis until, ParseTimeFlag("--valid-until", options.valid_until));
  Json body{{"credits", options.credits},
            {"source", options.source},
            {"program", options.program},
            {"valid_until", options.valid_until}};
  if (!options.valid_from.empty()) {
    SHARC_ASSIGN_OR_RETURN(UnixMillis from, ParseTimeFlag("--valid-from", options.valid_from));
    if (until <= from) return InvalidArgumentError("--valid-until: must be after --valid-from");
    body["valid_from"] = options.valid_from;
  }
  return body;
}

StatusOr<std::string> ReportTarget(std::string_view path, const ReportOptions& options) {
  SHARC_ASSIGN_OR_RETURN(UnixMillis from, ParseTimeFlag("--from", options.from));
  SHARC_ASSIGN_OR_RETURN(UnixMillis to, ParseTimeFlag("--to", options.to));
  if (to <= from) return InvalidArgumentError("--to: must be after --from");
  std::string target = std::string(path) + "?from=" + net::UrlEncode(options.from) +
                       "&to=" + net::UrlEncode(options.to);
  if (!options.tenant.empty()) {
    SHARC_RETURN_IF_ERROR(CheckTenantArg(options.tenant));
    target += "&tenant=" + net::UrlEncode(options.tenant);
  }
  return target;
}

StatusOr<int64_t> ParseEnergyWh(std::string_view text) {
  std::string t;
  for (char c : text) {
    if (c != ' ') t += c;
  }
  std::string_view unit;
  double scale = 0;
  for (auto [suffix, factor] :
       {std::pair<std::string_view, double>{"MWh", 1e6}, {"kWh", 1e3}, {"Wh", 1}}) {
    if (t.size() > suffix.size() &&
        t.compare(t.size() - suffix.size(), suffix.size(), suffix) == 0) {
      unit = suffix;
      scale = factor;
      break;
    }
  }
  if (unit.empty()) {
    return InvalidArgumentError("'" + std::string(text) +
                                "': give the meter's reading with its unit, e.g. 123456kWh, "
                                "1.2MWh or 5000Wh");
  }
  std::string number = t.substr(0, t.size() - unit.size());
  size_t used = 0;
  double value = -1;
  try {
    value = std::stod(number, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != number.size() || !(value >= 0) || value * scale > 9e15) {
    return InvalidArgumentError("'" + std::string(text) +
                                "': the reading must be a non-negative number, e.g. 123456kWh");
  }
  return static_cast<int64_t>(value * scale);
}

StatusOr<Json> FacilityReadingBody(const FacilityReadingOptions& options) {
  StatusOr<int64_t> wh = ParseEnergyWh(options.energy);
  if (!wh.ok()) return wh.status().WithPrefix("--energy");
  Json body = {{"energy_wh", *wh}};
  if (!options.time.empty()) {
    SHARC_ASSIGN_OR_RETURN(UnixMillis time, ParseTimeFlag("--time", options.time));
    body["time"] = FormatRfc3339(time);
  }
  if (!options.note.empty()) body["note"] = options.note;
  return body;
}

}  // namespace sharc::cli
