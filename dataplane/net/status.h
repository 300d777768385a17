// The one error convention of the control plane: a call that can fail
// returns a Status, whose message says what is wrong in words an operator
// can act on. Configuration errors add where they were written
// (ConfigError); everything else is a Status.
#pragma once

#include <string>
#include <utility>

namespace aggr {

struct [[nodiscard]] Status {
  std::string error;  // empty: success
  bool ok() const { return error.empty(); }
  static Status success() { return {}; }
  static Status failure(std::string message) { return {std::move(message)}; }
};

}  // namespace aggr
