// Control-plane logging to stderr with a level and a timestamp. Never called
// from workers.
#pragma once

#include <string>

namespace aggr {

enum class LogLevel { kDebug = 0, kInfo, kWarning, kError };

void set_log_level(LogLevel level);
void log(LogLevel level, const std::string& message);
inline void log_info(const std::string& m) { log(LogLevel::kInfo, m); }
inline void log_warning(const std::string& m) { log(LogLevel::kWarning, m); }
inline void log_error(const std::string& m) { log(LogLevel::kError, m); }

}  // namespace aggr
