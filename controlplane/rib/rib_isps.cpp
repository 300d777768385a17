// The RIB's ISPs, with their FTN entries (headend) and handoffs (tailend).
#include "controlplane/rib/rib.h"

#include <algorithm>

namespace aggr {

Status Rib::add_isp(uint32_t isp_id, const std::string& name) {
  if (isp_id == 0) return Status::failure("ISP id 0 is reserved");
  if (isps_.count(isp_id)) return Status::failure("ISP " + std::to_string(isp_id) + " exists");
  auto free_slot = std::find(isp_id_by_index_.begin(), isp_id_by_index_.end(), 0u);
  if (free_slot == isp_id_by_index_.end())
    return Status::failure("ISP table full (" + std::to_string(isp_id_by_index_.size()) + ")");
  *free_slot = isp_id;
  uint16_t index = uint16_t(free_slot - isp_id_by_index_.begin());
  isps_.emplace(isp_id, IspState{isp_id, name, index, 0, {}, std::nullopt});
  return Status::success();
}

Status Rib::remove_isp(uint32_t isp_id) {
  auto it = isps_.find(isp_id);
  if (it == isps_.end()) return Status::failure("no ISP " + std::to_string(isp_id));
  if (it->second.subscribers > 0)
    return Status::failure("ISP " + std::to_string(isp_id) + " still has " +
                           std::to_string(it->second.subscribers) + " subscribers");
  for (const auto& [label, wanted] : ilm_wanted_)
    for (const auto& [source, state] : wanted)
      if (state.action == IlmAction::kPopToIsp && state.argument == it->second.index)
        return Status::failure("ISP " + std::to_string(isp_id) + " still has label " + std::to_string(label) +
                               " popped to it");
  fib_.set_ftn(it->second.index, kNoNhlfe);
  it->second.handoff_wanted.clear();
  install_handoff(it->second).ok();  // clearing publishes nothing: it cannot fail
  isp_id_by_index_[it->second.index] = 0;
  isps_.erase(it);
  return Status::success();
}

Status Rib::rename_isp(uint32_t isp_id, const std::string& name) {
  auto it = isps_.find(isp_id);
  if (it == isps_.end()) return Status::failure("no ISP " + std::to_string(isp_id));
  it->second.name = name;
  return Status::success();
}

Status Rib::install_ftn(IspState& isp) {
  return install_nhlfe(isp.ftn_wanted, isp.ftn, isp.ftn_source,
                       [&](uint32_t nhlfe) { fib_.set_ftn(isp.index, nhlfe); });
}

Status Rib::set_ftn(uint32_t isp_id, const NhlfeSpec& spec, EntrySource source) {
  auto it = isps_.find(isp_id);
  if (it == isps_.end()) return Status::failure("no ISP " + std::to_string(isp_id));
  if (Status s = check_nhlfe(spec, NhlfeUse::kPush); !s.ok()) return s;
  IspState& isp = it->second;
  return change_wanted(isp.ftn_wanted, source, std::optional(spec), [&] { return install_ftn(isp); });
}

Status Rib::clear_ftn(uint32_t isp_id, EntrySource source) {
  auto it = isps_.find(isp_id);
  if (it == isps_.end()) return Status::failure("no ISP " + std::to_string(isp_id));
  IspState& isp = it->second;
  return change_wanted(isp.ftn_wanted, source, std::optional<NhlfeSpec>(), [&] { return install_ftn(isp); });
}

const IspState* Rib::isp(uint32_t isp_id) const {
  auto it = isps_.find(isp_id);
  return it == isps_.end() ? nullptr : &it->second;
}

const IspState* Rib::isp_by_index(uint16_t index) const {
  return index < isp_id_by_index_.size() && isp_id_by_index_[index] != 0
             ? isp(isp_id_by_index_[index])
             : nullptr;
}

// A handoff's port is the ISP's: its traffic in is counted for the ISP.
Status Rib::install_handoff(IspState& isp) {
  std::optional<uint16_t> old_port;
  if (isp.handoff) old_port = isp.handoff->out_port;
  Status s = install_nhlfe(isp.handoff_wanted, isp.handoff, isp.handoff_source,
                           [&](uint32_t nhlfe) { fib_.set_handoff(isp.index, nhlfe); });
  if (!s.ok()) return s;
  if (old_port && (!isp.handoff || isp.handoff->out_port != *old_port)) fib_.set_port_isp(*old_port, kNoIsp);
  if (isp.handoff) fib_.set_port_isp(isp.handoff->out_port, isp.index);
  return s;
}

Status Rib::set_handoff(uint32_t isp_id, const NhlfeSpec& gateway, EntrySource source) {
  auto it = isps_.find(isp_id);
  if (it == isps_.end()) return Status::failure("no ISP " + std::to_string(isp_id));
  if (Status s = check_nhlfe(gateway, NhlfeUse::kHandoff); !s.ok()) return s;
  for (const auto& [id, other] : isps_)
    if (id != isp_id && other.handoff && other.handoff->out_port == gateway.out_port)
      return Status::failure("port " + port_name(gateway.out_port) + " is already ISP " + other.name + "'s handoff");
  IspState& isp = it->second;
  return change_wanted(isp.handoff_wanted, source, std::optional(gateway), [&] { return install_handoff(isp); });
}

Status Rib::clear_handoff(uint32_t isp_id, EntrySource source) {
  auto it = isps_.find(isp_id);
  if (it == isps_.end()) return Status::failure("no ISP " + std::to_string(isp_id));
  IspState& isp = it->second;
  return change_wanted(isp.handoff_wanted, source, std::optional<NhlfeSpec>(),
                       [&] { return install_handoff(isp); });
}

std::vector<const IspState*> Rib::isps_in_order() const {
  std::vector<const IspState*> in_order;
  for (const auto& [id, state] : isps_) in_order.push_back(&state);
  std::sort(in_order.begin(), in_order.end(), [](const IspState* a, const IspState* b) { return a->index < b->index; });
  return in_order;
}

const IspState* Rib::isp_named(const std::string& name) const {
  for (const auto& [id, isp] : isps_)
    if (isp.name == name) return &isp;
  return nullptr;
}

}  // namespace aggr
