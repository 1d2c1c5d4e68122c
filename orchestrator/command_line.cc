#include "orchestrator/command_line.h"

#include <cctype>
#include <cstdio>

namespace orchestrate {
namespace {

bool PlainWord(const std::string& w) {
  if (w.empty()) return false;
  for (unsigned char c : w)
    if (!std::isalnum(c) &&
        std::string("-_./:=@%+,").find(static_cast<char>(c)) == std::string::npos)
      return false;
  return true;
}

}  // namespace

std::string ShellQuote(const std::string& w, bool one_line) {
  if (PlainWord(w)) return w;
  bool control = false;
  for (char c : w) control = control || (one_line && static_cast<unsigned char>(c) < 0x20);
  if (!control) {
    std::string out = "'";
    for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }
  // $'...' keeps a multi-line word (a commit message) on one line.
  std::string out = "$'";
  for (char c : w) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\' || c == '\'') {
      out += std::string("\\") + c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string ShellJoin(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& w : argv) out += (out.empty() ? "" : " ") + ShellQuote(w);
  return out;
}

Result<std::vector<std::string>> ShellSplit(const std::string& line) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(word);
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      size_t end = line.find('\'', i + 1);
      if (end == std::string::npos) return Status::Invalid("unterminated ' in: " + line);
      word += line.substr(i + 1, end - i - 1);
      i = end;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i >= line.size()) return Status::Invalid("unterminated \" in: " + line);
        if (line[i] == '"') break;
        if (line[i] == '\\' && i + 1 < line.size() &&
            std::string("\"\\$`").find(line[i + 1]) != std::string::npos)
          ++i;
        word += line[i];
      }
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
    } else {
      word += c;
    }
  }
  if (in_word) out.push_back(word);
  return out;
}

std::string Invocation::Command(const std::string& verb,
                                const std::vector<std::string>& extra) const {
  std::vector<std::string> argv{"orchestrate", verb, plan_file};
  if (!environment.empty()) argv.insert(argv.end(), {"--env", environment});
  if (!database.empty()) argv.insert(argv.end(), {"--database", database});
  argv.insert(argv.end(), extra.begin(), extra.end());
  return ShellJoin(argv);
}

std::string Invocation::RunCommand(const std::string& kind, const std::string& to_version) const {
  std::vector<std::string> extra{"--to", to_version};
  extra.insert(extra.end(), options.begin(), options.end());
  return Command(kind, extra);
}

std::string Invocation::Note() const {
  if (database.find("***") == std::string::npos) return "";
  return "the --database URL is shown without its password: give it again in full";
}

std::string ResumeCommandOf(const std::string& stored, const std::string& plan_file,
                            const std::string& kind, const std::string& environment,
                            const std::string& to_version, const std::string& reason) {
  auto argv = ShellSplit(stored);
  if (argv.ok() && argv->size() >= 3 && (*argv)[0] == "orchestrate" && (*argv)[1] == kind) {
    (*argv)[2] = plan_file;
    return ShellJoin(*argv);
  }
  Invocation inv{plan_file, environment, "", {}};
  if (!reason.empty()) inv.options = {"--reason", reason};
  return inv.RunCommand(kind, to_version);
}

}  // namespace orchestrate
