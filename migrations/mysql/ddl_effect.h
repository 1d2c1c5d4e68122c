// Whether a MySQL/MariaDB DDL statement took effect, read from information_schema: how the
// executor decides a statement that was interrupted in flight (its "started" checkpoint written,
// its "done" one not; orchestrator/statement_steps.h) without running it twice or guessing.
//
// A statement is decided when what it changes is observable in the catalog:
//   CREATE TABLE t / CREATE VIEW v / CREATE INDEX i ON t   t (v, i on t) exists
//   DROP TABLE a, b / DROP VIEW a, b / DROP INDEX i ON t   none of them exists
//   RENAME TABLE a TO b, c TO d                            each old name is gone, each new exists
//   ALTER TABLE t clause, clause, ...                      every clause's fact holds:
//     ADD [COLUMN] c, ADD COLUMN (c, d)                     the column exists
//     ADD INDEX|KEY|UNIQUE|FULLTEXT|SPATIAL name            the index exists
//     ADD [CONSTRAINT name] PRIMARY KEY|UNIQUE|FOREIGN KEY|CHECK   the index / constraint exists
//     DROP [COLUMN] c, DROP INDEX|KEY i, DROP PRIMARY KEY,
//     DROP FOREIGN KEY|CONSTRAINT|CHECK name                it is gone
//     RENAME COLUMN|INDEX|KEY a TO b                        a is gone and b exists
//     RENAME [TO] u (alone)                                 t is gone and u exists
//     ALGORITHM=..., LOCK=...                               (no fact of their own)
// Applied when every fact holds, not applied when none does. CREATE OR REPLACE always runs again
// (the old object cannot be told from the new one). Another statement that runs again
// harmlessly (IF [NOT] EXISTS on every part, CREATE OR REPLACE) whose facts do not all hold runs
// again. Undecided: facts that disagree otherwise (a multi-clause ALTER half seen), a clause or
// statement whose effect is not in the catalog (MODIFY, CHANGE, ALTER COLUMN, TRUNCATE, GRANT,
// an unnamed index or constraint, a swap of names in one RENAME ...): a human decides.
#pragma once

#include <string>
#include <vector>

#include "migrations/database.h"

namespace orchestrate::mysql {

// One thing the catalog can tell.
struct CatalogFact {
  enum class Kind { kTable, kView, kColumn, kIndex, kConstraint };
  Kind kind = Kind::kTable;
  std::string schema;       // "" for the connection's database
  std::string table;        // the table or view itself for kTable and kView
  std::string name;         // the column, index or constraint
  bool present = true;      // what the catalog shows once the statement took effect
  std::string str() const;  // "column points of customers", "table orders"
};

// What deciding `statement` takes, from its text alone (pure; for tests).
struct EffectFacts {
  std::vector<CatalogFact> facts;
  bool reruns_harmlessly = false;  // IF [NOT] EXISTS on every part, or CREATE OR REPLACE
  bool replaces = false;           // CREATE OR REPLACE: always runs again
  std::string undecidable;         // not empty: why the catalog cannot tell
};
EffectFacts FactsOf(const std::string& statement);

// Reads the facts of `statement` in `txn` and decides.
Result<StatementEffect> ReadEffect(Transaction& txn, const std::string& statement);

}  // namespace orchestrate::mysql
