// Subscribers file: one subscriber per line, for sets too large for YAML.
//
//   # id,isp,port,svlan,cvlan,cpe_mac,addresses,rate_up,rate_down
//   1001,isp-red,access0,100,1,02:00:00:00:10:01,100.64.0.1 2001:db8:1::/56,20Mbit,100Mbit
//
// svlan/cvlan 0 or empty: no tag. Addresses are separated by spaces. Rates
// empty or 0: not metered. Blank lines and lines starting with '#' are skipped.
#include <fstream>
#include <string_view>

#include "controlplane/config/config.h"
#include "controlplane/config/values.h"

namespace aggr {
namespace {

constexpr unsigned kFields = 9;
const char* const kFieldNames[kFields] = {"id", "isp", "port", "svlan", "cvlan", "cpe_mac",
                                          "addresses", "rate_up", "rate_down"};

}  // namespace

void load_subscribers_file(const std::string& path, RouterConfig& c, std::vector<ConfigError>& errors) {
  std::ifstream in(path);
  if (!in) {
    errors.push_back({{path, 0, 0}, "cannot read the subscribers file"});
    return;
  }
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty() || line[0] == '#') continue;
    std::string_view fields[kFields];
    int columns[kFields];
    unsigned count = 0;
    size_t start = 0;
    for (;;) {
      size_t comma = line.find(',', start);
      if (count < kFields) {
        fields[count] = std::string_view(line).substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        columns[count] = int(start) + 1;
      }
      ++count;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    auto error = [&](unsigned field, std::string message) {
      errors.push_back({{path, line_number, columns[field]}, std::string(kFieldNames[field]) + ": " + message});
    };
    if (count != kFields) {
      errors.push_back({{path, line_number, 1}, "expected " + std::to_string(kFields) + " comma-separated fields (" +
                                                   "id,isp,port,svlan,cvlan,cpe_mac,addresses,rate_up,rate_down), found " +
                                                   std::to_string(count)});
      continue;
    }
    SubscriberConfig s;
    s.where = s.isp_where = s.line_where = {path, line_number, 1};
    s.isp_where.column = columns[1];
    s.line_where.column = columns[2];
    uint64_t v;
    if (Status e = parse_unsigned(fields[0], 0xFFFFFFFF, &v); !e.ok() || v == 0)
      error(0, e.ok() ? "must be 1 or more" : e.error);
    else
      s.id = uint32_t(v);
    s.isp = std::string(fields[1]);
    s.port = std::string(fields[2]);
    for (unsigned f : {3u, 4u}) {
      if (fields[f].empty()) continue;
      if (Status e = parse_unsigned(fields[f], 4094, &v); !e.ok()) {
        error(f, e.error);
        continue;
      }
      (f == 3 ? s.svlan : s.cvlan) = uint16_t(v);
    }
    if (Status e = parse_mac(fields[5], &s.cpe_mac); !e.ok()) error(5, e.error);
    std::string_view addresses = fields[6];
    size_t pos = 0;
    while (pos < addresses.size()) {
      size_t space = addresses.find(' ', pos);
      size_t end = space == std::string_view::npos ? addresses.size() : space;
      if (end > pos) {
        IpPrefix prefix;
        SourceLocation where{path, line_number, columns[6] + int(pos)};
        if (Status e = parse_prefix(addresses.substr(pos, end - pos), &prefix); !e.ok()) {
          errors.push_back({where, "addresses: " + e.error});
        } else {
          s.addresses.push_back(prefix);
          s.address_where.push_back(where);
        }
      }
      pos = end + 1;
    }
    for (unsigned f : {7u, 8u}) {
      if (fields[f].empty()) continue;
      if (Status e = parse_rate(fields[f], &s.rate_bps[f - 7]); !e.ok()) error(f, e.error);
    }
    c.subscribers.push_back(std::move(s));
  }
}

}  // namespace aggr
