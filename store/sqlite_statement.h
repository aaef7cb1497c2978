// Thin RAII wrappers over SQLite's C API: a connection (SqliteDb), a prepared statement
// (Statement), and the mapping of SQLite result codes to sharc Status codes.
//
// Threading: neither class is thread-safe; the owner uses a connection and its statements from
// one thread at a time. Ownership: a Statement borrows its connection, which must outlive it.
#ifndef SHARC_STORE_SQLITE_STATEMENT_H_
#define SHARC_STORE_SQLITE_STATEMENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sharc::store {

// Maps an SQLite (extended) result code and its message to a Status:
//   UNIQUE / PRIMARY KEY constraint      -> AlreadyExists
//   any other constraint (CHECK, ...)    -> FailedPrecondition
//   FULL, BUSY, LOCKED, IOERR, NOMEM,
//   CANTOPEN, READONLY, PROTOCOL          -> Unavailable  (the environment; retry may help)
//   anything else (CORRUPT, NOTADB, ...)  -> Internal
// The message is "<context>: <sqlite message>". Precondition: `code` is an error code.
Status SqliteStatus(int code, std::string_view sqlite_message, std::string_view context);

// True when `status` came from a constraint violation (see SqliteStatus): an error of the
// mutation that caused it rather than of the database or the transaction.
bool IsConstraintViolation(const Status& status);

// An open connection. Move-only; closes the connection when destroyed.
class SqliteDb {
 public:
  SqliteDb() = default;
  // Opens (creating if missing) the database file at `path` for reading and writing, or with
  // `read_only` an existing file for reading only, with extended result codes. Unavailable,
  // naming the path, if SQLite cannot open it. Opening reads nothing: a file that is not a
  // database is only noticed by the first statement.
  static StatusOr<SqliteDb> Open(const std::string& path, bool read_only = false);

  SqliteDb(SqliteDb&& other) noexcept;
  SqliteDb& operator=(SqliteDb&& other) noexcept;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  // Closes now; statements prepared on it must have been destroyed. Idempotent.
  void Close();

  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

  // Runs `sql` (one or more statements, no parameters, results ignored). Only for constant
  // SQL (schema, pragmas with constant values); never for data.
  Status Exec(const std::string& sql, std::string_view context);

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement, kept for reuse. Typical use:
//   stmt.BindInt(1, id).BindText(2, record);   // parameters are 1-based
//   Status s = stmt.Run("writing job 7");       // steps to completion, then resets
// or, for queries, Step() until it returns false, reading columns, then Reset().
class Statement {
 public:
  Statement() = default;
  // Prepares `sql` (exactly one statement). `persistent` hints SQLite that the statement is
  // kept and reused many times.
  static StatusOr<Statement> Prepare(sqlite3* db, std::string_view sql, bool persistent);

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Bindings copy nothing: text must stay alive and unchanged until Run or Reset.
  Statement& BindInt(int index, int64_t value);
  Statement& BindText(int index, std::string_view value);
  Statement& BindDouble(int index, double value);

  // Steps until SQLite reports DONE (rows are ignored), then resets and clears bindings.
  Status Run(std::string_view context);

  // Steps once: true if a row is ready, false when done. `*status` receives an error (and
  // Step returns false); it is left unchanged otherwise.
  bool Step(Status* status, std::string_view context);
  int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  // Valid until the next Step or Reset.
  std::string_view ColumnText(int column) const;
  // Ready for the next execution; clears bindings.
  void Reset();

 private:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace sharc::store

#endif  // SHARC_STORE_SQLITE_STATEMENT_H_
