// Reading and writing pcap files of Ethernet frames (libpcap).
#pragma once

#include <string>
#include <vector>

#include "tools/aggr-gen/frame_builder.h"

namespace aggr::gen {

void write_pcap(const std::string& path, const std::vector<Bytes>& frames);
std::vector<Bytes> read_pcap(const std::string& path);

}  // namespace aggr::gen
