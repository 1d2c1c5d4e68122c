// Reports for people as one self-contained HTML page each: inline CSS, no scripts, no fonts, no
// image or link that reaches the network, so the file can be mailed, attached to a ticket or
// opened from a CI artifact as it is. Every text that comes from a plan, a database or SQL is
// HTML-escaped.
//
//   RehearsalHtml: `rehearse --report DIR` writes it as DIR/rehearsal.html. At the top, the verdict
//   and, when the rollback does not round-trip, the first differing object; then the phases as a
//   timeline with each image swap marked; the schema differences side by side (the object's
//   description at V and after the rollback); the data differences table by table, with the rows
//   found on one side only and the columns that differ; the objects the rollback destroys and the
//   snapshots that keep them; the rollback's statements, each with its lock level and the rows it
//   was estimated to touch; with --each, every migration's verdict.
//
//   ReviewHtml: `sql --html FILE`. The review script (RenderReviewScript) step by step: each
//   step's SQL, each statement's locks, what it destroys and its estimate, the snapshots, the
//   image swaps; the approval hash at the top.
#pragma once

#include <string>
#include <string_view>

#include "orchestrator/rehearse.h"
#include "plans/planner.h"

namespace orchestrate {

// `text` with &, <, >, " and ' replaced by their entities.
std::string HtmlEscape(std::string_view text);

// The first object that differs after the rollback ("column customers.loyalty_points", "table
// order_statuses (rows)"), else the first failing phase or migration; "" when the report is ok.
std::string FirstDifference(const RehearsalReport& report);

// The rehearsal as a page. The sections beyond the phases and --each need report.detail
// (RehearseOptions::detail); without it they say that nothing was kept.
std::string RehearsalHtml(const RehearsalReport& report);

// The review of `run` as a page. `script` is RenderReviewScript(run, ...): the page shows what the
// script says, step by step (its comment lines are read back), with the step's SQL from `run`.
std::string ReviewHtml(const RunPlan& run, const std::string& script);

}  // namespace orchestrate
