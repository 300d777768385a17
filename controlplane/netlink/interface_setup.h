// Sets up a kernel interface over rtnetlink (libmnl): the addresses and the
// link state of the kernel mirrors aggrd creates, and of the third links a
// customer device brings up for a contract. Each call is one request and
// its acknowledgement; errors name the interface and the kernel's reason.
#pragma once

#include <string>

#include "dataplane/net/ip_prefix.h"
#include "dataplane/net/status.h"

namespace aggr {

// `address` is address/length (IpPrefix with host bits: the address).
Status add_interface_address(const std::string& interface, const IpPrefix& address);
// One already gone is no error.
Status remove_interface_address(const std::string& interface, const IpPrefix& address);
Status set_interface_up(const std::string& interface);
Status set_interface_down(const std::string& interface);

}  // namespace aggr
