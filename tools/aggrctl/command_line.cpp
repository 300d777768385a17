#include "tools/aggrctl/command_line.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace aggr::ctl {

CommandLine::CommandLine(std::string program_name, const char* usage_text, std::string default_api, const char* api_env,
                         const char* token_env, int argc, char** argv)
    : program(std::move(program_name)), usage(usage_text), api(std::move(default_api)) {
  if (const char* v = std::getenv(api_env)) api = v;
  if (const char* v = std::getenv(token_env)) token_file = v;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      std::exit(0);
    } else if (a == "--json") {
      json = true;
    } else if ((a == "--api" || a == "--token-file") && i + 1 < argc) {
      (a == "--api" ? api : token_file) = argv[++i];
    } else {
      words.push_back(a);
    }
  }
}

void exit_with_usage(const std::string& program, const char* usage, const std::string& message) {
  std::cerr << program << ": " << message << "\n\n" << usage;
  std::exit(2);
}

void CommandLine::usage_error(const std::string& message) const { exit_with_usage(program, usage, message); }

int CommandLine::show(const nlohmann::json& doc, void (*print)(const nlohmann::json&)) const {
  if (json)
    std::cout << doc.dump(2) << "\n";
  else
    print(doc);
  return 0;
}

std::map<std::string, std::string> CommandLine::key_values(size_t from,
                                                           std::initializer_list<const char*> allowed) const {
  std::map<std::string, std::string> out;
  for (size_t i = from; i < words.size(); ++i) {
    const size_t eq = words[i].find('=');
    const std::string key = words[i].substr(0, eq);
    if (eq == std::string::npos || std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }))
      usage_error("'" + words[i] + "' is not one of KEY=VALUE with KEY in the command's list");
    out[key] = words[i].substr(eq + 1);
  }
  return out;
}

}  // namespace aggr::ctl
