#include "tests/support/integration_main.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "tests/support/busy_load.h"

namespace aggr::test {

int run_integration_tests(int argc, char** argv, const std::vector<std::string>& names,
                          const std::vector<std::string*>& binaries) {
  ::testing::InitGoogleTest(&argc, argv);
  add_busy_load_from_environment();
  if (size_t(argc) < binaries.size() + 1) {
    std::string usage;
    for (const std::string& name : names) usage += " <" + name + ">";
    std::fprintf(stderr, "usage: %s%s [gtest flags]\n", argv[0], usage.c_str());
    return 2;
  }
  for (size_t i = 0; i < binaries.size(); ++i) *binaries[i] = argv[i + 1];
  return RUN_ALL_TESTS();
}

}  // namespace aggr::test
