// SQLite: one connection, one writer. WAL with synchronous=FULL: a commit
// is on disk (WAL and fsync) before transaction() returns, so a crash just
// after loses nothing that was acknowledged.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <vector>

#include "controlplane/broker/database.h"

namespace aggr::broker {
namespace {

class SqliteSql final : public Sql {
 public:
  explicit SqliteSql(sqlite3* db) : db_(db) {}
  ~SqliteSql() override {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  }

  int64_t execute(std::string_view statement, const std::vector<Value>& parameters) override {
    sqlite3_stmt* s = bound(statement, parameters);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    }
    finish(s, rc, statement);
    return sqlite3_changes(db_);
  }

  std::vector<Row> query(std::string_view statement, const std::vector<Value>& parameters) override {
    sqlite3_stmt* s = bound(statement, parameters);
    std::vector<Row> rows;
    int rc;
    const int columns = sqlite3_column_count(s);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      Row& row = rows.emplace_back();
      row.reserve(columns);
      for (int c = 0; c < columns; ++c) {
        if (sqlite3_column_type(s, c) == SQLITE_NULL) {
          row.emplace_back();
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
          row.emplace_back(std::string(text, sqlite3_column_bytes(s, c)));
        }
      }
    }
    finish(s, rc, statement);
    return rows;
  }

  void run(const char* statement) {
    char* message = nullptr;
    if (sqlite3_exec(db_, statement, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string why = message ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      throw DatabaseError(std::string("SQLite: ") + statement + ": " + why);
    }
  }

 private:
  // Statements are prepared once and kept: the ledger runs the same few
  // over and over.
  sqlite3_stmt* bound(std::string_view statement, const std::vector<Value>& parameters) {
    auto it = statements_.find(statement);
    if (it == statements_.end()) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v3(db_, statement.data(), int(statement.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
          SQLITE_OK)
        throw DatabaseError("SQLite: " + std::string(statement) + ": " + sqlite3_errmsg(db_));
      it = statements_.emplace(std::string(statement), s).first;
    }
    sqlite3_stmt* s = it->second;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    // $1, $2, ... are named parameters to SQLite: bound by name, so that
    // one may appear twice or out of order.
    for (size_t i = 0; i < parameters.size(); ++i) {
      const int index = sqlite3_bind_parameter_index(s, ("$" + std::to_string(i + 1)).c_str());
      if (index == 0) continue;
      const Value& v = parameters[i];
      const int rc = v.null() ? sqlite3_bind_null(s, index)
                              : sqlite3_bind_text(s, index, v.text().data(), int(v.text().size()), SQLITE_TRANSIENT);
      if (rc != SQLITE_OK) throw DatabaseError(std::string("SQLite: binding a parameter: ") + sqlite3_errmsg(db_));
    }
    return s;
  }

  void finish(sqlite3_stmt* s, int rc, std::string_view statement) {
    if (rc != SQLITE_DONE) {
      const std::string why = sqlite3_errmsg(db_);
      sqlite3_reset(s);
      throw DatabaseError("SQLite: " + std::string(statement) + ": " + why);
    }
    sqlite3_reset(s);
  }

  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(const std::string& path) : path_(path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw DatabaseError("SQLite: opening " + path + ": " + why);
    }
    sql_ = std::make_unique<SqliteSql>(db_);
    sql_->run("PRAGMA journal_mode=WAL");
    sql_->run("PRAGMA synchronous=FULL");
    sql_->run("PRAGMA foreign_keys=ON");
    sqlite3_busy_timeout(db_, 5000);
  }
  ~SqliteDatabase() override {
    sql_.reset();
    sqlite3_close(db_);
    if (lock_fd_ >= 0) close(lock_fd_);
  }

  // Group commit: the commit's fsync is most of a transaction's time, so
  // transactions that arrive while one commits wait and then commit
  // together. The first of them leads: it runs every waiting body in turn,
  // each in a savepoint of one SQLite transaction (a body that throws
  // leaves nothing behind, as alone), commits once and wakes the others.
  // Each caller returns only after the commit that holds its body.
  void transaction(const std::function<void(Sql&)>& body) override {
    Pending mine{&body, nullptr, false};
    std::unique_lock lock(queue_mutex_);
    queue_.push_back(&mine);
    committed_.wait(lock, [&] { return mine.done || !leading_; });
    if (!mine.done) {
      leading_ = true;
      std::vector<Pending*> batch;
      batch.swap(queue_);
      lock.unlock();
      run_together(batch);
      lock.lock();
      leading_ = false;
      for (Pending* p : batch) p->done = true;
      committed_.notify_all();
    }
    if (mine.error) std::rethrow_exception(mine.error);
  }

  std::string_view kind() const override { return "sqlite"; }

  // A lock file beside the database: SQLite's own locks serialize
  // transactions, not processes.
  void claim_sole_writer() override {
    if (lock_fd_ >= 0) return;
    const std::string path = path_ + ".lock";
    lock_fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd_ < 0) throw DatabaseError("SQLite: cannot open " + path + ": " + std::strerror(errno));
    if (flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      close(lock_fd_);
      lock_fd_ = -1;
      throw DatabaseError("SQLite: " + path_ + " is in use by another aggr-broker");
    }
  }

 private:
  struct Pending {
    const std::function<void(Sql&)>* body;
    std::exception_ptr error;
    bool done = false;
  };

  // Runs the bodies in order in one transaction and commits it; sets the
  // error of each body that threw, and of every body when the commit (or
  // the transaction) failed.
  void run_together(const std::vector<Pending*>& batch) {
    // IMMEDIATE: the write lock is taken at the start, so that a second
    // process on the same file waits instead of failing halfway.
    try {
      sql_->run("BEGIN IMMEDIATE");
    } catch (...) {
      for (Pending* p : batch) p->error = std::current_exception();
      return;
    }
    for (Pending* p : batch) {
      try {
        sql_->run("SAVEPOINT body");
        (*p->body)(*sql_);
        sql_->run("RELEASE body");
      } catch (...) {
        p->error = std::current_exception();
        // Some errors (a full disk, I/O) end the whole transaction: then
        // the bodies before this one are lost with it.
        if (sqlite3_get_autocommit(db_)) return fail_all(batch, "the transaction ended on an error");
        sqlite3_exec(db_, "ROLLBACK TO body; RELEASE body", nullptr, nullptr, nullptr);
      }
    }
    try {
      sql_->run("COMMIT");
    } catch (const DatabaseError& e) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      fail_all(batch, e.what());
    }
  }

  void fail_all(const std::vector<Pending*>& batch, const std::string& why) {
    const std::exception_ptr error = std::make_exception_ptr(DatabaseError("SQLite: " + why));
    for (Pending* p : batch)
      if (!p->error) p->error = error;
  }

  std::string path_;
  int lock_fd_ = -1;
  std::mutex queue_mutex_;
  std::condition_variable committed_;
  std::vector<Pending*> queue_;  // bodies waiting for the next commit
  bool leading_ = false;         // a caller is running a batch
  sqlite3* db_ = nullptr;
  std::unique_ptr<SqliteSql> sql_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& path) { return std::make_unique<SqliteDatabase>(path); }

}  // namespace aggr::broker
