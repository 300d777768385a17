// Aligned text tables in the style of FRR's vtysh: a header row, then one
// row per item; numbers right-aligned, text left-aligned.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace aggr::ctl {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace aggr::ctl
