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

}  // namespace aggr
