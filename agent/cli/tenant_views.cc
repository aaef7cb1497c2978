#include "agent/cli/tenant_views.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "agent/cli/table.h"
#include "core/credit.h"
#include "core/resources.h"
#include "core/tenant.h"
#include "core/units.h"

namespace sharc::cli {
namespace {

using protocol::Json;

const Json& Field(const Json& j, const char* key) {
  static const Json kNull;  // immutable, so shared safely
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

// A field as text: strings as they are, other values as JSON, null or absent as "".
std::string Text(const Json& j, const char* key) {
  const Json& v = Field(j, key);
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

// An array field, or an empty array.
Json Items(const Json& list) { return list.is_array() ? list : Json::array(); }

// A key/value block without a header row: "Key   value" lines, aligned.
std::string RenderPairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  Table table({"", ""});
  for (const auto& [key, value] : pairs) table.AddRow({key, value});
  std::string rendered = table.Render();
  return rendered.substr(rendered.find('\n') + 1);
}

// One quota amount in its display unit; the server sends CPUs as a (fractional) number.
std::string Amount(const std::string& resource, const Json& value) {
  if (value.is_null()) return "-";
  if (!value.is_number()) return "?";
  int64_t base = 0;
  if (resource == kCpuResource) {
    base = std::llround(value.get<double>() * kMilliCpusPerCpu);
  } else if (value.is_number_integer()) {
    base = value.get<int64_t>();
  } else {
    base = std::llround(value.get<double>());
  }
  return FormatResourceAmount(resource, base);
}

// cpu, memory, gpu, then gpu/<model> by name.
int ResourceRank(const std::string& r) {
  if (r == kCpuResource) return 0;
  if (r == kMemoryResource) return 1;
  if (r == kGpuResource) return 2;
  return 3;
}

// "share 2 of 3 (67%), used 40% of the decayed use (1.2 cluster-hours), factor 0.630": like
// sshare's NormShares, EffectvUsage and FairShare.
std::string FairShareLine(const Json& fair) {
  if (!fair.is_object()) return "-";
  auto number = [&](const char* key) {
    return fair.contains(key) && fair[key].is_number() ? fair[key].get<double>() : 0.0;
  };
  auto percent = [](double part, double whole) {
    return whole > 0 ? std::to_string(static_cast<int>(100 * part / whole + 0.5)) + "%" : "-";
  };
  char hours[32], factor[32];
  std::snprintf(hours, sizeof hours, "%.1f", number("usage_seconds") / 3600);
  std::snprintf(factor, sizeof factor, "%.3f", number("factor"));
  return "share " + Text(fair, "share") + " of " + Text(fair, "siblings_shares") + " (" +
         percent(number("share"), number("siblings_shares")) + "), used " +
         percent(number("usage_seconds"), number("siblings_usage_seconds")) +
         " of the decayed use (" + hours + " cluster-hours), factor " + factor;
}

std::string JobsLine(const Json& usage) {
  std::string line = OrDash(Text(usage, "running_jobs")) + " running, " +
                     OrDash(Text(usage, "pending_jobs")) + " pending";
  const Json& reasons = Field(usage, "pending_by_reason");
  if (reasons.is_object() && !reasons.empty()) {
    std::string list;
    for (auto it = reasons.begin(); it != reasons.end(); ++it) {
      if (!list.empty()) list += ", ";
      list += it.key() + " " + (it->is_string() ? it->get<std::string>() : it->dump());
    }
    line += " (" + list + ")";
  }
  return line;
}

std::string QuotaTable(const Json& quota) {
  std::vector<std::string> resources;
  if (quota.is_object()) {
    for (auto it = quota.begin(); it != quota.end(); ++it) resources.push_back(it.key());
  }
  std::stable_sort(resources.begin(), resources.end(),
                   [](const auto& a, const auto& b) { return ResourceRank(a) < ResourceRank(b); });
  Table table({"QUOTA", "USED / GUARANTEED / MAX"});
  for (const std::string& r : resources) {
    const Json& q = quota[r];
    table.AddRow({r, Amount(r, Field(q, "used")) + " / " + Amount(r, Field(q, "guaranteed")) +
                         " / " + Amount(r, Field(q, "max"))});
  }
  return table.Render();
}

std::string ValidUntil(const Json& grant) {
  std::string until = OrDash(Text(grant, "valid_until"));
  if (Field(grant, "closed") == true) until += " (closed)";
  return until;
}

// --- Reports ---

struct ReportRow {
  std::string tenant;
  int64_t jobs = 0;
  int64_t cpu_thousandths = 0;  // thousandths of a CPU-hour
  int64_t gpu_thousandths = 0;
  MicroCredits spent = 0;
  MicroCredits voucher = 0;
  MicroCredits purchase = 0;
};

// "12.345" -> 12345; up to three decimals, not negative.
std::optional<int64_t> ParseThousandths(const std::string& text) {
  size_t dot = text.find('.');
  std::string whole = text.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 15 || frac.size() > 3 ||
      (dot != std::string::npos && frac.empty()) ||
      whole.find_first_not_of("0123456789") != std::string::npos ||
      frac.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  while (frac.size() < 3) frac += '0';
  return std::stoll(whole) * 1000 + std::stoll(frac);
}

std::string FormatThousandths(int64_t value) {
  std::string frac = std::to_string(value % 1000);
  return std::to_string(value / 1000) + "." + std::string(3 - frac.size(), '0') + frac;
}

StatusOr<ReportRow> ReadReportRow(const Json& item, size_t index) {
  std::string where = "report row " + std::to_string(index + 1);
  auto bad = [&](const char* key, const std::string& what) {
    return InvalidArgumentError(where + ": " + key + ": " + what);
  };
  if (!item.is_object()) return InvalidArgumentError(where + ": is not an object");
  ReportRow row;
  const Json& tenant = Field(item, "tenant");
  if (!tenant.is_string()) return bad("tenant", "must be a string");
  row.tenant = tenant.get<std::string>();
  struct Count {
    const char* key;
    int64_t* out;
  };
  for (const Count& c : {Count{"jobs", &row.jobs}, Count{"credits_spent_micro", &row.spent},
                         Count{"credits_spent_voucher_micro", &row.voucher},
                         Count{"credits_spent_purchase_micro", &row.purchase}}) {
    const Json& v = Field(item, c.key);
    if (!v.is_number_integer() || v.get<int64_t>() < 0) {
      return bad(c.key, "must be a whole number, not " + v.dump());
    }
    *c.out = v.get<int64_t>();
  }
  for (const Count& c :
       {Count{"cpu_hours", &row.cpu_thousandths}, Count{"gpu_hours", &row.gpu_thousandths}}) {
    const Json& v = Field(item, c.key);
    std::optional<int64_t> parsed =
        v.is_string() ? ParseThousandths(v.get<std::string>()) : std::nullopt;
    if (!parsed) return bad(c.key, "must be hours such as \"12.345\", not " + v.dump());
    *c.out = *parsed;
  }
  return row;
}

StatusOr<std::vector<ReportRow>> ReadReport(const Json& items) {
  if (!items.is_array()) return InvalidArgumentError("the report's items are not a list");
  std::vector<ReportRow> rows;
  for (size_t i = 0; i < items.size(); ++i) {
    SHARC_ASSIGN_OR_RETURN(ReportRow row, ReadReportRow(items[i], i));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string> ReportCells(const ReportRow& row) {
  return {row.tenant,
          std::to_string(row.jobs),
          FormatThousandths(row.cpu_thousandths),
          FormatThousandths(row.gpu_thousandths),
          FormatCredits(row.spent),
          FormatCredits(row.voucher),
          FormatCredits(row.purchase)};
}

const std::vector<std::string> kReportHeader = {
    "TENANT", "JOBS", "CPU_HOURS", "GPU_HOURS", "CREDITS_SPENT", "VOUCHER", "PURCHASE"};

}  // namespace

std::string RenderWhoami(const Json& me) {
  const std::string staff = Text(me, "role");
  if (staff == "admin" || staff == "operator" || staff == "auditor") {
    return staff + " (token " + OrDash(Text(me, "token_name")) + ")\n";
  }
  std::string line = "tenant " + Text(me, "tenant");
  std::string role = Text(me, "token_role");
  if (!role.empty()) line += " (" + role + ")";
  return line + "\n";
}

std::string RenderUsagePage(const Json& usage) {
  const Json& tenant = Field(usage, "tenant");
  std::string name = Text(tenant, "name");
  if (!Text(tenant, "display_name").empty()) name += " (" + Text(tenant, "display_name") + ")";
  bool disabled = Field(tenant, "disabled") == true;
  const Json& credit = Field(usage, "credit");
  std::string credit_line = OrDash(Text(credit, "available")) + " available, " +
                            OrDash(Text(credit, "reserved")) + " reserved, " +
                            OrDash(Text(credit, "spent_this_month")) + " spent this month";
  if (Field(credit, "enforced") == false) credit_line += " (not enforced: the cluster is free)";

  std::string out = RenderPairs({{"Tenant", name},
                                 {"State", disabled ? "disabled (no new submits)" : "enabled"},
                                 {"Jobs", JobsLine(usage)},
                                 {"Fair share", FairShareLine(Field(usage, "fair_share"))},
                                 {"Credit", credit_line}});
  out += "\n" + QuotaTable(Field(usage, "quota"));

  Json grants = Items(Field(credit, "grants"));
  out += "\n";
  if (grants.empty()) return out + "No grants.\n";
  Table table({"GRANT", "SOURCE", "PROGRAM", "AVAILABLE", "RESERVED", "SPENT", "VALID UNTIL"});
  for (const Json& g : grants) {
    table.AddRow({Text(g, "id"), Text(g, "source"), OrDash(Text(g, "program")),
                  OrDash(Text(g, "available")), OrDash(Text(g, "reserved")),
                  OrDash(Text(g, "spent")), ValidUntil(g)});
  }
  return out + table.Render();
}

StatusOr<std::string> RenderReportTable(const Json& items) {
  SHARC_ASSIGN_OR_RETURN(std::vector<ReportRow> rows, ReadReport(items));
  Table table(kReportHeader);
  ReportRow total;
  total.tenant = "TOTAL";
  for (const ReportRow& row : rows) {
    table.AddRow(ReportCells(row));
    bool overflow = false;
    overflow |= __builtin_add_overflow(total.jobs, row.jobs, &total.jobs);
    overflow |=
        __builtin_add_overflow(total.cpu_thousandths, row.cpu_thousandths, &total.cpu_thousandths);
    overflow |=
        __builtin_add_overflow(total.gpu_thousandths, row.gpu_thousandths, &total.gpu_thousandths);
    overflow |= __builtin_add_overflow(total.spent, row.spent, &total.spent);
    overflow |= __builtin_add_overflow(total.voucher, row.voucher, &total.voucher);
    overflow |= __builtin_add_overflow(total.purchase, row.purchase, &total.purchase);
    if (overflow) return InvalidArgumentError("the report's totals do not fit in 64 bits");
  }
  table.AddRow(ReportCells(total));
  return table.Render();
}

StatusOr<std::string> RenderReportCsv(const Json& items) {
  SHARC_ASSIGN_OR_RETURN(std::vector<ReportRow> rows, ReadReport(items));
  auto line = [](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + CsvField(cells[i]);
    return out + "\r\n";
  };
  std::string out = line(kReportHeader);
  for (const ReportRow& row : rows) out += line(ReportCells(row));
  return out;
}

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

// "normal,low"; "" when the list is empty or missing (every class allowed).
std::string ClassList(const Json& names) {
  std::string out;
  for (const Json& name : Items(names)) {
    if (name.is_string()) out += (out.empty() ? "" : ",") + name.get<std::string>();
  }
  return out;
}

std::string RenderTenantTable(const Json& tenants) {
  Table table({"NAME", "DISPLAY", "STATE", "SHARE", "GUARANTEED", "MAX"});
  for (const Json& t : Items(tenants)) {
    const Json& quota = Field(t, "quota");
    table.AddRow({Text(t, "name"), OrDash(Text(t, "display_name")),
                  Field(t, "disabled") == true ? "disabled" : "enabled", OrDash(Text(t, "share")),
                  OrDash(Text(quota, "guaranteed")), OrDash(Text(quota, "max"))});
  }
  return table.Render();
}

std::string RenderTenantDetails(const Json& tenant) {
  const Json& quota = Field(tenant, "quota");
  auto limit = [&](const char* key) {
    std::string value = Text(quota, key);
    return value.empty() ? "unlimited" : value;
  };
  std::string walltime = "unlimited";
  const Json& seconds = Field(quota, "max_time_limit_seconds");
  if (seconds.is_number_integer()) {
    walltime = FormatDuration(std::chrono::seconds(seconds.get<int64_t>()));
  }
  std::string lendable = Text(quota, "lendable");
  std::string classes = ClassList(Field(tenant, "priority_classes"));
  std::string fallback = Text(tenant, "default_priority_class");
  return RenderPairs({
      {"Tenant", Text(tenant, "name")},
      {"Display name", OrDash(Text(tenant, "display_name"))},
      {"State", Field(tenant, "disabled") == true ? "disabled" : "enabled"},
      {"Created", OrDash(Text(tenant, "created"))},
      {"Guaranteed", OrDash(Text(quota, "guaranteed"))},
      {"Max", limit("max")},
      {"Lendable", lendable.empty() ? "all of the guarantee" : lendable},
      {"Max running jobs", limit("max_running_jobs")},
      {"Max pending jobs", limit("max_pending_jobs")},
      {"Max walltime", walltime},
      {"Max per job", limit("max_per_job")},
      {"Share", OrDash(Text(tenant, "share"))},
      {"Priority classes", classes.empty() ? "all" : classes},
      {"Default priority", fallback.empty() ? "the cluster's default" : fallback},
  });
}

std::string RenderTokenTable(const Json& tokens) {
  Table table({"ID", "ROLE", "NAME", "CREATED", "EXPIRES", "REVOKED"});
  for (const Json& t : Items(tokens)) {
    table.AddRow({Text(t, "id"), Text(t, "role"), OrDash(Text(t, "name")),
                  OrDash(Text(t, "created")), OrDash(Text(t, "expires")),
                  OrDash(Text(t, "revoked"))});
  }
  return table.Render();
}

std::string RenderGrantTable(const Json& grants, bool with_balances) {
  std::vector<std::string> header = {"ID", "TENANT", "SOURCE", "PROGRAM", "AMOUNT"};
  if (with_balances) header.insert(header.end(), {"AVAILABLE", "RESERVED", "SPENT"});
  header.insert(header.end(), {"VALID FROM", "VALID UNTIL"});
  Table table(header);
  for (const Json& g : Items(grants)) {
    std::vector<std::string> row = {Text(g, "id"), Text(g, "tenant"), Text(g, "source"),
                                    OrDash(Text(g, "program")), OrDash(Text(g, "amount"))};
    if (with_balances) {
      row.insert(row.end(), {OrDash(Text(g, "available")), OrDash(Text(g, "reserved")),
                             OrDash(Text(g, "spent"))});
    }
    row.push_back(OrDash(Text(g, "valid_from")));
    row.push_back(with_balances ? ValidUntil(g) : OrDash(Text(g, "valid_until")));
    table.AddRow(std::move(row));
  }
  return table.Render();
}

bool LedgerOk(const Json& result) {
  const Json& mismatches = Field(result, "mismatches");
  return Field(result, "ok") == true && (!mismatches.is_array() || mismatches.empty());
}

std::string RenderLedgerVerification(const Json& result) {
  if (LedgerOk(result)) {
    return "ledger OK: " + OrDash(Text(result, "entries")) + " entries, " +
           OrDash(Text(result, "grants")) + " grants\n";
  }
  std::string out;
  for (const Json& m : Items(Field(result, "mismatches"))) {
    out += (m.is_string() ? m.get<std::string>() : m.dump()) + "\n";
  }
  return out;
}

}  // namespace sharc::cli
