// Line-oriented logging to stderr: "2026-11-30T06:03:40.123Z INFO scheduler: message".
// Each line is written with one write(2), so lines from threads never interleave. Never log
// tokens or secrets.
#ifndef SHARC_CORE_LOG_H_
#define SHARC_CORE_LOG_H_

#include <string_view>

namespace sharc {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Messages below `level` are dropped. The default is kInfo. Set once in main().
void SetMinLogLevel(LogLevel level);
bool ParseLogLevel(std::string_view name, LogLevel* level);  // "debug", "info", ...

void Log(LogLevel level, std::string_view component, std::string_view message);

inline void LogInfo(std::string_view component, std::string_view message) {
  Log(LogLevel::kInfo, component, message);
}
inline void LogWarning(std::string_view component, std::string_view message) {
  Log(LogLevel::kWarning, component, message);
}
inline void LogError(std::string_view component, std::string_view message) {
  Log(LogLevel::kError, component, message);
}
inline void LogDebug(std::string_view component, std::string_view message) {
  Log(LogLevel::kDebug, component, message);
}

}  // namespace sharc

#endif  // SHARC_CORE_LOG_H_
