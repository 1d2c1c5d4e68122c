// Internal to the MySQL/MariaDB adapter: its LedgerDialect (migrations/ledger/dialect.h).
//
// Capture: MySQL has no temporary or statement-level triggers, and CREATE/DROP TRIGGER commit by
// themselves. So before the seed's SQL (while its transaction has written nothing yet) row
// triggers are created on every user table, armed only in the seed's own session by the session
// variable @orchestrate_ledger_seed (other sessions' writes pass through them untouched): on a
// declared table they stage the row images as JSON in orchestrate_ledger_stage (InnoDB, so the
// staged rows commit or roll back with the seed); on any other table they refuse the write. At
// the end of the seed the staged rows are grouped into chunks by one INSERT ... SELECT, in the
// seed's transaction. The triggers are dropped and the variable cleared once the transaction
// has ended (Transaction::ExecWhenFinished); triggers a crash left behind do nothing (unarmed)
// and are dropped by the next capture, and the schema description leaves them out.
//
// Reversal: the chunk's rows are read with JSON_TABLE and joined to the table by key (the
// recorded rows first, STRAIGHT_JOIN, so that each is found through the key's index); "as the
// seed left it" compares the row with its recorded image (JSON_EQUALS). Values are written back
// from their JSON text, so columns whose values JSON cannot carry exactly (binary strings, BIT,
// spatial types) are refused when the seed starts: such a seed needs an `undo:`.
//
// Needs MariaDB 10.11 (JSON_TABLE, JSON_EQUALS, DELETE/UPDATE reading their own table in a
// subquery); Debian 12's mariadb-server is 10.11.
#pragma once

#include <memory>

#include "migrations/ledger/dialect.h"

namespace orchestrate {

std::unique_ptr<LedgerDialect> NewMysqlLedgerDialect(const Database& db);

}  // namespace orchestrate
