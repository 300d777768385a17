#include "controlplane/netlink/neighbour_follower.h"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include <libmnl/libmnl.h>

namespace aggr {
namespace {

// The states in which the kernel itself sends to the entry's MAC.
constexpr uint16_t kUsableStates = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP;

struct NeighbourAttributes {
  const nlattr* destination = nullptr;
  const nlattr* link_address = nullptr;
};

int note_neighbour_attribute(const nlattr* attribute, void* data) {
  auto* found = static_cast<NeighbourAttributes*>(data);
  switch (mnl_attr_get_type(attribute)) {
    case NDA_DST: found->destination = attribute; break;
    case NDA_LLADDR: found->link_address = attribute; break;
  }
  return MNL_CB_OK;
}

// The event a neighbour message tells, if it is one of an IP neighbour.
std::optional<NeighbourEvent> read_neighbour(const nlmsghdr* message) {
  if (message->nlmsg_type != RTM_NEWNEIGH && message->nlmsg_type != RTM_DELNEIGH) return std::nullopt;
  if (mnl_nlmsg_get_payload_len(message) < sizeof(ndmsg)) return std::nullopt;
  const auto* header = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(message));
  if (header->ndm_family != AF_INET && header->ndm_family != AF_INET6) return std::nullopt;
  NeighbourAttributes found;
  mnl_attr_parse(message, sizeof(ndmsg), note_neighbour_attribute, &found);
  const unsigned bytes = header->ndm_family == AF_INET ? 4 : 16;
  if (found.destination == nullptr || mnl_attr_get_payload_len(found.destination) != bytes) return std::nullopt;
  NeighbourEvent event;
  event.ifindex = unsigned(header->ndm_ifindex);
  event.address.family = header->ndm_family == AF_INET ? 4 : 6;
  event.address.length = uint8_t(bytes * 8);
  std::memcpy(event.address.bytes, mnl_attr_get_payload(found.destination), bytes);
  const bool usable = message->nlmsg_type == RTM_NEWNEIGH && (header->ndm_state & kUsableStates) != 0;
  if (usable && found.link_address != nullptr && mnl_attr_get_payload_len(found.link_address) == RTE_ETHER_ADDR_LEN) {
    rte_ether_addr mac;
    std::memcpy(mac.addr_bytes, mnl_attr_get_payload(found.link_address), RTE_ETHER_ADDR_LEN);
    event.mac = mac;
  }
  return event;
}

}  // namespace

NeighbourFollower::NeighbourFollower() : socket_(RTMGRP_NEIGH, RTM_GETNEIGH, sizeof(ndmsg)) {}

void NeighbourFollower::resolve(unsigned ifindex, const IpPrefix& address) {
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* message = mnl_nlmsg_put_header(buffer);
  message->nlmsg_type = RTM_NEWNEIGH;
  // No acknowledgement: what the kernel finds comes as a notification.
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE;
  auto* header = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ndmsg)));
  header->ndm_family = address.family == 4 ? AF_INET : AF_INET6;
  header->ndm_ifindex = int(ifindex);
  header->ndm_flags = NTF_USE;
  header->ndm_state = NUD_NONE;
  mnl_attr_put(message, NDA_DST, address.family == 4 ? 4 : 16, address.bytes);
  socket_.send(message);
}

void NeighbourFollower::poll(const std::function<void(const NeighbourEvent&)>& on_event) {
  socket_.poll([&](const nlmsghdr* message) {
    if (std::optional<NeighbourEvent> event = read_neighbour(message)) on_event(*event);
  });
}

}  // namespace aggr
