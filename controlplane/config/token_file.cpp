#include "controlplane/config/token_file.h"

#include <fstream>

namespace aggr {

Status read_token_file(const std::string& path, const std::string& what, const std::string& shown, std::string* token) {
  std::ifstream in(path);
  if (!in) return Status::failure("cannot read the " + what + " file " + shown);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.size() < 16) return Status::failure("the " + what + " in " + shown + " is shorter than 16 characters");
  *token = line;
  return Status::success();
}

}  // namespace aggr
