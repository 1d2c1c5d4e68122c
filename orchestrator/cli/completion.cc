#include "orchestrator/cli/completion.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <set>

namespace orchestrate::cli {
namespace {

// An option as completion offers it: its long names ("--to"), whether a value follows it, and the
// first line of its help.
struct Flag {
  std::vector<std::string> names;
  bool takes_value = false;
  std::string help;
};

struct Command {
  std::string name, help;
  std::vector<Flag> flags;
};

std::vector<Flag> FlagsOf(const CLI::App& app) {
  std::vector<Flag> out;
  for (const CLI::Option* opt : app.get_options()) {
    if (!opt->nonpositional()) continue;  // PLAN, FORMAT, ...: completed as files
    Flag f;
    for (const auto& l : opt->get_lnames()) f.names.push_back("--" + l);
    for (const auto& s : opt->get_snames()) f.names.push_back("-" + s);
    if (f.names.empty()) continue;
    f.takes_value = opt->get_items_expected_max() > 0;
    f.help = opt->get_description().substr(0, opt->get_description().find('\n'));
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<Command> CommandsOf(const CLI::App& app) {
  std::vector<Command> out;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    out.push_back({sub->get_name(), sub->get_description(), FlagsOf(*sub)});
  return out;
}

std::string Words(const std::vector<Flag>& flags) {
  std::string out;
  for (const auto& f : flags)
    for (const auto& n : f.names) out += (out.empty() ? "" : " ") + n;
  return out;
}

// `text` inside single quotes for fish (which reads \' and \\ there) or zsh's _arguments specs
// (where [ ] : would end the description: dropped or replaced).
std::string FishQuoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}
std::string ZshDescription(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '[') c = '(';
    if (c == ']') c = ')';
    if (c == ':') c = ',';
    if (c == '\'') {
      out += "'\\''";
      continue;
    }
    out += c;
  }
  return out;
}

std::string Bash(const CLI::App& app) {
  const std::vector<Command> commands = CommandsOf(app);
  std::string names;
  for (const auto& c : commands) names += (names.empty() ? "" : "|") + c.name;
  std::string all_names;
  for (const auto& c : commands) all_names += (all_names.empty() ? "" : " ") + c.name;
  // Options that take a value: the word after them is a value (a file, when completed at all).
  std::set<std::string> valued;
  for (const auto& f : FlagsOf(app))
    if (f.takes_value) valued.insert(f.names.begin(), f.names.end());
  for (const auto& c : commands)
    for (const auto& f : c.flags)
      if (f.takes_value) valued.insert(f.names.begin(), f.names.end());
  std::string valued_case;
  for (const auto& v : valued) valued_case += (valued_case.empty() ? "" : "|") + v;

  std::string s =
      "# bash completion for orchestrate: `source <(orchestrate completion bash)`, or save it as\n"
      "# /usr/share/bash-completion/completions/orchestrate\n"
      "_orchestrate() {\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= i\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    case ${COMP_WORDS[i]} in\n"
      "      " +
      names +
      ") cmd=${COMP_WORDS[i]}; break ;;\n"
      "    esac\n"
      "  done\n"
      "  case $prev in\n"
      "    " +
      valued_case +
      ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
      "  esac\n"
      "  local words\n"
      "  case $cmd in\n"
      "    '') words=\"" +
      Words(FlagsOf(app)) + " " + all_names + "\" ;;\n";
  for (const auto& c : commands) s += "    " + c.name + ") words=\"" + Words(c.flags) + "\" ;;\n";
  s += "  esac\n"
       "  if [[ -z $cmd || $cur == -* ]]; then\n"
       "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
       "  else\n"
       "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
       "  fi\n"
       "}\n"
       "complete -o filenames -o bashdefault -F _orchestrate orchestrate\n";
  return s;
}

std::string ZshSpecs(const std::vector<Flag>& flags) {
  std::string out;
  for (const auto& f : flags) {
    for (const auto& n : f.names) {
      out += "    '" + n + "[" + ZshDescription(f.help) + "]" +
             (f.takes_value ? ":value:_files" : "") + "' \\\n";
    }
  }
  return out;
}

std::string Zsh(const CLI::App& app) {
  const std::vector<Command> commands = CommandsOf(app);
  std::string s =
      "#compdef orchestrate\n"
      "# zsh completion for orchestrate: `source <(orchestrate completion zsh)` after compinit, "
      "or\n"
      "# save it as _orchestrate in a folder of $fpath\n"
      "_orchestrate() {\n"
      "  local -a commands\n"
      "  commands=(\n";
  for (const auto& c : commands) s += "    '" + c.name + ":" + ZshDescription(c.help) + "'\n";
  s += "  )\n"
       "  local cmd= i\n"
       "  for ((i = 2; i < CURRENT; i++)); do\n"
       "    if (( ${+commands[(r)${words[i]}:*]} )); then cmd=${words[i]}; break; fi\n"
       "  done\n"
       "  if [[ -z $cmd ]]; then\n"
       "    _arguments \\\n" +
       ZshSpecs(FlagsOf(app)) +
       "      '*::command:->command'\n"
       "    [[ $state == command ]] && _describe 'command' commands\n"
       "    return\n"
       "  fi\n"
       "  case $cmd in\n";
  for (const auto& c : commands)
    s += "    " + c.name + ")\n      _arguments \\\n" + ZshSpecs(c.flags) +
         "        '*:file:_files' ;;\n";
  s += "  esac\n"
       "}\n"
       "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n"
       "  _orchestrate \"$@\"\n"
       "else\n"
       "  compdef _orchestrate orchestrate\n"
       "fi\n";
  return s;
}

std::string Fish(const CLI::App& app) {
  const std::vector<Command> commands = CommandsOf(app);
  std::string s =
      "# fish completion for orchestrate: `orchestrate completion fish | source`, or save it as\n"
      "# ~/.config/fish/completions/orchestrate.fish\n"
      "complete -c orchestrate -f\n";
  std::string all;
  for (const auto& c : commands) all += (all.empty() ? "" : " ") + c.name;
  for (const auto& c : commands)
    s += "complete -c orchestrate -n '__fish_use_subcommand' -a " + c.name + " -d " +
         FishQuoted(c.help) + "\n";
  auto flags = [&s](const std::vector<Flag>& list, const std::string& condition) {
    for (const auto& f : list) {
      for (const auto& n : f.names) {
        s += "complete -c orchestrate -n " + condition +
             (n.rfind("--", 0) == 0 ? " -l " + n.substr(2) : " -s " + n.substr(1)) + " -d " +
             FishQuoted(f.help) + (f.takes_value ? " -r -F" : "") + "\n";
      }
    }
  };
  flags(FlagsOf(app), "'__fish_use_subcommand'");
  for (const auto& c : commands) {
    const std::string in = "'__fish_seen_subcommand_from " + c.name + "'";
    flags(c.flags, in);
    s += "complete -c orchestrate -n " + in + " -F\n";  // the plan file
  }
  return s;
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// `text` for roff: backslashes and leading dots or quotes escaped, dashes as minus signs.
std::string Roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
    line_start = c == '\n';
  }
  return out;
}

void RoffFlags(std::string& s, const std::vector<Flag>& flags) {
  for (const auto& f : flags) {
    std::string names;
    for (const auto& n : f.names) names += (names.empty() ? "" : ", ") + n;
    s += ".TP\n\\fB" + Roff(names) + "\\fR" + (f.takes_value ? " \\fIVALUE\\fR" : "") + "\n" +
         Roff(f.help) + "\n";
  }
}

}  // namespace

std::string ManPage(const CLI::App& app, const std::string& version) {
  std::string s = ".TH ORCHESTRATE 1 \"\" \"orchestrate " + version +
                  "\" \"User Commands\"\n.SH NAME\norchestrate \\- roll back code, schema and data "
                  "together\n.SH SYNOPSIS\n\\fBorchestrate\\fR [\\fIOPTIONS\\fR] \\fICOMMAND\\fR "
                  "[\\fIPLAN\\fR] [\\fIOPTIONS\\fR]\n.SH DESCRIPTION\n";
  // Paragraphs (blank-line separated) as roff paragraphs.
  const std::string description = app.get_description();
  for (size_t from = 0; from < description.size();) {
    size_t end = description.find("\n\n", from);
    if (end == std::string::npos) end = description.size();
    s += (from ? "\n.PP\n" : "") + Roff(description.substr(from, end - from));
    from = end + 2;
  }
  s += "\n.SH OPTIONS\nThe common options, accepted before or after the "
       "command:\n";
  RoffFlags(s, FlagsOf(app));
  s += ".SH COMMANDS\n";
  for (const auto& c : CommandsOf(app)) {
    s += ".SS " + Roff(c.name) + "\n" + Roff(c.help) + "\n";
    RoffFlags(s, c.flags);
  }
  s += ".SH ENVIRONMENT AND COMPLETION\n" + Roff(app.get_footer()) + "\n";
  s += ".SH SEE ALSO\nThe README and docs/ of orchestrate (docs/manifest.md for the plan "
       "files).\n";
  return s;
}

std::string CompletionScript(const CLI::App& app, const std::string& shell) {
  if (shell == "bash") return Bash(app);
  if (shell == "zsh") return Zsh(app);
  if (shell == "fish") return Fish(app);
  return "";
}

std::string ClosestMatch(const std::string& word, const std::vector<std::string>& candidates) {
  const size_t allowed = std::min<size_t>(3, std::max<size_t>(1, word.size() / 3));
  std::string best;
  size_t best_distance = allowed + 1;
  for (const auto& c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

std::string DidYouMean(const CLI::App& app, const std::vector<std::string>& args) {
  const std::vector<Command> commands = CommandsOf(app);
  std::vector<std::string> names;
  for (const auto& c : commands) names.push_back(c.name);
  const Command* command = nullptr;
  for (const auto& a : args)
    for (const auto& c : commands)
      if (!command && a == c.name) command = &c;
  if (command == nullptr) {
    for (const auto& a : args) {
      if (a.empty() || a[0] == '-') continue;
      const std::string m = ClosestMatch(a, names);
      if (!m.empty()) return "did you mean `" + m + "`? (`orchestrate --help` lists the commands)";
    }
    return "";
  }
  std::vector<std::string> flags;
  for (const auto& f : FlagsOf(app)) flags.insert(flags.end(), f.names.begin(), f.names.end());
  for (const auto& f : command->flags) flags.insert(flags.end(), f.names.begin(), f.names.end());
  for (const auto& a : args) {
    if (a.size() < 2 || a[0] != '-') continue;
    const std::string flag = a.substr(0, a.find('='));
    if (std::find(flags.begin(), flags.end(), flag) != flags.end()) continue;
    // -to for --to: compared with a second dash too.
    std::string m = ClosestMatch(flag, flags);
    if (m.empty() && flag[1] != '-') m = ClosestMatch("-" + flag, flags);
    if (!m.empty())
      return "did you mean `" + m + "`? (`orchestrate " + command->name +
             " --help` lists its options)";
  }
  return "";
}

}  // namespace orchestrate::cli
