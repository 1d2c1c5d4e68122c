// Commands orchestrate prints for a person to paste (resume, force, unlock): complete, so that
// pasted as printed in the same folder they do what they say, in the same environment and
// database, with the same reason and flags as the run they belong to (DESIGN.md, protocol 6).
#pragma once

#include <string>
#include <vector>

#include "plans/status.h"

namespace orchestrate {

// `word` as one POSIX shell word: as it is when it holds only letters, digits and `-_./:=@%+,`;
// else in single quotes. `one_line` (for display): a word holding control characters is written
// as bash's $'...' (\n, \t, \xHH) instead, which ShellSplit does not read.
std::string ShellQuote(const std::string& word, bool one_line = false);
// Joins argv into one line a POSIX shell splits back into the same words: words holding anything
// but letters, digits and `-_./:=@%+,` are single-quoted.
std::string ShellJoin(const std::vector<std::string>& argv);
// Splits a line as a POSIX shell would (whitespace, '...', "..." with \" \\ \$ \`, and \x);
// no expansions. kInvalid for an unterminated quote.
Result<std::vector<std::string>> ShellSplit(const std::string& line);

// How a deploy or rollback was invoked: what a printed command must repeat.
struct Invocation {
  std::string plan_file;    // as the person gave it
  std::string environment;  // always repeated as --env, the default one too
  // A --database override, redacted (no password); empty when the environment's database is used.
  std::string database;
  // The run's own options, repeated by a resume: --reason R, --actor A, --approved F,
  // --allow-major, --accept-data-loss, --allow-outside-window.
  std::vector<std::string> options;

  // "orchestrate VERB PLAN --env E [--database D] EXTRA..." (no run options: for force, status).
  std::string Command(const std::string& verb, const std::vector<std::string>& extra = {}) const;
  // The whole command of a run: "orchestrate KIND PLAN --env E [--database D] --to V OPTIONS...".
  std::string RunCommand(const std::string& kind, const std::string& to_version) const;
  // What must be typed again because it is not stored: "" or a sentence about --database.
  std::string Note() const;
};

// The command that resumes a run from the command stored with it (`stored`, as RunCommand wrote
// it), with the plan file as this person names it. Runs recorded before commands were stored
// whole get one built from their fields.
std::string ResumeCommandOf(const std::string& stored, const std::string& plan_file,
                            const std::string& kind, const std::string& environment,
                            const std::string& to_version, const std::string& reason);

}  // namespace orchestrate
