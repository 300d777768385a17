// A credential kept in a file of its own: its first line, without trailing
// spaces or CR, at least 16 characters. Services and their clients alike
// read their tokens this way.
#pragma once

#include <string>

#include "dataplane/net/status.h"

namespace aggr {

// `what` and `shown` name the token and the file in errors: "the broker
// token in /etc/aggr/router.token is shorter than 16 characters".
Status read_token_file(const std::string& path, const std::string& what, const std::string& shown, std::string* token);

}  // namespace aggr
