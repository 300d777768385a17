// The forwarding graph's declarations held to the code: every drop reason
// the dataplane counts is declared by a node, next nodes form no cycle, and
// every node is reachable from where packets enter.
#include <gtest/gtest.h>

#include <set>

#include "dataplane/graph.h"

namespace aggr {
namespace {

TEST(GraphTest, NodesAreListedInIdOrderWithNames) {
  ASSERT_EQ(graph_nodes().size(), size_t(NodeId::kCount));
  std::set<std::string_view> names;
  for (size_t i = 0; i < graph_nodes().size(); ++i) {
    EXPECT_EQ(size_t(graph_nodes()[i].id), i);
    EXPECT_TRUE(names.insert(graph_nodes()[i].name).second) << graph_nodes()[i].name;
  }
}

TEST(GraphTest, EveryDropReasonIsSomeNodesDeclaredDrop) {
  std::set<DropReason> declared;
  for (const NodeDescriptor& node : graph_nodes()) declared.insert(node.drops.begin(), node.drops.end());
  for (unsigned r = 1; r < kDropReasonCount; ++r)
    EXPECT_TRUE(declared.count(DropReason(r))) << drop_reason_name(DropReason(r));
  EXPECT_FALSE(declared.count(DropReason::kNone));
}

bool has_cycle_from(NodeId id, std::vector<int>& state) {
  int& s = state[size_t(id)];
  if (s == 1) return true;
  if (s == 2) return false;
  s = 1;
  for (NodeId next : graph_nodes()[size_t(id)].next)
    if (has_cycle_from(next, state)) return true;
  s = 2;
  return false;
}

TEST(GraphTest, NextNodesFormNoCycleAndReachEveryNodeFromThePorts) {
  std::vector<int> state(size_t(NodeId::kCount), 0);
  for (const NodeDescriptor& node : graph_nodes()) EXPECT_FALSE(has_cycle_from(node.id, state)) << node.name;

  EXPECT_EQ(entry_node(PortRole::kAccess), NodeId::kAccessInput);
  EXPECT_EQ(entry_node(PortRole::kCore), NodeId::kMplsInput);
  EXPECT_EQ(entry_node(PortRole::kIsp), NodeId::kIspInput);
  std::set<NodeId> reached;
  std::vector<NodeId> todo = {entry_node(PortRole::kAccess), entry_node(PortRole::kCore),
                              entry_node(PortRole::kIsp)};
  while (!todo.empty()) {
    NodeId id = todo.back();
    todo.pop_back();
    if (!reached.insert(id).second) continue;
    for (NodeId next : graph_nodes()[size_t(id)].next) todo.push_back(next);
  }
  for (const NodeDescriptor& node : graph_nodes()) EXPECT_TRUE(reached.count(node.id)) << node.name;
  // Every path ends at output.
  for (const NodeDescriptor& node : graph_nodes())
    EXPECT_EQ(node.next.empty(), node.id == NodeId::kOutput) << node.name;
}

}  // namespace
}  // namespace aggr
