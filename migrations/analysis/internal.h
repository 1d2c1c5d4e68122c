// Internals of the statement analyzer shared by its .cc files. Not part of the module's surface:
// include migrations/analysis/analysis.h instead.
#pragma once

#include <cstddef>
#include <string>

#include "migrations/analysis/analysis.h"

namespace orchestrate {
namespace analysis_internal {

// The two dialects' analyzers behind AnalyzeScript.
ScriptAnalysis AnalyzePostgres(const std::string& script, SchemaFacts* facts);
// `split_dialect` kMysql: MySQL's statements (split by its rules), scanned by the same
// conservative scanner; a statement whose quoting it cannot read is not analysable.
ScriptAnalysis AnalyzeSqlite(const std::string& script, Dialect split_dialect = Dialect::kSqlite);

// MySQL's own forms and locks, after AnalyzeSqlite(script, kMysql) analysed `s` (mysql_ddl.cc).
void RefineMysql(StatementAnalysis& s);

// Appends `table` to `s.tables` unless it is empty or already there.
void AddTable(StatementAnalysis& s, const std::string& table);
// Raises `s.lock` to `level` when `level` is stronger.
void RaiseLock(StatementAnalysis& s, LockLevel level);
// Records that `s` locks `relation` (or, when it is empty, the relation `unknown` describes) in
// `mode`: one entry per relation, raised to the strongest mode; raises `s.lock` too. An entry
// taken only when rows are written stays so only while every mode recorded for it is.
void LockRelation(StatementAnalysis& s, const std::string& relation, LockLevel mode,
                  bool when_rows_written = false, const std::string& unknown = "");
// Marks `s` as destroying data and appends `what` ("; "-separated) to `s.destroys`.
void AddDestroys(StatementAnalysis& s, const std::string& what);
// Marks `s` as not understood: not analysable, destroys data, `why` in `s.destroys`.
void MarkNotAnalysable(StatementAnalysis& s, const std::string& why);
// The first `max_words` words of `text` in upper case, for the kind of a statement that is not
// understood ("ALTER EXTENSION").
std::string LeadingKeywords(const std::string& text, int max_words);
// `text` in ASCII upper case.
std::string Upper(std::string text);

}  // namespace analysis_internal
}  // namespace orchestrate
