#include "orchestrator/deployers/yaml_scalar.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace orchestrate::deployers {
namespace {

struct Line {
  size_t begin = 0;  // offset of the first byte
  size_t end = 0;    // offset of the '\n' (or '\r' before it), or of the end of the text
};

std::vector<Line> SplitLines(const std::string& text) {
  std::vector<Line> lines;
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    size_t stop = nl == std::string::npos ? text.size() : nl;
    size_t end = stop > at && text[stop - 1] == '\r' ? stop - 1 : stop;
    lines.push_back({at, end});
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return lines;
}

bool BlankOrComment(const std::string& s) {
  size_t i = s.find_first_not_of(' ');
  return i == std::string::npos || s[i] == '#';
}

bool NeedsQuotes(const std::string& v) {
  if (v.empty() || v.front() == ' ' || v.back() == ' ') return true;
  if (std::string("-?:,[]{}#&*!|>'\"%@`").find(v.front()) != std::string::npos) return true;
  if (v.find(": ") != std::string::npos || v.find(" #") != std::string::npos || v.back() == ':')
    return true;
  for (char c : v)
    if (static_cast<unsigned char>(c) < 0x20) return true;
  std::string lower = v;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".inf",
                           "-.inf", "+.inf", ".nan"})
    if (lower == word) return true;
  // A number (YAML 1.1 and 1.2 readers differ; anything number-like is quoted): "1.10" must not
  // become the float 1.1.
  size_t i = (v[0] == '+' || v[0] == '-') ? 1 : 0;
  if (lower.compare(i, 2, "0x") == 0 || lower.compare(i, 2, "0o") == 0) return true;
  bool digits = false, ok = i < v.size();
  for (; i < v.size() && ok; ++i) {
    char c = v[i];
    if (std::isdigit(static_cast<unsigned char>(c)))
      digits = true;
    else if (c != '.' && c != '_' && c != 'e' && c != 'E' && c != '+' && c != '-')
      ok = false;
  }
  return ok && digits;
}

std::string Quote(const std::string& v, char quote) {
  if (quote == '\'') {
    std::string out = "'";
    for (char c : v) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  }
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// A key at the start of `s` ("name:", "'name':", "\"name\":"): the key and the offset just past
// the colon, or false when `s` does not start with a mapping key.
bool ParseKey(const std::string& s, std::string* key, size_t* after) {
  if (s.empty()) return false;
  size_t i = 0;
  if (s[0] == '"' || s[0] == '\'') {
    size_t close = s.find(s[0], 1);
    if (close == std::string::npos) return false;
    *key = s.substr(1, close - 1);
    i = close + 1;
    if (i >= s.size() || s[i] != ':') return false;
  } else {
    size_t colon = 0;
    for (;;) {
      colon = s.find(':', colon);
      if (colon == std::string::npos) return false;
      if (colon + 1 == s.size() || s[colon + 1] == ' ') break;
      ++colon;
    }
    *key = s.substr(0, colon);
    while (!key->empty() && key->back() == ' ') key->pop_back();
    i = colon;
  }
  *after = i + 1;
  return true;
}

std::string Where(const std::string& file, int line) { return file + ":" + std::to_string(line); }

}  // namespace

Result<YamlScalar> FindYamlScalar(const std::string& text, const std::string& dotted_key,
                                  const std::string& file) {
  std::vector<std::string> path;
  for (size_t at = 0;;) {
    size_t dot = dotted_key.find('.', at);
    path.push_back(dotted_key.substr(at, dot == std::string::npos ? dot : dot - at));
    if (dot == std::string::npos) break;
    at = dot + 1;
  }
  for (const auto& p : path)
    if (p.empty())
      return Status::Invalid("the key '" + dotted_key + "' has an empty part: write it as a.b.c");

  std::vector<Line> lines = SplitLines(text);
  auto content = [&](size_t i) {
    return text.substr(lines[i].begin, lines[i].end - lines[i].begin);
  };
  // One document only: a later "---" would make "the key" ambiguous.
  bool seen_content = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string s = content(i);
    if (s.rfind("---", 0) == 0 || s.rfind("...", 0) == 0) {
      if (seen_content)
        return Status::Invalid(Where(file, static_cast<int>(i + 1)) +
                               ": the file holds several YAML documents; orchestrate edits only "
                               "single-document files");
      continue;
    }
    if (!BlankOrComment(s)) seen_content = true;
  }

  size_t from = 0, to = lines.size();
  int parent_indent = -1;
  std::string so_far;
  for (size_t part = 0; part < path.size(); ++part) {
    int child_indent = -1;
    size_t found = to;
    bool merge = false;
    size_t block_end = to;
    for (size_t i = from; i < to; ++i) {
      std::string s = content(i);
      if (BlankOrComment(s) || s.rfind("---", 0) == 0) continue;
      size_t indent = s.find_first_not_of(' ');
      if (s[indent] == '\t')
        return Status::Invalid(Where(file, static_cast<int>(i + 1)) +
                               ": a tab in the indentation: indent with spaces");
      if (static_cast<int>(indent) <= parent_indent) {
        block_end = i;
        break;
      }
      if (child_indent < 0) child_indent = static_cast<int>(indent);
      if (static_cast<int>(indent) != child_indent) continue;
      if (s.compare(indent, 2, "- ") == 0 || s.substr(indent) == "-")
        return Status::Invalid(Where(file, static_cast<int>(i + 1)) + ": '" +
                               (so_far.empty() ? "(the top level)" : so_far) +
                               "' is a list, not a mapping: the key '" + dotted_key +
                               "' cannot go through it");
      std::string key;
      size_t after = 0;
      if (!ParseKey(s.substr(indent), &key, &after)) continue;
      if (key == "<<") merge = true;
      if (key != path[part]) continue;
      if (found != to)
        return Status::Invalid(Where(file, static_cast<int>(i + 1)) + ": the key '" + path[part] +
                               "' appears twice (also on line " + std::to_string(found + 1) +
                               "): keep one");
      found = i;
    }
    std::string name = so_far.empty() ? path[part] : so_far + "." + path[part];
    if (found == to)
      return Status::Invalid(file + ": no key '" + name + "'" +
                             (merge ? " (a '<<' merge key is there: orchestrate does not follow "
                                      "merges; write the key out)"
                                    : "") +
                             ": add it, or fix the deployer's 'key'");
    std::string s = content(found);
    std::string key;
    size_t after = 0;
    ParseKey(s.substr(static_cast<size_t>(child_indent)), &key, &after);
    size_t vstart = static_cast<size_t>(child_indent) + after;
    while (vstart < s.size() && s[vstart] == ' ') ++vstart;
    int line_no = static_cast<int>(found + 1);
    char first = vstart < s.size() ? s[vstart] : '\0';
    bool nothing = first == '\0' || first == '#';
    auto refuse = [&](const std::string& why) {
      return Status::Invalid(Where(file, line_no) + ": '" + name + "' " + why +
                             "; orchestrate edits only a plain or quoted value on the key's line "
                             "in block style: rewrite that part of the file");
    };
    if (first == '{' || first == '[') return refuse("is written in flow style");
    if (first == '&') return refuse("carries an anchor");
    if (first == '*') return refuse("is an alias");
    if (first == '!') return refuse("carries a tag");
    if (part + 1 < path.size()) {
      if (!nothing) return refuse("holds a value, not a mapping");
      from = found + 1;
      to = block_end;
      parent_indent = child_indent;
      so_far = name;
      continue;
    }
    if (nothing) return refuse("has no value on its line (a mapping or a multi-line value)");
    if (first == '|' || first == '>') return refuse("is a block scalar");
    YamlScalar out;
    out.line = line_no;
    out.begin = lines[found].begin + vstart;
    size_t close = 0;
    if (first == '"' || first == '\'') {
      out.quote = first;
      size_t i = vstart + 1;
      for (; i < s.size(); ++i) {
        char c = s[i];
        if (first == '\'' && c == '\'') {
          if (i + 1 < s.size() && s[i + 1] == '\'') {
            out.value += '\'';
            ++i;
            continue;
          }
          break;
        }
        if (first == '"' && c == '"') break;
        if (first == '"' && c == '\\' && i + 1 < s.size()) {
          char e = s[++i];
          if (e == 'n')
            out.value += '\n';
          else if (e == 't')
            out.value += '\t';
          else if (e == '"' || e == '\\' || e == '/')
            out.value += e;
          else
            return refuse("uses an escape sequence orchestrate does not rewrite");
          continue;
        }
        out.value += c;
      }
      if (i >= s.size()) return refuse("has a quoted value that goes on past its line");
      close = i + 1;
      size_t rest = s.find_first_not_of(' ', close);
      if (rest != std::string::npos && s[rest] != '#')
        return refuse("has text after its quoted value");
    } else {
      size_t hash = s.find(" #", vstart);
      close = hash == std::string::npos ? s.size() : hash;
      while (close > vstart && s[close - 1] == ' ') --close;
      out.value = s.substr(vstart, close - vstart);
    }
    out.end = lines[found].begin + close;
    // A plain value that continues on the next, deeper-indented line is a multi-line scalar.
    for (size_t i = found + 1; i < lines.size(); ++i) {
      std::string next = content(i);
      if (BlankOrComment(next)) continue;
      if (static_cast<int>(next.find_first_not_of(' ')) > child_indent)
        return refuse("continues on the next line");
      break;
    }
    return out;
  }
  return Status::Invalid("the key '" + dotted_key + "' is empty");
}

Result<std::string> ReplaceYamlScalar(const std::string& text, const std::string& dotted_key,
                                      const std::string& value, const std::string& file) {
  auto found = FindYamlScalar(text, dotted_key, file);
  if (!found.ok()) return found.status();
  std::string written = found->quote != 0    ? Quote(value, found->quote)
                        : NeedsQuotes(value) ? Quote(value, '"')
                                             : value;
  return text.substr(0, found->begin) + written + text.substr(found->end);
}

}  // namespace orchestrate::deployers
