#include "migrations/state_schema.h"

#include <cerrno>
#include <cstdlib>

namespace orchestrate {
namespace {

// ---- version 1: the tables as the releases up to fb88fd0 create them, word for word ----------

const char* const kJournalTablesV1[] = {
    "CREATE TABLE IF NOT EXISTS orchestrate_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS orchestrate_releases (version TEXT PRIMARY KEY, seq BIGINT NOT "
    "NULL, image TEXT NOT NULL, release_order TEXT NOT NULL, deployed_at TEXT NOT NULL, run_id "
    "BIGINT)",
    "CREATE TABLE IF NOT EXISTS orchestrate_migrations (id TEXT PRIMARY KEY, release TEXT NOT "
    "NULL, seq BIGINT NOT NULL, up_sql TEXT NOT NULL, up_sha256 TEXT NOT NULL, down_sql TEXT, "
    "down_sha256 TEXT, irreversible INTEGER NOT NULL, transactional INTEGER NOT NULL, applied_at "
    "TEXT NOT NULL, run_id BIGINT)",
    "CREATE TABLE IF NOT EXISTS orchestrate_seeds (id TEXT PRIMARY KEY, release TEXT NOT NULL, seq "
    "BIGINT NOT NULL, sql_sha256 TEXT NOT NULL, has_undo INTEGER NOT NULL, undo_sql TEXT, "
    "applied_at TEXT NOT NULL, run_id BIGINT)",
    "CREATE TABLE IF NOT EXISTS orchestrate_runs (id BIGINT PRIMARY KEY, kind TEXT NOT NULL, app "
    "TEXT NOT NULL, environment TEXT, fingerprint TEXT NOT NULL, from_version TEXT, to_version "
    "TEXT NOT NULL, actor TEXT NOT NULL, host TEXT, pid BIGINT, reason TEXT, command TEXT, status "
    "TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, error TEXT, step_count INTEGER NOT "
    "NULL)",
    "CREATE TABLE IF NOT EXISTS orchestrate_steps (run_id BIGINT NOT NULL, n INTEGER NOT NULL, "
    "kind TEXT NOT NULL, release TEXT NOT NULL, ref TEXT, status TEXT NOT NULL, attempts INTEGER "
    "NOT NULL, started_at TEXT, finished_at TEXT, error TEXT, spec TEXT NOT NULL, PRIMARY KEY "
    "(run_id, n))",
    // The row ledger (migrations/ledger.h): chunks of the rows each seed inserted, updated or
    // deleted, as JSON arrays; xid is the seed transaction's id on PostgreSQL.
    "CREATE TABLE IF NOT EXISTS orchestrate_ledger (id BIGINT PRIMARY KEY, seed_id TEXT NOT NULL, "
    "release TEXT NOT NULL, table_name TEXT NOT NULL, op TEXT NOT NULL, key_columns TEXT NOT "
    "NULL, column_names TEXT NOT NULL, row_count BIGINT NOT NULL, xid BIGINT, old_rows TEXT, "
    "new_rows TEXT, key_min BIGINT, key_max BIGINT)",
    "CREATE INDEX IF NOT EXISTS orchestrate_ledger_by_seed ON orchestrate_ledger (seed_id, id)",
    // The parts of each image swap (Deployer::SwapParts): started/done/failed, so that a resumed
    // swap runs exactly the parts not done.
    "CREATE TABLE IF NOT EXISTS orchestrate_swap_parts (run_id BIGINT NOT NULL, n INTEGER NOT "
    "NULL, part TEXT NOT NULL, status TEXT NOT NULL, at TEXT NOT NULL, error TEXT, PRIMARY KEY "
    "(run_id, n, part))",
    // PostgreSQL: transactions that gave rows back their old values during a reversal.
    "CREATE TABLE IF NOT EXISTS orchestrate_ledger_restores (table_name TEXT NOT NULL, xid BIGINT "
    "NOT NULL)",
};

// The run lock's holder (row id = 1); version 1 created it when the lock was first taken.
const char kLockTable[] =
    "CREATE TABLE IF NOT EXISTS orchestrate_lock (id INTEGER PRIMARY KEY, owner TEXT, host TEXT, "
    "pid BIGINT, command TEXT, since TEXT)";

// The snapshot catalog (snapshot/snapshot.h); version 1 created it at the first snapshot.
const char kSnapshotIndex[] =
    "CREATE TABLE IF NOT EXISTS orchestrate_snapshot_index (id BIGINT PRIMARY KEY, run_id BIGINT, "
    "step INTEGER, release TEXT, source TEXT, source_table TEXT NOT NULL, kind TEXT NOT NULL, "
    "key_columns TEXT NOT NULL, columns TEXT NOT NULL, row_count BIGINT NOT NULL, storage TEXT "
    "NOT NULL, created_at TEXT NOT NULL, restored_at TEXT, description TEXT NOT NULL)";
// Snapshot ids come from a counter of their own rather than MAX(id) + 1, so that an id is never
// given twice, even after the newest snapshots were pruned: `restore 7` always means one snapshot.
const char kSnapshotCounter[] =
    "CREATE TABLE IF NOT EXISTS orchestrate_snapshot_counter (id INTEGER PRIMARY KEY, last_id "
    "BIGINT NOT NULL)";

std::vector<std::string> JournalTablesV1(const Database&) {
  return {std::begin(kJournalTablesV1), std::end(kJournalTablesV1)};
}

// ---- version 2: the tables version 1 created on first use, created with the rest -------------

std::vector<std::string> CreatedOnFirstUseV2(const Database& db) {
  std::vector<std::string> out = {kLockTable};
  std::vector<std::string> catalog = SnapshotCatalogStatements(db);
  out.insert(out.end(), catalog.begin(), catalog.end());
  return out;
}

// Builds before fb88fd0 recorded version 1 without some of its tables: the step from 1 creates
// whatever of version 1 is missing before adding version 2's.
std::vector<std::string> UpgradeTo2(const Database& db) {
  std::vector<std::string> out = JournalTablesV1(db);
  std::vector<std::string> v2 = CreatedOnFirstUseV2(db);
  out.insert(out.end(), v2.begin(), v2.end());
  return out;
}

// ---- version 3: the schema each release left, and what rollbacks found different -----------

// orchestrate_release_schemas: the description of the user schema (Database::DescribeSchema, one
// object per line) right after each release was deployed, overwritten when it is deployed again.
// orchestrate_schema_checks: each time a rollback step reached a release whose live schema differs
// from that description, the differences (migrations/release_schema.h).
std::vector<std::string> ReleaseSchemasV3(const Database&) {
  return {
      "CREATE TABLE IF NOT EXISTS orchestrate_release_schemas (version TEXT PRIMARY KEY, "
      "schema_text TEXT NOT NULL, schema_sha256 TEXT NOT NULL, recorded_at TEXT NOT NULL, run_id "
      "BIGINT)",
      "CREATE TABLE IF NOT EXISTS orchestrate_schema_checks (run_id BIGINT NOT NULL, release TEXT "
      "NOT NULL, checked_at TEXT NOT NULL, differences TEXT NOT NULL, PRIMARY KEY (run_id, "
      "release))",
  };
}

// ---- version 4: statement-level checkpoints ---------------------------------------------------

// orchestrate_step_statements: for a step run statement by statement (on an engine whose DDL
// commits by itself; orchestrator/statement_steps.h), how far it got: the statements before
// next_statement (0-based) are done; in_flight, when not NULL, is a statement that commits by
// itself which was started and not recorded done (whether it took effect is read from the
// catalog on resume). One row per step of a run, like orchestrate_swap_parts.
std::vector<std::string> StepStatementsV4(const Database&) {
  return {
      "CREATE TABLE IF NOT EXISTS orchestrate_step_statements (run_id BIGINT NOT NULL, n INTEGER "
      "NOT NULL, next_statement INTEGER NOT NULL, in_flight INTEGER, at TEXT NOT NULL, PRIMARY KEY "
      "(run_id, n))",
  };
}

struct Version {
  int number;
  // On a fresh database, after the versions before it: what this version adds.
  std::vector<std::string> (*adds)(const Database&);
  // On a database recorded at number - 1; null for version 1 (a database without a version is
  // created fresh).
  std::vector<std::string> (*upgrade)(const Database&);
};

const Version kVersions[] = {
    {1, JournalTablesV1, nullptr},
    {2, CreatedOnFirstUseV2, UpgradeTo2},
    {3, ReleaseSchemasV3, ReleaseSchemasV3},
    {4, StepStatementsV4, StepStatementsV4},
};
static_assert(sizeof(kVersions) / sizeof(kVersions[0]) == kStateSchemaVersion,
              "one entry of kVersions per version, in order");

std::string Where(const Database& db) { return "the orchestrate_* tables in " + db.DisplayUrl(); }

// The version recorded, read in `txn`: 0 when none is.
Result<int> ReadVersion(Transaction& txn, const Database& db) {
  auto has = StateTableExists(txn, db, "orchestrate_meta");
  if (!has.ok()) return has.status().WithContext("looking for orchestrate's state tables");
  if (!*has) return 0;
  auto r = txn.Query("SELECT value FROM orchestrate_meta WHERE key = 'schema_version'");
  if (!r.ok()) return r.status().WithContext("reading the state schema version");
  if (r->rows.empty() || !r->rows[0][0]) return 0;
  const std::string& text = *r->rows[0][0];
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || v < 1 || v > 1000000)
    return Status::NeedsHuman(Where(db) + " record schema version '" + text +
                              "', which no orchestrate writes: repair orchestrate_meta by hand");
  return static_cast<int>(v);
}

Status Newer(const Database& db, int version) {
  return Status::NeedsHuman(Where(db) + " have schema version " + std::to_string(version) +
                            ", newer than this build knows (" +
                            std::to_string(kStateSchemaVersion) +
                            "): use a newer orchestrate; nothing was changed");
}

// Runs the statements as the dialect writes them (Database::StateDdl).
Status RunAll(Transaction& txn, const Database& db, const std::vector<std::string>& statements) {
  for (const std::string& sql : statements) ORCH_RETURN_IF_ERROR(txn.Exec(db.StateDdl(sql)));
  return Status::Ok();
}

// A write transaction holding the state schema lock, with the version read under it.
struct Locked {
  std::unique_ptr<Transaction> txn;
  int version = 0;
};

Result<Locked> BeginLocked(Database& db) {
  auto txn = db.Begin();
  if (!txn.ok()) return txn.status();
  Locked out;
  out.txn = std::move(txn).value();
  ORCH_RETURN_IF_ERROR(RunAll(*out.txn, db, db.StateSchemaLockStatements()));
  auto v = ReadVersion(*out.txn, db);
  if (!v.ok()) return v.status();
  out.version = *v;
  return out;
}

// Every version's tables and the newest version, in one transaction.
Status CreateFresh(Database& db) {
  auto locked = BeginLocked(db);
  if (!locked.ok()) return locked.status();
  Transaction& txn = *locked->txn;
  if (locked->version > kStateSchemaVersion) return Newer(db, locked->version);
  if (locked->version != 0) return Status::Ok();  // another process created it meanwhile
  for (const Version& v : kVersions) ORCH_RETURN_IF_ERROR(RunAll(txn, db, v.adds(db)));
  ORCH_RETURN_IF_ERROR(
      txn.Exec("INSERT INTO orchestrate_meta (key, value) VALUES ('schema_version', $1)",
               {std::to_string(kStateSchemaVersion)}));
  const Status st = txn.Commit();
  return st.ok() ? st : st.WithContext("cannot create the orchestrate_* state tables");
}

// The step to `to.number`, in a transaction of its own that records it.
Status Upgrade(Database& db, const Version& to) {
  auto locked = BeginLocked(db);
  if (!locked.ok()) return locked.status();
  Transaction& txn = *locked->txn;
  if (locked->version > kStateSchemaVersion) return Newer(db, locked->version);
  if (locked->version >= to.number) return Status::Ok();  // another process did it
  if (locked->version != to.number - 1)
    return Status::Failed(Where(db) + " are at schema version " + std::to_string(locked->version) +
                          ", not " + std::to_string(to.number - 1) + " as read a moment ago");
  ORCH_RETURN_IF_ERROR(RunAll(txn, db, to.upgrade(db)));
  ORCH_RETURN_IF_ERROR(
      txn.Exec("UPDATE orchestrate_meta SET value = $1 WHERE key = 'schema_version'",
               {std::to_string(to.number)}));
  const Status st = txn.Commit();
  return st.ok() ? st
                 : st.WithContext("cannot upgrade the orchestrate_* state tables to version " +
                                  std::to_string(to.number));
}

}  // namespace

Result<bool> StateTableExists(Transaction& txn, const Database& db, const std::string& table) {
  auto r = txn.Query(db.TableExistsQuery(), {table});
  if (!r.ok()) return r.status();
  return !r->rows.empty();
}

Result<int> StateSchemaVersion(Database& db) {
  auto txn = db.BeginRead();
  if (!txn.ok()) return txn.status();
  return ReadVersion(**txn, db);
}

Status EnsureStateSchema(Database& db) {
  auto current = StateSchemaVersion(db);  // without the lock: most runs stop here
  if (!current.ok()) return current.status();
  if (*current == kStateSchemaVersion) return Status::Ok();
  if (*current > kStateSchemaVersion) return Newer(db, *current);
  if (*current == 0) return CreateFresh(db);
  for (const Version& v : kVersions) {
    if (v.number <= *current) continue;
    ORCH_RETURN_IF_ERROR(Upgrade(db, v));
  }
  return Status::Ok();
}

std::vector<std::string> StateSchemaStatements(const Database& db) {
  std::vector<std::string> out;
  for (const Version& v : kVersions) {
    for (const std::string& sql : v.adds(db)) out.push_back(db.StateDdl(sql));
  }
  out.push_back("INSERT INTO orchestrate_meta (key, value) VALUES ('schema_version', '" +
                std::to_string(kStateSchemaVersion) + "') ON CONFLICT DO NOTHING");
  return out;
}

const std::string& LockTableStatement() {
  static const std::string kStatement = kLockTable;
  return kStatement;
}

std::vector<std::string> SnapshotCatalogStatements(const Database& db) {
  std::vector<std::string> out = db.StateNamespaceStatements();
  out.push_back(kSnapshotIndex);
  out.push_back(kSnapshotCounter);
  return out;
}

}  // namespace orchestrate
