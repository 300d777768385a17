// Graceful restart's saved state: bindings and FTN labels written and
// read back whole; a missing file is nothing saved; a damaged one an error.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/text_fixtures.h"
#include "controlplane/ldp/binding_store.h"
#include "tests/support/process.h"

namespace aggr::ldp {
namespace {

using test::prefix;

TEST(LdpBindingStore, WhatIsSavedReadsBackWhole) {
  const test::ScratchDir dir("ldp-store");
  const std::string path = dir.file("state.json");
  SavedBindings saved;
  saved.bindings[prefix("192.0.2.0/30")] = Binding{40, false, 3001, NextHop{prefix("10.0.23.2/32"), 1}};
  saved.bindings[prefix("2001:db8::/32")] = Binding{41, true, std::nullopt, std::nullopt};
  saved.next_hop_labels[prefix("192.0.2.4/30")] = NextHopLabel{17, NextHop{prefix("fd00:12::2/128"), 2}};
  ASSERT_TRUE(save_bindings(path, saved).ok());
  SavedBindings read;
  ASSERT_TRUE(load_bindings(path, &read).ok());
  EXPECT_EQ(read.bindings, saved.bindings);
  EXPECT_EQ(read.next_hop_labels, saved.next_hop_labels);
  // Nothing saved yet: nothing to restore, no error.
  EXPECT_TRUE(load_bindings(dir.file("none.json"), &read).ok());
  EXPECT_TRUE(read.empty());
  std::ofstream(dir.file("bad.json")) << "{\"bindings\": [{\"fec\": \"nonsense\"}]}";
  EXPECT_FALSE(load_bindings(dir.file("bad.json"), &read).ok());
  EXPECT_TRUE(read.empty());
}

}  // namespace
}  // namespace aggr::ldp
