// Internals of the statement splitter shared by its .cc files. Not part of the module's surface:
// include migrations/statement_split.h instead.
#pragma once

#include <cstddef>
#include <string>

#include "migrations/statement_split.h"

namespace orchestrate {
namespace split_internal {

// The dialects' splitters behind SplitScript. REQUIRES: `script` holds no NUL byte (kPostgres:
// and is valid UTF-8).
ScriptSplit SplitPostgres(const std::string& script);
ScriptSplit SplitSqlite(const std::string& script);
ScriptSplit SplitMysql(const std::string& script);

// Line numbers of offsets that mostly grow, in time linear in the text overall.
class LineCounter {
 public:
  explicit LineCounter(const std::string& text) : text_(text) {}
  int LineOf(std::size_t offset);  // 1-based

 private:
  const std::string& text_;
  std::size_t at_ = 0;  // line_ is the line of offset at_
  int line_ = 1;
};

// Makes `out` a failure: `error` at byte `offset` of `script`, no statements.
void Fail(ScriptSplit& out, const std::string& script, const std::string& error,
          std::size_t offset);
// Appends the statement script[begin, end) to `out`, unless it is empty.
void Add(ScriptSplit& out, LineCounter& lines, const std::string& script, std::size_t begin,
         std::size_t end);

}  // namespace split_internal
}  // namespace orchestrate
