// The broker's one storage interface: what the contracts and the billing
// ledger need of a SQL database, written once against it and run on SQLite
// (embedded, the default) or PostgreSQL (for operators with many routers
// and a replicated database).
//
// Statements are written in the SQL both speak, with $1, $2, ... as
// parameters. Every change happens inside transaction(): it commits when
// the body returns and rolls back when it throws, so a state and its side
// effects in the ledger are written together or not at all.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace aggr::broker {

// A parameter or a column value: SQL NULL, an integer or text.
class Value {
 public:
  Value() = default;  // NULL
  Value(int64_t v) : text_(std::to_string(v)) {}
  Value(int v) : text_(std::to_string(v)) {}
  Value(uint64_t v) : text_(std::to_string(v)) {}
  Value(bool v) : text_(v ? "1" : "0") {}
  Value(std::string v) : text_(std::move(v)) {}
  Value(const char* v) : text_(std::string(v)) {}
  static Value from_optional(std::optional<std::string> text) {
    Value v;
    v.text_ = std::move(text);
    return v;
  }

  bool null() const { return !text_.has_value(); }
  // The text of a non-NULL value ("" for NULL).
  const std::string& text() const;
  // The integer it holds; throws DatabaseError if it holds none.
  int64_t integer() const;

 private:
  std::optional<std::string> text_;
};

using Row = std::vector<Value>;

struct DatabaseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A transaction's statements.
class Sql {
 public:
  virtual ~Sql() = default;
  // The number of rows the statement changed.
  virtual int64_t execute(std::string_view statement, const std::vector<Value>& parameters = {}) = 0;
  virtual std::vector<Row> query(std::string_view statement, const std::vector<Value>& parameters = {}) = 0;
};

class Database {
 public:
  virtual ~Database() = default;
  // Runs body as one transaction, serialized with every other one of this
  // process; returns once it is committed. Throws DatabaseError (or what
  // body throws) after its changes are rolled back. SQLite commits the
  // bodies that wait meanwhile together (group commit), each atomic alone.
  virtual void transaction(const std::function<void(Sql&)>& body) = 0;
  // "sqlite" or "postgresql".
  virtual std::string_view kind() const = 0;
  // Makes this connection the store's one writer for as long as it lives:
  // a second broker on the same store is refused instead of writing beside
  // the first. Throws DatabaseError when another holds it.
  virtual void claim_sole_writer() = 0;
};

// "sqlite:PATH" (WAL, synchronous=FULL) or a PostgreSQL connection string
// ("postgresql://..." or "host=... dbname=..."). Throws DatabaseError.
std::unique_ptr<Database> open_database(const std::string& url);
std::unique_ptr<Database> open_sqlite(const std::string& path);
std::unique_ptr<Database> open_postgresql(const std::string& connection);

}  // namespace aggr::broker
