// Parsing and formatting of the quantities people type: sizes, durations, CPU lists.
// Every parser rejects what it does not understand with a message that shows the accepted
// forms; none uses floating point.
#ifndef SHARC_CORE_UNITS_H_
#define SHARC_CORE_UNITS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sharc {

// "512M", "8G", "8GiB", "1.5G", "64K", "1T", "100B". K/M/G/T/P are binary (1024-based), with
// or without "i"/"B", case-insensitive; up to three decimals. A bare number is refused, so
// "--mem 512" never silently means 512 bytes.
StatusOr<int64_t> ParseSize(std::string_view text);

// "8 GiB", "512 MiB", "1.5 GiB", "100 B": the largest unit that keeps at most one decimal.
std::string FormatSize(int64_t bytes);

// "0 J", "850 J", "12.3 kJ", "4.5 MJ", "1.2 GJ": SI prefixes, at most one decimal (rounded
// down, so a figure never overstates).
std::string FormatEnergy(int64_t microjoules);

// The longest duration ParseDuration(Millis) accepts: 100 years (36,500 days), so that twice
// it, or it added to a time stamp, can never overflow.
inline constexpr int64_t kMaxDurationMillis = int64_t{36500} * 86400 * 1000;

// "90s", "30m", "2h", "3d", "1h30m", and Slurm's "D-HH:MM:SS", "HH:MM:SS", "MM:SS".
// A bare number is refused. The result is positive and at most kMaxDurationMillis.
StatusOr<std::chrono::seconds> ParseDuration(std::string_view text);

// The same, also accepting milliseconds ("200ms", "1s500ms"), for intervals and timeouts.
StatusOr<std::chrono::milliseconds> ParseDurationMillis(std::string_view text);

// "0:00:05", "1:02:03", "2-00:00:00" (Slurm's form).
std::string FormatDuration(std::chrono::seconds d);

// The highest CPU OS index ParseCpuList reads (and a node's inventory may name): eight times
// Linux's largest NR_CPUS (8192), so a list costs at most 256 KiB however it is written.
inline constexpr int kMaxCpuListIndex = 65535;

// "0-3,8,10-11" -> {0,1,2,3,8,10,11}. The result is sorted and has no duplicates; indices are
// at most kMaxCpuListIndex.
StatusOr<std::vector<int>> ParseCpuList(std::string_view text);

// The inverse of ParseCpuList; ranges of three or more become "a-b". Input need not be sorted.
std::string FormatCpuList(std::vector<int> cpus);

}  // namespace sharc

#endif  // SHARC_CORE_UNITS_H_
