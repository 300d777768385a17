#include "controlplane/config/values.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace aggr {

Status parse_rate(std::string_view text, uint64_t* out) {
  std::string s(text);
  double value;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  std::string_view unit(end, s.data() + s.size() - end);
  double multiplier = 0;
  if (unit.empty() || unit == "bit" || unit == "bps") multiplier = 1;
  else if (unit == "kbit" || unit == "kbps") multiplier = 1e3;
  else if (unit == "Mbit" || unit == "Mbps") multiplier = 1e6;
  else if (unit == "Gbit" || unit == "Gbps") multiplier = 1e9;
  else if (unit == "Tbit" || unit == "Tbps") multiplier = 1e12;
  if (ec != std::errc() || multiplier == 0 || value < 0 || !std::isfinite(value))
    return Status::failure("'" + s + "' is not a rate (e.g. 100Mbit, 1.5Gbit, 640kbit, 2500000)");
  double bits = value * multiplier;
  if (bits > 4e12) return Status::failure("rate '" + s + "' is above 4 Tbit/s");
  if (bits != 0 && bits < 8000) return Status::failure("rate '" + s + "' is below 8 kbit/s");
  *out = uint64_t(bits);
  return Status::success();
}

Status parse_unsigned(std::string_view text, uint64_t max, uint64_t* out) {
  uint64_t value;
  int base = 10;
  const char* begin = text.data();
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    begin += 2;
  }
  auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    return Status::failure("'" + std::string(text) + "' is not an unsigned integer");
  if (value > max) return Status::failure(std::string(text) + " is above the maximum " + std::to_string(max));
  *out = value;
  return Status::success();
}

std::string format_rate(uint64_t bps) {
  static const std::pair<uint64_t, const char*> units[] = {{1000000000000, "Tbit"}, {1000000000, "Gbit"},
                                                            {1000000, "Mbit"}, {1000, "kbit"}};
  for (const auto& [scale, unit] : units)
    if (bps != 0 && bps % scale == 0) return std::to_string(bps / scale) + unit;
  return std::to_string(bps);
}

}  // namespace aggr
