#include "dataplane/tables/line_table.h"

#include <new>

#include <rte_malloc.h>

namespace aggr {
namespace {

struct LineIndex {
  uint32_t port, svlan, cvlan;
};

// line_key() layout: port << 32 | svlan << 16 | cvlan.
inline LineIndex index_of(uint64_t key) {
  return {uint32_t(key >> 32), uint32_t(key >> 16) & 0xFFF, uint32_t(key) & 0xFFF};
}

inline bool valid(uint64_t key) {
  return (key >> 32) < kMaxPorts && ((key >> 16) & 0xFFFF) < 4096 && (key & 0xFFFF) < 4096;
}

}  // namespace

LineTable::LineTable(Rcu& rcu) : rcu_(rcu) {
  blocks_ = static_cast<std::atomic<Block*>(*)[kVlans]>(
      rte_zmalloc("aggr_lines", sizeof(std::atomic<Block*>) * kMaxPorts * kVlans, RTE_CACHE_LINE_SIZE));
  if (blocks_ == nullptr) throw std::bad_alloc();
}

LineTable::~LineTable() {
  for (unsigned p = 0; p < kMaxPorts; ++p)
    for (unsigned s = 0; s < kVlans; ++s) rte_free(blocks_[p][s].load());
  rte_free(blocks_);
}

void LineTable::lookup_bulk(const uint64_t* keys, unsigned count, uint32_t* handles) const {
  const std::atomic<uint32_t>* entries[64];
  for (unsigned i = 0; i < count; ++i) {
    LineIndex at = index_of(keys[i]);
    entries[i] = valid(keys[i]) ? find_entry(uint16_t(at.port), uint16_t(at.svlan), uint16_t(at.cvlan)) : nullptr;
  }
  for (unsigned i = 0; i < count; ++i) handles[i] = handle_in(entries[i]);
}

bool LineTable::add(uint64_t key, uint32_t handle) {
  if (!valid(key)) return false;
  LineIndex at = index_of(key);
  std::atomic<Block*>& slot = blocks_[at.port][at.svlan];
  Block* block = slot.load(std::memory_order_relaxed);
  if (block == nullptr) {
    block = static_cast<Block*>(rte_malloc("aggr_line_block", sizeof(Block), RTE_CACHE_LINE_SIZE));
    if (block == nullptr) return false;
    for (auto& h : block->handles) h.store(kInvalidHandle, std::memory_order_relaxed);
    block->lines = 0;
    slot.store(block, std::memory_order_release);
    ++block_count_;
  }
  if (block->handles[at.cvlan].load(std::memory_order_relaxed) == kInvalidHandle) ++block->lines;
  block->handles[at.cvlan].store(handle, std::memory_order_release);
  return true;
}

void LineTable::remove(uint64_t key) {
  if (!valid(key)) return;
  LineIndex at = index_of(key);
  std::atomic<Block*>& slot = blocks_[at.port][at.svlan];
  Block* block = slot.load(std::memory_order_relaxed);
  if (block == nullptr || block->handles[at.cvlan].load(std::memory_order_relaxed) == kInvalidHandle) return;
  block->handles[at.cvlan].store(kInvalidHandle, std::memory_order_release);
  if (--block->lines > 0) return;
  slot.store(nullptr, std::memory_order_release);
  --block_count_;
  rcu_.defer(free_block, nullptr, reinterpret_cast<uint64_t>(block));
}

void LineTable::free_block(void*, uint64_t block) { rte_free(reinterpret_cast<Block*>(block)); }

size_t LineTable::memory_bytes() const {
  return sizeof(std::atomic<Block*>) * kMaxPorts * kVlans + block_count_ * sizeof(Block);
}

}  // namespace aggr
