// Fuzzes ${VAR} expansion (plans/expand.h) against a fixed set of variables, checking what the
// header promises: a failure points at a '$', text without '$' is unchanged, and an expansion is
// stable once nothing is left to expand.
#include <cstddef>
#include <cstdint>
#include <string>

#include "plans/expand.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace orchestrate;
  using namespace orchestrate::fuzz;
  const std::string text(reinterpret_cast<const char*>(data), size);
  size_t offset = text.size() + 1;
  Result<std::string> out = ExpandVars(text, FixedLookup(), &offset);
  if (!out.ok()) {
    Check(out.status().code() == Code::kInvalid, "expansion fails with kInvalid only");
    Check(offset < text.size() && text[offset] == '$', "the error offset points at a '$'");
    Check(offset + 1 < text.size() && text[offset + 1] == '{', "only ${ can fail");
    return 0;
  }
  Check(offset == text.size() + 1, "the error offset is untouched on success");
  if (text.find('$') == std::string::npos) Check(*out == text, "text without '$' is unchanged");
  // Without a lookup, text holding no "${" and no "$$" expands to itself.
  if (out->find("${") == std::string::npos && out->find("$$") == std::string::npos) {
    Result<std::string> again = ExpandVars(*out, VarLookup());
    Check(again.ok() && *again == *out, "an expanded text with nothing left to expand is stable");
  }
  return 0;
}
