// A fuzzing process's directory for the files its target reads: made when
// libFuzzer starts, removed when it ends a run with exit() (a crash leaves
// the files, beside the crashing input).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace aggr::fuzz {

inline std::string& scratch_directory_path() {
  static std::string path;
  return path;
}

inline void make_scratch_directory(const std::string& path) {
  scratch_directory_path() = path;
  std::filesystem::create_directories(path);
  std::atexit([] {
    std::error_code ignored;
    std::filesystem::remove_all(scratch_directory_path(), ignored);
  });
}

}  // namespace aggr::fuzz
