// Reading one YAML configuration: where each node was written, and the
// checks of structure and type that every section's reader shares, each
// reporting its error at the node as file:line:column.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include "controlplane/config/config_error.h"
#include "controlplane/config/values.h"

namespace aggr {

class YamlReader {
 public:
  YamlReader(std::string file, std::vector<ConfigError>& errors) : file_(std::move(file)), errors_(errors) {}

  SourceLocation at(const YAML::Node& node) const {
    YAML::Mark m = node.Mark();
    return {file_, m.line + 1, m.column + 1};
  }
  void error(const YAML::Node& node, std::string message) { errors_.push_back({at(node), std::move(message)}); }
  void error(const SourceLocation& where, std::string message) { errors_.push_back({where, std::move(message)}); }

  // True if `node` is a map whose keys are all in `allowed`; reports others.
  bool map(const YAML::Node& node, const std::string& what, std::initializer_list<const char*> allowed) {
    if (!node.IsMap()) {
      error(node, what + " must be a mapping");
      return false;
    }
    for (const auto& item : node) {
      std::string key = item.first.Scalar();
      bool known = false;
      for (const char* a : allowed) known |= key == a;
      if (!known) {
        std::string list;
        for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
        error(item.first, "unknown key '" + key + "' in " + what + " (expected one of: " + list + ")");
      }
    }
    return true;
  }

  bool require(const YAML::Node& parent, const char* key, const std::string& what) {
    if (parent[key]) return true;
    error(parent, what + " needs '" + key + "'");
    return false;
  }

  bool scalar(const YAML::Node& node, const std::string& what, std::string* out) {
    if (!node.IsScalar()) {
      error(node, what + " must be a scalar");
      return false;
    }
    *out = node.Scalar();
    return true;
  }

  template <typename T>
  bool number(const YAML::Node& node, const std::string& what, uint64_t max, T* out) {
    std::string text;
    if (!scalar(node, what, &text)) return false;
    uint64_t value;
    if (Status e = parse_unsigned(text, max, &value); !e.ok()) {
      error(node, what + ": " + e.error);
      return false;
    }
    *out = T(value);
    return true;
  }

  // A scalar read by one of the value parsers (values.h), its error reported at the node.
  template <typename T>
  bool parsed(const YAML::Node& node, const std::string& what, Status (*parse)(std::string_view, T*), T* out) {
    std::string text;
    if (!scalar(node, what, &text)) return false;
    if (Status e = parse(text, out); !e.ok()) {
      error(node, what + ": " + e.error);
      return false;
    }
    return true;
  }
  bool mac(const YAML::Node& node, const std::string& what, rte_ether_addr* out) {
    return parsed(node, what, parse_mac, out);
  }
  bool rate(const YAML::Node& node, const std::string& what, uint64_t* out) {
    return parsed(node, what, parse_rate, out);
  }

  bool sequence(const YAML::Node& node, const std::string& what) {
    if (node.IsSequence()) return true;
    error(node, what + " must be a list");
    return false;
  }

  template <typename Enum>
  bool choice(const YAML::Node& node, const std::string& what,
              std::initializer_list<std::pair<const char*, Enum>> options, Enum* out) {
    std::string text;
    if (!scalar(node, what, &text)) return false;
    std::string list;
    for (const auto& [name, value] : options) {
      if (text == name) {
        *out = value;
        return true;
      }
      list += std::string(list.empty() ? "" : ", ") + name;
    }
    error(node, what + ": '" + text + "' is not one of: " + list);
    return false;
  }

  // "30s", "500ms", "2m", "1h", as milliseconds.
  bool duration(const YAML::Node& node, const std::string& what, int64_t* ms) {
    std::string text;
    if (!scalar(node, what, &text)) return false;
    const std::pair<const char*, int64_t> units[] = {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};
    for (const auto& [unit, scale] : units) {
      const std::string u = unit;
      if (text.size() > u.size() && text.compare(text.size() - u.size(), u.size(), u) == 0) {
        uint64_t n = 0;
        if (parse_unsigned(text.substr(0, text.size() - u.size()), 10'000'000, &n).ok() && n > 0) {
          *ms = int64_t(n) * scale;
          return true;
        }
        break;
      }
    }
    error(node, what + ": '" + text + "' is not a duration such as 500ms, 30s, 5m or 1h");
    return false;
  }

  // A fraction from 0 up to (not including) 1: "0.9".
  bool fraction(const YAML::Node& node, const std::string& what, double* out) {
    std::string text;
    if (!scalar(node, what, &text)) return false;
    try {
      size_t used = 0;
      const double v = std::stod(text, &used);
      if (used == text.size() && v >= 0 && v < 1) {
        *out = v;
        return true;
      }
    } catch (const std::exception&) {
    }
    error(node, what + ": '" + text + "' is not a fraction from 0 up to 1");
    return false;
  }

  // "HOST:PORT" ("[v6]:PORT" too), the port from 1 to 65535.
  bool host_port(const YAML::Node& node, const std::string& what, std::string* host, uint16_t* port) {
    std::string text;
    if (!scalar(node, what, &text)) return false;
    const size_t colon = text.rfind(':');
    uint64_t number = 0;
    std::string h = colon == std::string::npos ? "" : text.substr(0, colon);
    if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    if (h.empty() || !parse_unsigned(text.substr(colon + 1), 65535, &number).ok() || number == 0) {
      error(node, what + ": '" + text + "' is not host:port (port 1..65535)");
      return false;
    }
    *host = h;
    *port = uint16_t(number);
    return true;
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<ConfigError>& errors_;
};

// Reads a YAML file into *root; false with the error placed (a syntax
// error at its line and column).
inline bool load_yaml_file(const std::string& path, YAML::Node* root, std::vector<ConfigError>& errors) {
  try {
    *root = YAML::LoadFile(path);
    return true;
  } catch (const YAML::BadFile&) {
    errors.push_back({{path, 0, 0}, "cannot read the file"});
  } catch (const YAML::ParserException& e) {
    errors.push_back({{path, e.mark.line + 1, e.mark.column + 1}, "YAML syntax: " + e.msg});
  }
  return false;
}

// A file name relative to the configuration file's directory.
inline std::string relative_to(const std::string& config_path, const std::string& file) {
  std::filesystem::path p(file);
  if (p.is_relative()) p = std::filesystem::path(config_path).parent_path() / p;
  return p.string();
}

}  // namespace aggr
