// The broker's tables, the same on SQLite and PostgreSQL.
#pragma once

#include "controlplane/broker/database.h"

namespace aggr::broker {

// Creates what is missing; existing tables and their rows stay.
void create_schema(Database& db);

}  // namespace aggr::broker
