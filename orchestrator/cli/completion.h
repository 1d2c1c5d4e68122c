// What the command line offers beyond parsing, built from the parsed-flag definitions themselves
// (CLI11's App) so that it can never list a command or flag that does not exist:
//   - shell completion scripts (`orchestrate completion bash|zsh|fish`);
//   - "did you mean ...?" for a mistyped command or flag;
//   - the man page (`orchestrate manpage`, installed as orchestrate(1)).
// Only cli/main.cc and cli/completion.cc include CLI11; this header only names its App.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace orchestrate::cli {

// The completion script for `shell` ("bash", "zsh" or "fish") of the program `app` describes:
// its commands, and each command's options (also the global ones before the command). "" for
// another shell.
std::string CompletionScript(const CLI::App& app, const std::string& shell);

// The man page (roff, section 1) of the program `app` describes: its description and footer, then
// each command with its help and options. `version` is the program's, e.g. "0.1.0".
std::string ManPage(const CLI::App& app, const std::string& version);

// The closest of `candidates` to `word` when it is close enough to be a typo (at most a third of
// its letters edited, and at most 3), else "". Ties go to the first candidate.
std::string ClosestMatch(const std::string& word, const std::vector<std::string>& candidates);

// A hint for the arguments `args` (argv without the program) that failed to parse: "did you mean
// `rollback`?" for a word in command position that names no command, "did you mean `--reason`?"
// for a flag the command (or, before it, the program) does not have; "" when nothing is close.
std::string DidYouMean(const CLI::App& app, const std::vector<std::string>& args);

}  // namespace orchestrate::cli
