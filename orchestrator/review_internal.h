// What the review script's renderer (review.cc) and its approval (approval.cc) share: the lines
// that mark a script's parts.
#pragma once

#include <string>

#include "migrations/ledger.h"

namespace orchestrate::review_internal {

// The header line of a script that resumes an unfinished run, and the line after the last step.
inline constexpr const char kResumesPrefix[] = "-- resumes run ";
inline constexpr const char kLockReleased[] = "-- the run lock released";
// The ledger's chunks are consumed as a rollback runs (a resumed run lists fewer): they sit
// between these lines and are not bound by the approval (each chunk's line is checked instead).
inline const std::string kLedgerBegin = std::string("-- ") + kLedgerScriptBegin;
inline const std::string kLedgerEnd = std::string("-- ") + kLedgerScriptEnd;

}  // namespace orchestrate::review_internal
