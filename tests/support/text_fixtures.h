// Small helpers the unit tests share for writing their inputs as text: a
// prefix, and a configuration with one piece replaced.
#pragma once

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "dataplane/net/ip_prefix.h"

namespace aggr::test {

// "192.0.2.0/24" (or a host address without a length); a test failure if it does not parse.
inline IpPrefix prefix(const char* text) {
  IpPrefix p;
  EXPECT_TRUE(parse_prefix(text, &p).ok()) << text;
  return p;
}

// `text` with its first `from` replaced by `to`; `from` must be there.
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("test bug: '" + from + "' not in the base text");
  return text.replace(at, from.size(), to);
}

}  // namespace aggr::test
