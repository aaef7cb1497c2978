#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

#include "core/clock.h"

namespace sharc {
namespace {

std::atomic<LogLevel> min_level{LogLevel::kInfo};

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarning: return "WARNING";
    case LogLevel::kError: return "ERROR";
  }
  return "?";
}

}  // namespace

void SetMinLogLevel(LogLevel level) { min_level = level; }

bool ParseLogLevel(std::string_view name, LogLevel* level) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    std::string lower(LevelName(l));
    for (char& c : lower) c = static_cast<char>(c - 'A' + 'a');
    if (name == lower) {
      *level = l;
      return true;
    }
  }
  return false;
}

void Log(LogLevel level, std::string_view component, std::string_view message) {
  if (level < min_level.load(std::memory_order_relaxed)) return;
  std::string line = FormatRfc3339(SystemClock().WallMillis());
  line += ' ';
  line += LevelName(level);
  line += ' ';
  line += component;
  line += ": ";
  line += message;
  line += '\n';
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}

}  // namespace sharc
