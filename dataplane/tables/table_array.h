// The large arrays the workers read at random (records, counters and meter
// state by subscriber handle, IPv4 address buckets), placed in transparent
// huge pages where the kernel offers them.
//
// At a million subscribers each spans tens of MiB; on 4 KiB pages nearly
// every packet's record and counter reads then miss the TLB as well as the
// caches, and a page walk is one more dependent miss. DPDK's hugepages hold
// only what rte_malloc allocates; these live on the heap, so they ask the
// kernel for huge pages themselves (madvise mode, the common default). Where
// it declines, they are ordinary memory. Measured at 1M subscribers
// (stage_bench): the QinQ pipeline takes about 10% fewer cycles with the
// handle-indexed arrays in huge pages, the source-prefix and downstream
// pipelines 8-10% fewer again with the address buckets too.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

namespace aggr {

struct TableArrayFree {
  void operator()(void* p) const { std::free(p); }
};
template <typename T>
using TableArray = std::unique_ptr<T[], TableArrayFree>;

// `count` value-initialised elements. Throws std::bad_alloc.
template <typename T>
TableArray<T> make_table_array(size_t count) {
  static_assert(std::is_trivially_destructible_v<T>, "freed without running destructors");
  constexpr size_t kHugePage = size_t(2) << 20;
  size_t bytes = count * sizeof(T);
  bool huge = bytes >= kHugePage;
  size_t alignment = huge ? kHugePage : std::max(alignof(T), sizeof(void*));
  size_t rounded = std::max((bytes + alignment - 1) / alignment * alignment, alignment);
  void* memory = std::aligned_alloc(alignment, rounded);
  if (memory == nullptr) throw std::bad_alloc();
  if (huge) madvise(memory, rounded, MADV_HUGEPAGE);  // advice: no huge pages is no error
  T* array = static_cast<T*>(memory);
  for (size_t i = 0; i < count; ++i) new (array + i) T();
  return TableArray<T>(array);
}

}  // namespace aggr
