// Control-plane logging: leveled, timestamped lines on stderr, and optionally
// syslog (daemon facility). Thread-safe. Never called from workers.
#pragma once

#include <string>

#include "controlplane/config/config.h"

namespace aggr {

void set_log_level(LogLevel level);
// Level and syslog from the configuration's `logging` section.
void configure_logging(const LoggingConfig& logging);
void log(LogLevel level, const std::string& message);
inline void log_debug(const std::string& m) { log(LogLevel::kDebug, m); }
inline void log_info(const std::string& m) { log(LogLevel::kInfo, m); }
inline void log_warning(const std::string& m) { log(LogLevel::kWarning, m); }
inline void log_error(const std::string& m) { log(LogLevel::kError, m); }

}  // namespace aggr
