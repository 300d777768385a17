// Where a configuration element was written, and an error found there:
// shared by every program that reads YAML (aggrd, aggr-broker).
#pragma once

#include <string>

namespace aggr {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0: unknown
  int column = 0;  // 1-based
};

struct ConfigError {
  SourceLocation where;
  std::string message;
  // "file:line:column: message", the form editors and CI logs understand.
  std::string to_string() const {
    if (where.line == 0) return where.file + ": " + message;
    return where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " + message;
  }
};

}  // namespace aggr
