#include "tests/unit/eal_environment.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dataplane/mbuf_pool.h"

namespace aggr::test {

rte_mempool* packet_pool() {
  static rte_mempool* pool = [] {
    std::string prefix = "--file-prefix=unit-" + std::to_string(getpid());
    std::vector<std::string> args = {"unit_tests", "--no-huge", "-m", "2048", "--no-pci", "-l", "0",
                                     "--log-level=lib.eal:error", prefix, "--no-shconf"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    if (rte_eal_init(int(argv.size()), argv.data()) < 0) throw std::runtime_error("EAL init failed");
    // EAL leaves its runtime directory behind; remove it when the tests end.
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all("/var/run/dpdk/unit-" + std::to_string(getpid()), ignored);
    });
    return create_mbuf_pool("unit_pool", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  }();
  return pool;
}

}  // namespace aggr::test
