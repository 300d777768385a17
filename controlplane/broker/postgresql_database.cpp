// PostgreSQL through libpqxx: one connection, SERIALIZABLE transactions
// (retried on a serialization failure, so a body must do nothing outside
// the database), statements prepared once per connection.
#include <map>
#include <mutex>
#include <pqxx/pqxx>

#include "controlplane/broker/database.h"

namespace aggr::broker {
namespace {

class PostgresqlSql final : public Sql {
 public:
  PostgresqlSql(pqxx::connection& connection, std::map<std::string, std::string, std::less<>>& prepared,
                pqxx::transaction_base& work)
      : connection_(connection), prepared_(prepared), work_(work) {}

  int64_t execute(std::string_view statement, const std::vector<Value>& parameters) override {
    return int64_t(run(statement, parameters).affected_rows());
  }

  std::vector<Row> query(std::string_view statement, const std::vector<Value>& parameters) override {
    const pqxx::result result = run(statement, parameters);
    std::vector<Row> rows;
    rows.reserve(result.size());
    for (const pqxx::row& r : result) {
      Row& row = rows.emplace_back();
      row.reserve(r.size());
      for (const pqxx::field& f : r) row.push_back(f.is_null() ? Value() : Value(std::string(f.c_str(), f.size())));
    }
    return rows;
  }

 private:
  pqxx::result run(std::string_view statement, const std::vector<Value>& parameters) {
    auto it = prepared_.find(statement);
    if (it == prepared_.end()) {
      const std::string name = "s" + std::to_string(prepared_.size());
      connection_.prepare(name, std::string(statement));
      it = prepared_.emplace(std::string(statement), name).first;
    }
    std::vector<const char*> values;
    values.reserve(parameters.size());
    for (const Value& v : parameters) values.push_back(v.null() ? nullptr : v.text().c_str());
    try {
      return work_.exec_prepared(it->second, pqxx::prepare::make_dynamic_params(values));
    } catch (const pqxx::serialization_failure&) {
      throw;
    } catch (const std::exception& e) {
      throw DatabaseError("PostgreSQL: " + std::string(statement) + ": " + e.what());
    }
  }

  pqxx::connection& connection_;
  std::map<std::string, std::string, std::less<>>& prepared_;
  pqxx::transaction_base& work_;
};

class PostgresqlDatabase final : public Database {
  static constexpr int64_t kWriterLock = 0x61676772;  // "aggr"

 public:
  explicit PostgresqlDatabase(const std::string& connection) try : connection_(connection) {
  } catch (const std::exception& e) {
    throw DatabaseError(std::string("PostgreSQL: connecting: ") + e.what());
  }

  void transaction(const std::function<void(Sql&)>& body) override {
    std::lock_guard lock(mutex_);
    for (int attempt = 1;; ++attempt) {
      try {
        pqxx::transaction<pqxx::serializable> work(connection_);
        PostgresqlSql sql(connection_, prepared_, work);
        body(sql);
        work.commit();
        return;
      } catch (const pqxx::serialization_failure&) {
        if (attempt == 5) throw DatabaseError("PostgreSQL: a transaction could not be serialized in 5 attempts");
      } catch (const pqxx::broken_connection& e) {
        throw DatabaseError(std::string("PostgreSQL: connection lost: ") + e.what());
      } catch (const pqxx::in_doubt_error& e) {
        throw DatabaseError(std::string("PostgreSQL: commit in doubt: ") + e.what());
      }
    }
  }

  std::string_view kind() const override { return "postgresql"; }

  // A session-level advisory lock, held while this connection lives.
  void claim_sole_writer() override {
    std::lock_guard lock(mutex_);
    try {
      pqxx::nontransaction work(connection_);
      if (!work.exec1("SELECT pg_try_advisory_lock(" + std::to_string(kWriterLock) + ")")[0].as<bool>())
        throw DatabaseError("PostgreSQL: the database is in use by another aggr-broker");
    } catch (const pqxx::failure& e) {
      throw DatabaseError(std::string("PostgreSQL: claiming the writer's lock: ") + e.what());
    }
  }

 private:
  std::mutex mutex_;
  pqxx::connection connection_;
  std::map<std::string, std::string, std::less<>> prepared_;
};

}  // namespace

std::unique_ptr<Database> open_postgresql(const std::string& connection) {
  return std::make_unique<PostgresqlDatabase>(connection);
}

}  // namespace aggr::broker
