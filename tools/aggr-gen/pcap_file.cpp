#include "tools/aggr-gen/pcap_file.h"

#include <pcap/pcap.h>

#include <stdexcept>

namespace aggr::gen {

void write_pcap(const std::string& path, const std::vector<Bytes>& frames) {
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  if (dumper == nullptr) {
    std::string error = pcap_geterr(dead);
    pcap_close(dead);
    throw std::runtime_error("cannot write " + path + ": " + error);
  }
  uint32_t usec = 0;
  for (const Bytes& f : frames) {
    pcap_pkthdr header{};
    header.ts.tv_sec = 1700000000 + usec / 1000000;
    header.ts.tv_usec = usec % 1000000;
    usec += 1;
    header.caplen = header.len = uint32_t(f.size());
    pcap_dump(reinterpret_cast<u_char*>(dumper), &header, f.data());
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
}

std::vector<Bytes> read_pcap(const std::string& path) {
  char error[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), error);
  if (p == nullptr) throw std::runtime_error("cannot read " + path + ": " + error);
  std::vector<Bytes> frames;
  pcap_pkthdr* header;
  const u_char* data;
  while (pcap_next_ex(p, &header, &data) == 1) frames.emplace_back(data, data + header->caplen);
  pcap_close(p);
  return frames;
}

}  // namespace aggr::gen
