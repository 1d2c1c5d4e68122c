// Plans as text for people and JSON for machines, and the step JSON the journal stores so that an
// interrupted run resumes with exactly the steps it started with.
#pragma once

#include <string>
#include <vector>

#include "plans/planner.h"

namespace orchestrate {

// A numbered list of steps with a header (app, direction, from -> to, fingerprint).
std::string RenderPlanText(const RunPlan& plan);
// {"app":..., "direction":..., "from":..., "to":..., "fingerprint":..., "steps":[...]}
std::string RenderPlanJson(const RunPlan& plan);

// One step as a JSON object (complete: SQL included), and back. StepFromJson fails with kInvalid
// on malformed input.
std::string StepToJson(const Step& step);
Result<Step> StepFromJson(const std::string& json);

// One line describing the step: "apply migration 0003_orders (1.1.0)".
std::string DescribeStep(const Step& step);

}  // namespace orchestrate
