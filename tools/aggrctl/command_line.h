// What aggrctl and aggr-brokerctl read from their command line alike:
// --api, --token-file, --json and the command's words; and the command's
// KEY=VALUE arguments. A mistake prints the tool's usage and exits 2.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace aggr::ctl {

// Prints "program: message" and the usage, and exits 2.
[[noreturn]] void exit_with_usage(const std::string& program, const char* usage, const std::string& message);

struct CommandLine {
  std::string program;  // for messages
  const char* usage;    // printed with --help and after a mistake
  std::string api;
  std::string token_file;
  bool json = false;
  std::vector<std::string> words;

  // Defaults from the environment (`api_env`, `token_env`) then the options.
  CommandLine(std::string program, const char* usage, std::string default_api, const char* api_env,
              const char* token_env, int argc, char** argv);

  [[noreturn]] void usage_error(const std::string& message) const;
  // Prints an answer: as JSON with --json, else through `print`. Returns 0.
  int show(const nlohmann::json& doc, void (*print)(const nlohmann::json&)) const;
  // words[from...] as KEY=VALUE, each KEY one of `allowed`.
  std::map<std::string, std::string> key_values(size_t from, std::initializer_list<const char*> allowed) const;
};

}  // namespace aggr::ctl
