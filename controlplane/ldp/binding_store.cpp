#include "controlplane/ldp/binding_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

namespace aggr::ldp {
namespace {

using nlohmann::json;

json next_hop_json(const NextHop& n) { return {{"address", format_address(n.address)}, {"port", n.port}}; }

NextHop read_next_hop(const json& j) {
  NextHop n;
  if (!parse_host_address(j.at("address").get<std::string>(), &n.address).ok()) throw std::invalid_argument("address");
  n.port = j.at("port").get<uint16_t>();
  return n;
}

IpPrefix read_prefix(const json& j) {
  IpPrefix p;
  if (!parse_prefix(j.get<std::string>(), &p).ok()) throw std::invalid_argument("fec");
  return p;
}

}  // namespace

Status save_bindings(const std::string& path, const SavedBindings& saved) {
  json bindings = json::array(), labels = json::array();
  for (const auto& [fec, b] : saved.bindings) {
    json entry = {{"fec", format_prefix(fec)}, {"label", b.local_label}, {"egress", b.egress}};
    if (b.out_label) entry["out_label"] = *b.out_label;
    if (b.next_hop) entry["next_hop"] = next_hop_json(*b.next_hop);
    bindings.push_back(entry);
  }
  for (const auto& [fec, l] : saved.next_hop_labels)
    labels.push_back({{"fec", format_prefix(fec)}, {"label", l.label}, {"next_hop", next_hop_json(l.next_hop)}});
  const std::string text = json{{"bindings", bindings}, {"next_hop_labels", labels}}.dump() + "\n";
  // A crash mid-write leaves the previous file whole.
  const std::string temporary = path + ".new";
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::failure("cannot write " + temporary + ": " + std::strerror(errno));
  const bool written = write(fd, text.data(), text.size()) == ssize_t(text.size()) && fsync(fd) == 0;
  close(fd);
  if (!written || std::rename(temporary.c_str(), path.c_str()) != 0)
    return Status::failure("cannot write " + path + ": " + std::strerror(errno));
  return Status::success();
}

Status load_bindings(const std::string& path, SavedBindings* saved) {
  *saved = {};
  std::ifstream in(path);
  if (!in) return Status::success();
  try {
    const json doc = json::parse(in);
    for (const json& entry : doc.at("bindings")) {
      Binding b;
      b.local_label = entry.at("label").get<uint32_t>();
      b.egress = entry.at("egress").get<bool>();
      if (entry.contains("out_label")) b.out_label = entry["out_label"].get<uint32_t>();
      if (entry.contains("next_hop")) b.next_hop = read_next_hop(entry["next_hop"]);
      saved->bindings[read_prefix(entry.at("fec"))] = b;
    }
    for (const json& entry : doc.at("next_hop_labels"))
      saved->next_hop_labels[read_prefix(entry.at("fec"))] =
          NextHopLabel{entry.at("label").get<uint32_t>(), read_next_hop(entry.at("next_hop"))};
  } catch (const std::exception& e) {
    *saved = {};
    return Status::failure(path + ": not a saved LDP state (" + e.what() + ")");
  }
  return Status::success();
}

}  // namespace aggr::ldp
