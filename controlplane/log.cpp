#include "controlplane/log.h"

#include <syslog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace aggr {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<bool> g_syslog{false};
std::mutex g_mutex;

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "?";
}

int syslog_priority(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return LOG_DEBUG;
    case LogLevel::kInfo: return LOG_INFO;
    case LogLevel::kWarning: return LOG_WARNING;
    case LogLevel::kError: return LOG_ERR;
  }
  return LOG_INFO;
}

}  // namespace

void set_log_level(LogLevel level) { g_level.store(level); }

void configure_logging(const LoggingConfig& logging) {
  set_log_level(logging.level);
  if (logging.syslog && !g_syslog.exchange(true)) openlog("aggrd", LOG_PID, LOG_DAEMON);
  if (!logging.syslog && g_syslog.exchange(false)) closelog();
}

void log(LogLevel level, const std::string& message) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm;
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fprintf(stderr, "%s aggrd %s: %s\n", stamp, level_name(level), message.c_str());
  if (g_syslog.load()) syslog(syslog_priority(level), "%s", message.c_str());
}

}  // namespace aggr
