// Reading and replacing ONE scalar value in a YAML file's text without touching anything else:
// comments, key order, quoting and blank lines of a GitOps values file belong to the people who
// edit it, and a commit that only changes `tag:` is one a reviewer can read at a glance.
// (yaml-cpp re-emits a whole document and drops every comment, so it is not used to write.)
//
// Supported: block mappings nested by indentation (spaces), the value on the key's line, plain,
// 'single' or "double" quoted, optionally followed by a comment. Refused, with a message naming
// the line: flow style ({...}, [...]) on the path, anchors, aliases and tags at the key, block
// scalars (| and >), a key that appears twice, tabs in indentation, several documents.
#pragma once

#include <string>

#include "plans/status.h"

namespace orchestrate::deployers {

struct YamlScalar {
  std::string value;  // unquoted
  int line = 0;       // 1-based
  size_t begin = 0;   // byte range of the value as written (quotes included) in the text
  size_t end = 0;
  char quote = 0;  // '\'', '"' or 0 for plain
};

// Finds the scalar at `dotted_key` ("image.tag"). kInvalid naming `file`:line when the path is
// missing or uses a form listed above as refused.
Result<YamlScalar> FindYamlScalar(const std::string& text, const std::string& dotted_key,
                                  const std::string& file);

// `text` with the scalar at `dotted_key` replaced by `value`, quoted as the old one was (a plain
// value that would read as a number, boolean or null, or holds YAML syntax, is double-quoted).
Result<std::string> ReplaceYamlScalar(const std::string& text, const std::string& dotted_key,
                                      const std::string& value, const std::string& file);

}  // namespace orchestrate::deployers
