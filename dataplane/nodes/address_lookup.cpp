// A burst's subscribers looked up together: IPv4 and IPv6 sources or
// destinations gathered by family and resolved with the address table's bulk
// lookups, and their records requested, so that the cache misses of the
// whole burst overlap instead of following each other.
#include <rte_prefetch.h>

#include "dataplane/nodes/nodes.h"

namespace aggr {

namespace {

// Gathers the addresses by family, looks them up in bulk into values[] and
// hands each result to `found(value)` (to start loading what it names).
template <typename Found>
void lookup_burst(const AddressTable& table, const Burst& burst, AddressRole role, uint32_t only, uint32_t* out,
                  Found found) {
  uint32_t v4[kBurstSize];
  const uint8_t* v6[kBurstSize];
  uint8_t v4_index[kBurstSize], v6_index[kBurstSize];
  unsigned v4_count = 0, v6_count = 0;
  // Source at 12 (IPv4) / 8 (IPv6), destination at 16 / 24.
  const unsigned v4_offset = role == AddressRole::kSource ? 12 : 16;
  const unsigned v6_offset = role == AddressRole::kSource ? 8 : 24;
  for (unsigned i = 0; i < burst.count; ++i) {
    out[i] = kInvalidHandle;
    const PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone || !(only >> i & 1)) continue;
    const uint8_t* l3 = frame_start(burst.packets[i]) + ctx.l3_offset;
    if (ctx.ip_version == 4) {
      const uint8_t* a = l3 + v4_offset;
      v4[v4_count] = uint32_t(a[0]) << 24 | uint32_t(a[1]) << 16 | uint32_t(a[2]) << 8 | a[3];
      v4_index[v4_count++] = uint8_t(i);
    } else {
      v6[v6_count] = l3 + v6_offset;
      v6_index[v6_count++] = uint8_t(i);
    }
  }
  uint32_t values[kBurstSize];
  if (v4_count > 0) {
    table.lookup_ipv4_bulk(v4, v4_count, values);
    for (unsigned j = 0; j < v4_count; ++j) {
      out[v4_index[j]] = values[j];
      found(values[j]);
    }
  }
  if (v6_count > 0) {
    table.lookup_ipv6_bulk(v6, v6_count, values);
    for (unsigned j = 0; j < v6_count; ++j) {
      out[v6_index[j]] = values[j];
      found(values[j]);
    }
  }
}

}  // namespace

void lookup_burst_addresses(const Tables& tables, const Burst& burst, AddressRole role, uint32_t* handles,
                            uint32_t only) {
  const SubscriberTable::Reader records = tables.subscribers.reader();
  lookup_burst(tables.addresses, burst, role, only, handles,
               [&records](uint32_t handle) { records.prefetch_record(handle); });
}

void lookup_burst_prefixes(const AddressTable& table, const Burst& burst, AddressRole role, uint32_t* values,
                           uint32_t only) {
  lookup_burst(table, burst, role, only, values, [](uint32_t) {});
}

}  // namespace aggr
