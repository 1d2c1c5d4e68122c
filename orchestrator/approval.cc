// The approval of a review script (orchestrator/review.h): its hash, and the comparison of an
// approved script with the one about to run (a unified diff numbered as the approved file; ledger
// chunks one by one; a resumed run step by step).
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>

#include "orchestrator/review.h"
#include "orchestrator/review_internal.h"
#include "plans/sha256.h"

namespace orchestrate {
namespace {

using namespace review_internal;  // NOLINT: the two files' shared constants

// Lines a reviewer sees that do not bind an approval: row estimates change with the data, and
// where things are (database URL, deployer path) changes from machine to machine.
const char* const kVolatilePrefixes[] = {"-- estimate:", "-- where:"};

bool IsVolatile(const std::string& line) {
  for (const char* p : kVolatilePrefixes)
    if (line.rfind(p, 0) == 0) return true;
  return false;
}

// A binding line with its 1-based line number in the script.
struct NumberedLine {
  size_t number;
  std::string text;
};

std::vector<NumberedLine> NumberedBindingLines(const std::string& script) {
  std::vector<NumberedLine> lines;
  std::istringstream in(script);
  std::string line;
  bool in_ledger = false;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line == kLedgerBegin) in_ledger = true;
    if (!in_ledger && !IsVolatile(line)) lines.push_back({number, line});
    if (line == kLedgerEnd) in_ledger = false;
  }
  return lines;
}

std::vector<std::string> BindingLines(const std::string& script) {
  std::vector<std::string> lines;
  for (auto& l : NumberedBindingLines(script)) lines.push_back(std::move(l.text));
  return lines;
}

// A unified diff of the binding lines, numbered as in each script (the approved file is the one
// the DBA holds): hunks with two lines of context, at most `max_lines` lines. Empty when the
// middle part that differs is too large to compare line by line (over 4M line pairs).
std::string UnifiedDiff(const std::vector<NumberedLine>& a, const std::vector<NumberedLine>& b,
                        size_t max_lines) {
  size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre].text == b[pre].text) ++pre;
  size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre &&
         a[a.size() - 1 - suf].text == b[b.size() - 1 - suf].text)
    ++suf;
  const size_t n = a.size() - pre - suf, m = b.size() - pre - suf;
  if (n * m > 4000000) return "";
  // Longest common subsequence of the middle parts, then the edit script: ' ', '-', '+'.
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      lcs[i][j] = a[pre + i].text == b[pre + j].text ? lcs[i + 1][j + 1] + 1
                                                     : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  struct Edit {
    char op;
    size_t ai, bi;  // indexes into a and b (of the line, or where it would be)
  };
  std::vector<Edit> edits;
  for (size_t k = 0; k < pre; ++k) edits.push_back({' ', k, k});
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[pre + i].text == b[pre + j].text) {
      edits.push_back({' ', pre + i++, pre + j++});
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      edits.push_back({'+', pre + i, pre + j++});
    } else {
      edits.push_back({'-', pre + i++, pre + j});
    }
  }
  for (size_t k = 0; k < suf; ++k) edits.push_back({' ', pre + n + k, pre + m + k});
  // Hunks: runs of changes at most three unchanged lines apart, with two lines of context.
  auto number = [](const std::vector<NumberedLine>& v, size_t idx) {
    return idx < v.size() ? v[idx].number : (v.empty() ? 1 : v.back().number + 1);
  };
  std::string out;
  size_t lines = 0;
  for (size_t k = 0; k < edits.size() && lines < max_lines; ++k) {
    if (edits[k].op == ' ') continue;
    size_t last = k;  // the last change of this hunk
    for (size_t e = k + 1; e < edits.size() && e <= last + 4; ++e)
      if (edits[e].op != ' ') last = e;
    const size_t start = k >= 2 ? k - 2 : 0, end = std::min(edits.size(), last + 3);
    size_t a_count = 0, b_count = 0;
    for (size_t e = start; e < end; ++e) {
      if (edits[e].op != '+') ++a_count;
      if (edits[e].op != '-') ++b_count;
    }
    out += "\n  @@ -" + std::to_string(number(a, edits[start].ai)) + "," + std::to_string(a_count) +
           " +" + std::to_string(number(b, edits[start].bi)) + "," + std::to_string(b_count) +
           " @@";
    for (size_t e = start; e < end && lines < max_lines; ++e, ++lines) {
      const std::string& text = edits[e].op == '+' ? b[edits[e].bi].text : a[edits[e].ai].text;
      out += "\n  " + std::string(1, edits[e].op) + text.substr(0, 160);
    }
    k = end - 1;
  }
  if (lines >= max_lines) out += "\n  ... (more differences: render the script and diff it)";
  return out;
}

// The value of a "-- key: value" header line, or "".
std::string HeaderValue(const std::vector<std::string>& lines, const std::string& key) {
  std::string prefix = "-- " + key + ": ";
  for (const auto& l : lines)
    if (l.rfind(prefix, 0) == 0) return l.substr(prefix.size());
  return "";
}

}  // namespace

std::string ApprovalHash(const std::string& script) {
  std::string canon;
  for (const auto& line : BindingLines(script)) canon += line + "\n";
  return "sha256:" + Sha256Hex(canon);
}

// The "-- ledger chunk" lines of a script: each names a chunk and the digest of its recorded data.
std::set<std::string> LedgerChunkLines(const std::string& script) {
  std::set<std::string> out;
  std::istringstream in(script);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("-- ledger chunk ", 0) == 0) out.insert(line);
  return out;
}

namespace {

// The binding lines of each step of a script, by the step's header line ("-- step n of N: ...");
// a step runs to the next one, or to the release of the run lock.
std::map<std::string, std::vector<std::string>> StepBlocks(const std::string& script) {
  std::map<std::string, std::vector<std::string>> out;
  std::vector<std::string>* block = nullptr;
  for (const std::string& line : BindingLines(script)) {
    if (line.rfind("-- step ", 0) == 0 && line.find(" of ") != std::string::npos) {
      block = &out[line];
      continue;
    }
    if (line == kLockReleased) block = nullptr;
    if (block) block->push_back(line);
  }
  return out;
}

// Each ledger chunk about to run, with the digest of the rows it writes back, is one the reviewer
// saw (the chunks are consumed as the reversal runs: a resumed run lists fewer).
Status CheckLedgerChunks(const std::string& approved, const std::string& current_script,
                         const std::string& again) {
  const std::set<std::string> seen = LedgerChunkLines(approved);
  for (const std::string& line : LedgerChunkLines(current_script))
    if (!seen.count(line))
      return Status::NeedsHuman(
          "the row ledger changed since the review: `" + line.substr(3) +
          "` is not in the approved script (its recorded rows were edited, or it is new); "
          "render the new SQL with `" +
          again + "` and have it reviewed");
  return Status::Ok();
}

// A resumed run records other bookkeeping than the run it resumes (it reopens the run instead of
// starting it) and only the steps not done: it matches an approval when each of its steps is, line
// for line, that step of the approved script, and the header says the same plan and database.
Status CheckResumedApproval(const std::string& approved, bool approved_is_hash,
                            const std::string& current_script, const std::string& again) {
  if (approved_is_hash)
    return Status::NeedsHuman(
        "the SQL about to run differs from what was approved as far as a hash can tell: this run "
        "resumes an earlier one, whose remaining steps can be checked against the approved script "
        "itself (--approved FILE), not its hash");
  auto a = BindingLines(approved);
  auto b = BindingLines(current_script);
  const char* const keys[] = {"app",      "direction",       "from", "to", "environment",
                              "database", "plan fingerprint"};
  for (const char* key : keys)
    if (HeaderValue(a, key) != HeaderValue(b, key))
      return Status::NeedsHuman(
          "the SQL about to run differs from what was approved: " + std::string(key) +
          ": approved " + HeaderValue(a, key) + ", now " + HeaderValue(b, key) +
          "\nrender the new SQL with `" + again + "` and have it reviewed");
  const auto held = StepBlocks(approved);
  for (const auto& [header, lines] : StepBlocks(current_script)) {
    auto it = held.find(header);
    if (it == held.end() || it->second != lines)
      return Status::NeedsHuman(
          "the SQL about to run differs from what was approved: `" + header.substr(3) + "` " +
          (it == held.end() ? "is not in the approved script" : "is not as approved") +
          " (this run resumes an earlier one; its remaining steps must be those approved)\n"
          "render the new SQL with `" +
          again + "` and have it reviewed");
  }
  return CheckLedgerChunks(approved, current_script, again);
}

}  // namespace

Status CheckApproval(const std::string& approved, bool approved_is_hash,
                     const std::string& current_script, const std::string& again) {
  if (current_script.find(std::string("\n") + kResumesPrefix) != std::string::npos)
    return CheckResumedApproval(approved, approved_is_hash, current_script, again);
  std::string current_hash = ApprovalHash(current_script);
  std::string approved_hash = approved_is_hash ? approved : ApprovalHash(approved);
  if (approved_hash == current_hash) {
    // The ledger chunks are consumed as the reversal runs (a resumed run lists fewer), so they are
    // checked one by one: each chunk about to run, with the digest of the rows it writes back,
    // must be one the reviewer saw.
    return approved_is_hash ? Status::Ok() : CheckLedgerChunks(approved, current_script, again);
  }
  std::string msg = "the SQL about to run differs from what was approved (approved " +
                    approved_hash + ", now " + current_hash + ")";
  if (approved_is_hash)
    return Status::NeedsHuman(msg + "; render it with `" + again + "` and have it reviewed again");
  auto a = BindingLines(approved);
  auto b = BindingLines(current_script);
  const char* const keys[] = {"app",      "direction",       "from", "to", "environment",
                              "database", "plan fingerprint"};
  for (const char* key : keys) {
    std::string x = HeaderValue(a, key), y = HeaderValue(b, key);
    if (x != y) msg += "\n  " + std::string(key) + ": approved " + x + ", now " + y;
  }
  // What changed, as a unified diff numbered as the approved file the DBA holds (-) and the
  // script rendered now (+).
  std::string diff =
      UnifiedDiff(NumberedBindingLines(approved), NumberedBindingLines(current_script), 40);
  msg += diff.empty() ? "\n  (too many differences to list: render the script and diff it)"
                      : "\n  --- approved\n  +++ now" + diff;
  return Status::NeedsHuman(msg + "\nrender the new SQL with `" + again + "` and have it reviewed");
}

}  // namespace orchestrate
