#include "core/units.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace sharc {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Parses "123" or "123.45" (up to three decimals) into thousandths.
bool ParseMilliNumber(std::string_view s, int64_t* thousandths) {
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty() || frac.size() > 3 || (dot != std::string_view::npos && frac.empty())) {
    return false;
  }
  int64_t w = 0;
  auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), w);
  if (ec != std::errc() || p != whole.data() + whole.size() || w < 0) return false;
  int64_t f = 0;
  for (size_t i = 0; i < 3; ++i) {
    f *= 10;
    if (i < frac.size()) {
      if (!std::isdigit(static_cast<unsigned char>(frac[i]))) return false;
      f += frac[i] - '0';
    }
  }
  int64_t result;
  if (__builtin_mul_overflow(w, int64_t{1000}, &result) ||
      __builtin_add_overflow(result, f, &result)) {
    return false;
  }
  *thousandths = result;
  return true;
}

bool ParseNonNegative(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && *out >= 0;
}

}  // namespace

StatusOr<int64_t> ParseSize(std::string_view text) {
  const std::string kForms = "use a number with a unit, e.g. 512M, 8G, 8GiB, 1.5G";
  std::string s = Lower(text);
  size_t unit_pos = s.find_first_not_of("0123456789.");
  if (s.empty() || unit_pos == 0) {
    return InvalidArgumentError("'" + std::string(text) + "' is not a size; " + kForms);
  }
  if (unit_pos == std::string::npos) {
    return InvalidArgumentError("'" + std::string(text) + "' has no unit; " + kForms);
  }
  std::string unit = s.substr(unit_pos);
  int shift = -1;
  if (unit == "b") shift = 0;
  const std::string prefixes = "kmgtp";
  if (shift < 0 && !unit.empty()) {
    size_t idx = prefixes.find(unit[0]);
    std::string rest = unit.substr(1);
    if (idx != std::string::npos && (rest.empty() || rest == "b" || rest == "i" || rest == "ib")) {
      shift = 10 * static_cast<int>(idx + 1);
    }
  }
  if (shift < 0) {
    return InvalidArgumentError("'" + std::string(text) + "' has an unknown unit '" +
                                std::string(text.substr(unit_pos)) + "'; " + kForms);
  }
  // A whole number is read as is, so that every byte count FormatSize or a codec writes
  // ("1048576001142842982B") reads back; a fraction is read in thousandths.
  const std::string number = s.substr(0, unit_pos);
  __int128 bytes = 0;
  int64_t value;
  if (number.find('.') == std::string::npos && ParseNonNegative(number, &value)) {
    bytes = static_cast<__int128>(value) << shift;
  } else if (ParseMilliNumber(number, &value)) {
    bytes = (static_cast<__int128>(value) << shift) / 1000;
  } else {
    return InvalidArgumentError("'" + std::string(text) + "' is not a size; " + kForms);
  }
  if (bytes > INT64_MAX) {
    return InvalidArgumentError("'" + std::string(text) + "' is too large");
  }
  return static_cast<int64_t>(bytes);
}

std::string FormatSize(int64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (unit < 6 && bytes >= (int64_t{1} << (10 * (unit + 1)))) ++unit;
  __int128 scaled10 = (static_cast<__int128>(bytes) * 10) >> (10 * unit);  // tenths of a unit
  int64_t whole = static_cast<int64_t>(scaled10 / 10);
  int tenth = static_cast<int>(scaled10 % 10);
  char buf[48];
  if (tenth == 0 || unit == 0) {
    std::snprintf(buf, sizeof buf, "%lld %s", static_cast<long long>(whole), kUnits[unit]);
  } else {
    std::snprintf(buf, sizeof buf, "%lld.%d %s", static_cast<long long>(whole), tenth,
                  kUnits[unit]);
  }
  return buf;
}

std::string FormatEnergy(int64_t microjoules) {
  static const char* kUnits[] = {"J", "kJ", "MJ", "GJ", "TJ"};
  int64_t joules = std::max<int64_t>(0, microjoules) / 1'000'000;
  int unit = 0;
  int64_t scale = 1;
  while (unit < 4 && joules >= scale * 1000) ++unit, scale *= 1000;
  int64_t whole = joules / scale;
  int64_t tenth = unit == 0 ? 0 : (joules % scale) * 10 / scale;
  char buf[48];
  if (tenth == 0) {
    std::snprintf(buf, sizeof buf, "%lld %s", static_cast<long long>(whole), kUnits[unit]);
  } else {
    std::snprintf(buf, sizeof buf, "%lld.%lld %s", static_cast<long long>(whole),
                  static_cast<long long>(tenth), kUnits[unit]);
  }
  return buf;
}

StatusOr<std::chrono::seconds> ParseDuration(std::string_view text) {
  SHARC_ASSIGN_OR_RETURN(std::chrono::milliseconds ms, ParseDurationMillis(text));
  if (ms.count() % 1000 != 0) {
    return InvalidArgumentError("'" + std::string(text) + "': use whole seconds");
  }
  return std::chrono::duration_cast<std::chrono::seconds>(ms);
}

namespace {

// Adds v * mul to *total; false on overflow.
bool AddScaled(int64_t v, int64_t mul, int64_t* total) {
  int64_t product;
  return !__builtin_mul_overflow(v, mul, &product) &&
         !__builtin_add_overflow(*total, product, total);
}

// Slurm's [D-]HH:MM:SS, HH:MM:SS, MM:SS, D-HH:MM, D-HH (lower-cased) into *total ms.
bool ParseSlurmDuration(const std::string& s, int64_t* total) {
  int64_t days = 0;
  std::string rest = s;
  size_t dash = s.find('-');
  if (dash != std::string::npos) {
    if (!ParseNonNegative(std::string_view(s).substr(0, dash), &days)) return false;
    rest = s.substr(dash + 1);
  }
  std::vector<int64_t> parts;
  size_t start = 0;
  while (true) {
    size_t colon = rest.find(':', start);
    int64_t v;
    if (!ParseNonNegative(std::string_view(rest).substr(start, colon - start), &v)) return false;
    parts.push_back(v);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() > 3) return false;
  if (parts.size() == 1 && dash == std::string::npos) return false;
  int64_t h = 0, m = 0, sec = 0;
  if (parts.size() == 3) {
    h = parts[0], m = parts[1], sec = parts[2];
  } else if (parts.size() == 2) {
    if (dash != std::string::npos) {
      h = parts[0], m = parts[1];  // D-HH:MM
    } else {
      m = parts[0], sec = parts[1];  // MM:SS
    }
  } else {
    h = parts[0];  // D-HH
  }
  if (parts.size() > 1 && (m > 59 || sec > 59)) return false;
  return AddScaled(days, 86400000, total) && AddScaled(h, 3600000, total) &&
         AddScaled(m, 60000, total) && AddScaled(sec, 1000, total);
}

// "1h30m", "200ms", "3d" (lower-cased): numbers each with a unit, into *total ms.
bool ParseUnitDuration(const std::string& s, int64_t* total) {
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i || j == s.size()) return false;  // no number, or no unit
    int64_t v;
    if (!ParseNonNegative(std::string_view(s).substr(i, j - i), &v)) return false;
    int64_t mul;
    size_t unit_length = 1;
    switch (s[j]) {
      case 's':
        mul = 1000;
        break;
      case 'm':
        if (j + 1 < s.size() && s[j + 1] == 's') {
          mul = 1, unit_length = 2;
        } else {
          mul = 60000;
        }
        break;
      case 'h':
        mul = 3600000;
        break;
      case 'd':
        mul = 86400000;
        break;
      default:
        return false;
    }
    if (!AddScaled(v, mul, total)) return false;
    i = j + unit_length;
  }
  return !s.empty();
}

}  // namespace

StatusOr<std::chrono::milliseconds> ParseDurationMillis(std::string_view text) {
  std::string s = Lower(text);
  int64_t total = 0;
  bool slurm_form = s.find(':') != std::string::npos || s.find('-') != std::string::npos;
  if (s.empty() || !(slurm_form ? ParseSlurmDuration(s, &total) : ParseUnitDuration(s, &total))) {
    return InvalidArgumentError("'" + std::string(text) +
                                "' is not a duration; use e.g. 90s, 30m, 2h, 1h30m, 3d or "
                                "D-HH:MM:SS");
  }
  if (total <= 0) {
    return InvalidArgumentError("'" + std::string(text) + "': a duration must be positive");
  }
  if (total > kMaxDurationMillis) {
    return InvalidArgumentError("'" + std::string(text) +
                                "': longer than any sharc setting takes (at most 36500d)");
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::seconds d) {
  int64_t s = std::max<int64_t>(0, d.count());
  int64_t days = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
  char buf[48];
  if (days > 0) {
    std::snprintf(buf, sizeof buf, "%lld-%02lld:%02lld:%02lld", static_cast<long long>(days),
                  static_cast<long long>(h), static_cast<long long>(m),
                  static_cast<long long>(sec));
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(h),
                  static_cast<long long>(m), static_cast<long long>(sec));
  }
  return buf;
}

StatusOr<std::vector<int>> ParseCpuList(std::string_view text) {
  std::vector<int> cpus;
  // The ranges, merged before anything is expanded: "0-65535,0-65535,..." costs one range.
  std::vector<std::pair<int64_t, int64_t>> ranges;
  auto bad = [&] {
    return InvalidArgumentError("'" + std::string(text) +
                                "' is not a CPU list; use e.g. 0-3,8,10-11");
  };
  if (text.empty()) return cpus;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view item = text.substr(start, comma - start);
    size_t dash = item.find('-');
    int64_t lo, hi;
    if (dash == std::string_view::npos) {
      if (!ParseNonNegative(item, &lo)) return bad();
      hi = lo;
    } else if (!ParseNonNegative(item.substr(0, dash), &lo) ||
               !ParseNonNegative(item.substr(dash + 1), &hi) || hi < lo) {
      return bad();
    }
    if (hi > kMaxCpuListIndex) {
      return InvalidArgumentError("'" + std::string(text) + "': CPU " + std::to_string(hi) +
                                  " is above the highest index sharc reads, " +
                                  std::to_string(kMaxCpuListIndex));
    }
    ranges.emplace_back(lo, hi);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  std::sort(ranges.begin(), ranges.end());
  int64_t next = 0;  // the lowest index not yet emitted
  for (const auto& [lo, hi] : ranges) {
    for (int64_t c = std::max(lo, next); c <= hi; ++c) cpus.push_back(static_cast<int>(c));
    next = std::max(next, hi + 1);
  }
  return cpus;
}

std::string FormatCpuList(std::vector<int> cpus) {
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  std::string out;
  for (size_t i = 0; i < cpus.size();) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    if (j - i >= 2) {
      out += std::to_string(cpus[i]) + "-" + std::to_string(cpus[j]);
    } else {
      for (size_t k = i; k <= j; ++k) {
        if (k > i) out += ',';
        out += std::to_string(cpus[k]);
      }
    }
    i = j + 1;
  }
  return out;
}

}  // namespace sharc
