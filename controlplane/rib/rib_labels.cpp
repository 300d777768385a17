// The RIB's label entries: the ILM (what this router does with the labels
// it binds) and a tailend's prefix FECs (the labels it pushes on ISP traffic).
#include "controlplane/rib/rib.h"

#include <algorithm>

#include "dataplane/net/labels.h"

namespace aggr {

Status Rib::install_ilm(uint32_t label) {
  auto wanted = ilm_wanted_.find(label);
  auto installed = ilm_.find(label);
  if (wanted == ilm_wanted_.end() || wanted->second.empty()) {
    if (wanted != ilm_wanted_.end()) ilm_wanted_.erase(wanted);
    fib_.set_ilm(label, {});
    if (installed != ilm_.end()) ilm_.erase(installed);
    return Status::success();
  }
  IlmState best = wanted->second.at(most_preferred(wanted->second));
  if (best.swap) best.swap = resolved(*best.swap);
  if (installed != ilm_.end() && installed->second == best) return Status::success();
  IlmEntry entry{best.action, best.argument};
  if (best.action == IlmAction::kSwap)
    if (Status s = publish_nhlfe(*best.swap, &entry.argument); !s.ok()) return s;
  fib_.set_ilm(label, entry);
  ilm_[label] = best;
  return Status::success();
}

Status Rib::set_ilm(uint32_t label, IlmEntry entry, EntrySource source) {
  if (Status s = check_local_label(label, tables().ilm.label_space()); !s.ok()) return s;
  if (entry.action == IlmAction::kSwap) return Status::failure("a swap is set with its NHLFE (set_ilm_swap)");
  if (entry.action == IlmAction::kNone) return Status::failure("an ILM entry needs an action (clear_ilm removes one)");
  if (entry.action == IlmAction::kPopToIsp && isp_by_index(uint16_t(entry.argument)) == nullptr)
    return Status::failure("label " + std::to_string(label) + ": no ISP at index " + std::to_string(entry.argument));
  IlmState wanted{entry.action, std::nullopt, source, entry.argument};
  return change_wanted(ilm_wanted_[label], source, std::optional(wanted), [&] { return install_ilm(label); });
}

Status Rib::set_ilm_swap(uint32_t label, const NhlfeSpec& out, EntrySource source) {
  if (Status s = check_local_label(label, tables().ilm.label_space()); !s.ok()) return s;
  if (Status s = check_nhlfe(out, NhlfeUse::kSwap); !s.ok()) return s;
  IlmState wanted{IlmAction::kSwap, out, source, 0};
  return change_wanted(ilm_wanted_[label], source, std::optional(wanted), [&] { return install_ilm(label); });
}

Status Rib::set_ilm_pop_to_isp(uint32_t label, uint32_t isp_id, EntrySource source) {
  const IspState* isp = this->isp(isp_id);
  if (isp == nullptr) return Status::failure("no ISP " + std::to_string(isp_id));
  return set_ilm(label, {IlmAction::kPopToIsp, isp->index}, source);
}

Status Rib::clear_ilm(uint32_t label, EntrySource source) {
  if (label >= tables().ilm.label_space()) return Status::failure("label " + std::to_string(label) + " out of range");
  Status s = change_wanted(ilm_wanted_[label], source, std::optional<IlmState>(), [&] { return install_ilm(label); });
  if (auto it = ilm_wanted_.find(label); it != ilm_wanted_.end() && it->second.empty()) ilm_wanted_.erase(it);
  return s;
}

const IlmState* Rib::ilm_wanted(uint32_t label, EntrySource source) const {
  auto it = ilm_wanted_.find(label);
  if (it == ilm_wanted_.end()) return nullptr;
  auto from = it->second.find(source);
  return from == it->second.end() ? nullptr : &from->second;
}

std::vector<uint32_t> Rib::ilm_labels(EntrySource source) const {
  std::vector<uint32_t> labels;
  for (const auto& [label, wanted] : ilm_wanted_)
    if (wanted.count(source)) labels.push_back(label);
  return labels;
}

// ---------------------------------------------------------------- prefix FECs

Status Rib::install_prefix_fec(const IpPrefix& prefix) {
  PrefixFecState& fec = prefix_fecs_.at(prefix);
  Status s = install_nhlfe(fec.wanted, fec.installed, fec.source,
                           [&](uint32_t nhlfe) { fib_.set_prefix_ftn(fec.index, nhlfe); });
  if (s.ok() && !fec.installed) {  // nothing wanted any more: the prefix goes
    fib_.remove_prefix_fec(prefix);
    prefix_fec_used_[fec.index] = false;
    prefix_fecs_.erase(prefix);
  }
  return s;
}

Status Rib::set_prefix_fec(const IpPrefix& prefix, const NhlfeSpec& nhlfe, EntrySource source) {
  if (Status s = check_nhlfe(nhlfe, NhlfeUse::kPush); !s.ok()) return s;
  auto it = prefix_fecs_.find(prefix);
  if (it == prefix_fecs_.end()) {
    auto free_slot = std::find(prefix_fec_used_.begin(), prefix_fec_used_.end(), false);
    if (free_slot == prefix_fec_used_.end())
      return Status::failure("prefix FEC table full (" + std::to_string(prefix_fec_used_.size()) + ")");
    uint16_t index = uint16_t(free_slot - prefix_fec_used_.begin());
    // Its FTN entry is published before the prefix can lead to it.
    const NhlfeSpec installed = resolved(nhlfe);
    uint32_t nhlfe_index;
    if (Status s = publish_nhlfe(installed, &nhlfe_index); !s.ok()) return s;
    fib_.set_prefix_ftn(index, nhlfe_index);
    if (!fib_.add_prefix_fec(prefix, index)) {
      fib_.set_prefix_ftn(index, kNoNhlfe);
      return Status::failure("prefix FEC table full");
    }
    *free_slot = true;
    prefix_fecs_.emplace(prefix, PrefixFecState{index, {{source, nhlfe}}, installed, source});
    return Status::success();
  }
  return change_wanted(it->second.wanted, source, std::optional(nhlfe), [&] { return install_prefix_fec(prefix); });
}

Status Rib::clear_prefix_fec(const IpPrefix& prefix, EntrySource source) {
  auto it = prefix_fecs_.find(prefix);
  if (it == prefix_fecs_.end()) return Status::failure("no prefix FEC " + format_prefix(prefix));
  // The state may go with the last wish: the map is not touched after.
  std::map<EntrySource, NhlfeSpec> wanted = it->second.wanted;
  if (!wanted.count(source)) return Status::failure("no entry from " + std::string(entry_source_name(source)));
  it->second.wanted.erase(source);
  Status s = install_prefix_fec(prefix);
  if (!s.ok()) prefix_fecs_.at(prefix).wanted = wanted;
  return s;
}

}  // namespace aggr
