// Would reading eight packets' fields with one SIMD gather beat eight scalar
// loads on this CPU?
//
// The one change left that would cut the pipeline's work rather than move it
// (benchmarks/README.md, "What limits it") is to parse and classify several
// packets an instruction, as l3fwd's LPM path looks up four or eight a step.
// Every step of that chain reads one field of each packet from an address
// of its own: the mbuf, the frame, the line entry, the record. This measures
// that read alone, over the same addresses each way, in TSC cycles a lane:
//
//   pointers/scalar   eight 64-bit loads through eight pointers, summed
//   pointers/avx2     two 4-lane vpgatherqq
//   pointers/avx512   one 8-lane vpgatherqq
//   indexes/scalar    sixteen 32-bit loads by index from one table (line
//                     entries by C-VLAN id), summed
//   indexes/avx512    one 16-lane vpgatherdd
//
// The lines read all fit L1 (as the 1k-subscriber tables do), so
// the figure is the cost of the read itself, not of a cache miss. Each
// iteration's reads are independent of the last one's, as the packets of a
// burst are: this is throughput, the best case for the gathers. Variants the
// CPU lacks are not registered.
//
// Usage: gather_bench [Google Benchmark flags]
#include <benchmark/benchmark.h>

#include <immintrin.h>
#include <x86intrin.h>

#include <cstdint>
#include <cstdio>

namespace {

// The reads touch at most 8 * (8 + 16) lines, 12 KiB: all of them in L1.
constexpr unsigned kTableWords = 4096;
constexpr unsigned kGroups = 8;          // address sets, cycled
constexpr unsigned kPointerLanes = 8;
constexpr unsigned kIndexLanes = 16;

struct Addresses {
  alignas(64) uint64_t words[kTableWords];
  alignas(64) uint32_t entries[kTableWords];
  alignas(64) const uint64_t* pointers[kGroups][kPointerLanes];
  alignas(64) int32_t indexes[kGroups][kIndexLanes];

  Addresses() {
    for (unsigned i = 0; i < kTableWords; ++i) words[i] = entries[i] = i * 7u;
    // Scattered over the table: 977 is prime to its size.
    for (unsigned g = 0; g < kGroups; ++g) {
      for (unsigned l = 0; l < kPointerLanes; ++l) pointers[g][l] = &words[((g * kPointerLanes + l) * 977u) % kTableWords];
      for (unsigned l = 0; l < kIndexLanes; ++l) indexes[g][l] = int32_t(((g * kIndexLanes + l) * 977u) % kTableWords);
    }
  }
};

Addresses& addresses() {
  static Addresses a;
  return a;
}

// One way of reading a group's lanes, returning their sum. Each is a
// function of its own, called directly (not inlined: the SIMD ones cannot
// be, into code built for any x86-64), so that every way pays the same call.
using ReadGroup = uint64_t (*)(const Addresses&, unsigned group);

// Runs `read_group` over the address groups in turn; reports TSC cycles a
// lane read, and the lanes read a second as items.
template <ReadGroup read_group>
void measure(benchmark::State& state, unsigned lanes) {
  const Addresses& a = addresses();
  uint64_t sum = 0;
  uint64_t cycles = 0;
  unsigned group = 0;
  constexpr unsigned kRounds = 1024;  // groups an iteration: rdtsc outside the inner loop
  for (auto _ : state) {
    uint64_t start = __rdtsc();
    for (unsigned r = 0; r < kRounds; ++r) {
      sum += read_group(a, group);
      group = (group + 1) % kGroups;
    }
    cycles += __rdtsc() - start;
    benchmark::DoNotOptimize(sum);
  }
  double read = double(state.iterations()) * kRounds * lanes;
  state.counters["tsc_per_lane"] = double(cycles) / read;
  state.SetItemsProcessed(int64_t(read));
}

__attribute__((noinline)) uint64_t pointers_scalar(const Addresses& a, unsigned group) {
  const uint64_t* const* p = a.pointers[group];
  uint64_t sum = 0;
  for (unsigned l = 0; l < kPointerLanes; ++l) sum += *p[l];
  return sum;
}

__attribute__((target("avx2"), noinline)) uint64_t pointers_avx2(const Addresses& a, unsigned group) {
  const uint64_t* const* p = a.pointers[group];
  __m256i low = _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
  __m256i high = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 4));
  __m256i sum = _mm256_add_epi64(_mm256_i64gather_epi64(nullptr, low, 1), _mm256_i64gather_epi64(nullptr, high, 1));
  __m128i half = _mm_add_epi64(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
  return uint64_t(_mm_cvtsi128_si64(half)) + uint64_t(_mm_extract_epi64(half, 1));
}

// The AVX-512 ways: gathers and reductions by their zero-masking forms,
// whose plain forms start from an undefined vector that GCC 12 warns of.
__attribute__((target("avx512f"))) uint64_t sum_lanes(__m512i v) {
  __m256i half = _mm256_add_epi64(_mm512_maskz_extracti64x4_epi64(0xFF, v, 0), _mm512_maskz_extracti64x4_epi64(0xFF, v, 1));
  __m128i quarter = _mm_add_epi64(_mm256_castsi256_si128(half), _mm256_extracti128_si256(half, 1));
  return uint64_t(_mm_cvtsi128_si64(quarter)) + uint64_t(_mm_extract_epi64(quarter, 1));
}

__attribute__((target("avx512f"), noinline)) uint64_t pointers_avx512(const Addresses& a, unsigned group) {
  __m512i lanes = _mm512_load_si512(a.pointers[group]);
  return sum_lanes(_mm512_mask_i64gather_epi64(_mm512_setzero_si512(), 0xFF, lanes, nullptr, 1));
}

__attribute__((noinline)) uint64_t indexes_scalar(const Addresses& a, unsigned group) {
  const int32_t* index = a.indexes[group];
  uint64_t sum = 0;
  for (unsigned l = 0; l < kIndexLanes; ++l) sum += a.entries[index[l]];
  return sum;
}

__attribute__((target("avx512f"), noinline)) uint64_t indexes_avx512(const Addresses& a, unsigned group) {
  __m512i index = _mm512_load_si512(a.indexes[group]);
  __m512i values = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), 0xFFFF, index, a.entries, 4);
  // Sixteen 32-bit lanes widened to eight 64-bit sums: pairs added.
  return sum_lanes(_mm512_add_epi64(_mm512_maskz_srli_epi64(0xFF, values, 32), _mm512_maskz_mov_epi32(0x5555, values)));
}

// Every way must read what the scalar loads read, or its time means nothing.
bool same_sums(ReadGroup way, ReadGroup scalar, const char* name) {
  for (unsigned g = 0; g < kGroups; ++g) {
    if (way(addresses(), g) != scalar(addresses(), g)) {
      std::fprintf(stderr, "gather_bench: %s reads other values than the scalar loads (group %u)\n", name, g);
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  __builtin_cpu_init();
  bool avx2 = __builtin_cpu_supports("avx2"), avx512 = __builtin_cpu_supports("avx512f");
  if ((avx2 && !same_sums(pointers_avx2, pointers_scalar, "pointers/avx2")) ||
      (avx512 && !same_sums(pointers_avx512, pointers_scalar, "pointers/avx512")) ||
      (avx512 && !same_sums(indexes_avx512, indexes_scalar, "indexes/avx512")))
    return 1;
  benchmark::RegisterBenchmark("pointers/scalar", [](benchmark::State& s) { measure<pointers_scalar>(s, kPointerLanes); });
  if (avx2)
    benchmark::RegisterBenchmark("pointers/avx2", [](benchmark::State& s) { measure<pointers_avx2>(s, kPointerLanes); });
  if (avx512)
    benchmark::RegisterBenchmark("pointers/avx512", [](benchmark::State& s) { measure<pointers_avx512>(s, kPointerLanes); });
  benchmark::RegisterBenchmark("indexes/scalar", [](benchmark::State& s) { measure<indexes_scalar>(s, kIndexLanes); });
  if (avx512)
    benchmark::RegisterBenchmark("indexes/avx512", [](benchmark::State& s) { measure<indexes_avx512>(s, kIndexLanes); });
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
