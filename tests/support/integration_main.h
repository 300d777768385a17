// The main() of an integration test that runs the real binaries: gtest's
// flags, the busy load AGGR_TEST_BUSY_THREADS asks for (busy_load.h), and
// the paths of the binaries, given first on the command line.
#pragma once

#include <string>
#include <vector>

namespace aggr::test {

// Stores the paths in *binaries (named by `names` in the usage line) and
// runs every test; 2 when the paths are missing.
int run_integration_tests(int argc, char** argv, const std::vector<std::string>& names,
                          const std::vector<std::string*>& binaries);

}  // namespace aggr::test
