#include "dataplane/net/labels.h"

#include <string>

namespace aggr {

Status check_pushed_labels(const std::vector<uint32_t>& labels) {
  if (labels.empty() || labels.size() > kMaxLabelDepth)
    return Status::failure("an NHLFE pushes 1 to 3 labels, found " + std::to_string(labels.size()));
  for (uint32_t l : labels) {
    if (l > label::kMax) return Status::failure("label " + std::to_string(l) + " is above 1048575");
    if (l < label::kFirstUnreserved && l != label::kIpv4ExplicitNull && l != label::kIpv6ExplicitNull)
      return Status::failure("label " + std::to_string(l) + " is reserved (RFC 3032) and cannot be pushed");
  }
  return Status::success();
}

Status check_swap_labels(const std::vector<uint32_t>& labels) {
  if (labels.size() == 1 && labels[0] == label::kImplicitNull) return Status::success();
  return check_pushed_labels(labels);
}

std::vector<uint32_t> swap_nhlfe_labels(const std::vector<uint32_t>& out_labels) {
  if (out_labels.size() == 1 && out_labels[0] == label::kImplicitNull) return {};
  return out_labels;
}

Status check_local_label(uint32_t l, uint32_t label_space) {
  if (l < label::kFirstUnreserved || l >= label_space)
    return Status::failure("local label " + std::to_string(l) + " is outside 16.." + std::to_string(label_space - 1));
  return Status::success();
}

}  // namespace aggr
