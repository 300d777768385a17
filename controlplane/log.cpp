#include "controlplane/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace aggr {
namespace {

LogLevel g_level = LogLevel::kInfo;
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

}  // namespace

void set_log_level(LogLevel level) { g_level = level; }

void log(LogLevel level, const std::string& message) {
  if (level < g_level) return;
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm;
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fprintf(stderr, "%s aggrd %s: %s\n", stamp, level_name(level), message.c_str());
}

}  // namespace aggr
