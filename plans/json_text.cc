#include "plans/json_text.h"

#include <nlohmann/json.hpp>

namespace orchestrate {

std::string JsonText(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace orchestrate
