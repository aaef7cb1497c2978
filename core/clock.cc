#include "core/clock.h"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace sharc {

UnixMillis SystemClock::WallMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SteadyTime SystemClock::SteadyNow() const { return std::chrono::steady_clock::now(); }

std::string FormatRfc3339(UnixMillis t) {
  std::time_t seconds = static_cast<std::time_t>(t / 1000);
  int millis = static_cast<int>(t % 1000);
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

namespace {

int DaysInMonth(int year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];  // month is 1 to 12
}

}  // namespace

StatusOr<UnixMillis> ParseRfc3339(std::string_view text) {
  auto bad = [&] {
    return InvalidArgumentError("'" + std::string(text) +
                                "' is not a time; use 2026-11-30 or 2026-11-30T06:03:40Z");
  };
  // sscanf's %d also takes a sign and leading spaces: check every digit's place first.
  auto digits = [&](size_t at, size_t count) {
    if (at + count > text.size()) return false;
    for (size_t i = at; i < at + count; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    }
    return true;
  };
  if (!digits(0, 4) || !digits(5, 2) || !digits(8, 2) ||
      (text.size() > 10 && (!digits(11, 2) || !digits(14, 2) || !digits(17, 2)))) {
    return bad();
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  int consumed = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3 ||
      consumed != 10) {
    return bad();
  }
  int64_t offset_minutes = 0;
  if (s.size() > 10) {
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return bad();
    int n = 0;
    if (std::sscanf(s.c_str() + 11, "%2d:%2d:%2d%n", &hour, &minute, &second, &n) != 3 || n != 8) {
      return bad();
    }
    size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {
      size_t start = ++pos;
      int scale = 100;
      while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
        if (pos - start < 3) millis += (s[pos] - '0') * scale, scale /= 10;
        ++pos;
      }
      if (pos == start) return bad();
    }
    if (pos >= s.size()) return bad();
    if (s[pos] == 'Z' || s[pos] == 'z') {
      if (pos + 1 != s.size()) return bad();
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh = 0, om = 0;
      if (s.size() - pos != 6 || !digits(pos + 1, 2) || s[pos + 3] != ':' || !digits(pos + 4, 2) ||
          std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2 || oh > 23 || om > 59) {
        return bad();
      }
      offset_minutes = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
    } else {
      return bad();
    }
  }
  // No leap second (60): timegm would roll it, and February 30, into the next minute or month.
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return InvalidArgumentError("'" + std::string(text) +
                                "' is not a time: there is no such day or time of day (months "
                                "01-12, days as the month has them, hours 00-23, minutes and "
                                "seconds 00-59)");
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t t = timegm(&tm);
  return (static_cast<int64_t>(t) - offset_minutes * 60) * 1000 + millis;
}

}  // namespace sharc
