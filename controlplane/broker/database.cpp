#include "controlplane/broker/database.h"

#include <charconv>

namespace aggr::broker {

const std::string& Value::text() const {
  static const std::string empty;
  return text_ ? *text_ : empty;
}

int64_t Value::integer() const {
  int64_t v = 0;
  if (!text_) throw DatabaseError("an integer was expected, the column is NULL");
  const auto [end, error] = std::from_chars(text_->data(), text_->data() + text_->size(), v);
  if (error != std::errc() || end != text_->data() + text_->size())
    throw DatabaseError("an integer was expected, the column holds '" + *text_ + "'");
  return v;
}

std::unique_ptr<Database> open_database(const std::string& url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.rfind(kSqlite, 0) == 0) return open_sqlite(url.substr(kSqlite.size()));
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0 || url.find('=') != std::string::npos)
    return open_postgresql(url);
  throw DatabaseError("database '" + url + "': neither sqlite:PATH nor a PostgreSQL connection string");
}

}  // namespace aggr::broker
