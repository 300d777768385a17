// The command line of a program driven by one configuration file:
// PROGRAM --config FILE [--check]. aggr-broker and aggr-cpe read theirs so.
#pragma once

#include <boost/program_options.hpp>

#include <iostream>
#include <optional>
#include <string>

namespace aggr {

struct ConfigCommandLine {
  std::string config;
  bool check = false;  // validate the configuration and exit
};

// The options, or nullopt with *exit_code set: 0 after --help, 2 after a
// usage error (both printed).
inline std::optional<ConfigCommandLine> read_config_command_line(int argc, char** argv, const std::string& program,
                                                                 int* exit_code) {
  namespace po = boost::program_options;
  po::options_description options(program + " --config FILE [--check]");
  options.add_options()("help,h", "this text")("config,c", po::value<std::string>()->required(), "configuration file")(
      "check", "validate the configuration and exit");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("help")) {
      std::cout << options;
      *exit_code = 0;
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << program << ": " << e.what() << "\n" << options;
    *exit_code = 2;
    return std::nullopt;
  }
  return ConfigCommandLine{vm["config"].as<std::string>(), vm.count("check") > 0};
}

}  // namespace aggr
