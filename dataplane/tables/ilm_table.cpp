#include "dataplane/tables/ilm_table.h"

namespace aggr {

IlmTable::IlmTable(uint32_t label_space)
    : size_(label_space), entries_(new std::atomic<uint64_t>[label_space]()) {}

}  // namespace aggr
