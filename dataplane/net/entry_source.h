// Who installed a forwarding entry: the configuration file, the management
// API, LDP or the broker. Views report it beside every installed entry.
#pragma once

#include <cstdint>
#include <string_view>

namespace aggr {

enum class EntrySource : uint8_t { kStatic = 0, kApi, kLdp, kBroker };

constexpr std::string_view entry_source_name(EntrySource source) {
  switch (source) {
    case EntrySource::kStatic: return "static";
    case EntrySource::kApi: return "api";
    case EntrySource::kLdp: return "ldp";
    case EntrySource::kBroker: return "broker";
  }
  return "unknown";
}

// Where sources want the same entry (an ISP's FTN entry, a label's ILM
// entry), the most preferred one is installed and the others wait behind
// it: an operator's explicit change over the broker's, the broker's over
// a protocol's, a protocol's over the configuration file's fallback.
constexpr unsigned entry_source_preference(EntrySource source) {
  switch (source) {
    case EntrySource::kStatic: return 0;
    case EntrySource::kLdp: return 1;
    case EntrySource::kBroker: return 2;
    case EntrySource::kApi: return 3;
  }
  return 0;
}

}  // namespace aggr
