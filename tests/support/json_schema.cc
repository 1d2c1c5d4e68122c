#include "tests/support/json_schema.h"

#include <set>

namespace orchestrate::testing {
namespace {

class Validator {
 public:
  explicit Validator(const nlohmann::json& root) : root_(root) {}

  void Check(const nlohmann::json& schema, const nlohmann::json& doc, const std::string& at,
             int depth = 0) {
    if (depth > 64) return Error(at, "$ref nesting deeper than 64");
    if (!schema.is_object()) return Error(at, "the schema is not an object");
    static const std::set<std::string> kKnown = {
        "$schema",  "$id",   "title", "description",          "type", "properties",
        "required", "items", "enum",  "additionalProperties", "$ref", "definitions"};
    for (const auto& [key, value] : schema.items())
      if (kKnown.count(key) == 0) Error(at, "the schema uses an unsupported keyword: " + key);
    if (schema.contains("$ref")) {
      const std::string ref = schema["$ref"].get<std::string>();
      const std::string prefix = "#/definitions/";
      if (ref.rfind(prefix, 0) != 0 || !root_.contains("definitions") ||
          !root_["definitions"].contains(ref.substr(prefix.size())))
        return Error(at, "unresolved $ref " + ref);
      Check(root_["definitions"][ref.substr(prefix.size())], doc, at, depth + 1);
    }
    if (schema.contains("type")) {
      const auto& type = schema["type"];
      bool matched = false;
      std::string names;
      for (const auto& t : type.is_array() ? type : nlohmann::json::array({type})) {
        names += (names.empty() ? "" : " or ") + t.get<std::string>();
        if (IsType(t.get<std::string>(), doc)) matched = true;
      }
      if (!matched) return Error(at, "expected " + names + ", got " + std::string(doc.type_name()));
    }
    if (schema.contains("enum")) {
      bool found = false;
      for (const auto& v : schema["enum"])
        if (v == doc) found = true;
      if (!found) Error(at, "value " + doc.dump() + " is not one of " + schema["enum"].dump());
    }
    if (doc.is_object()) {
      if (schema.contains("required"))
        for (const auto& name : schema["required"])
          if (!doc.contains(name.get<std::string>()))
            Error(at, "missing required property " + name.get<std::string>());
      const nlohmann::json empty = nlohmann::json::object();
      const auto& props = schema.contains("properties") ? schema["properties"] : empty;
      for (const auto& [key, value] : doc.items()) {
        const std::string child = at + "/" + key;
        if (props.contains(key)) {
          Check(props[key], value, child, depth);
        } else if (schema.contains("additionalProperties")) {
          const auto& extra = schema["additionalProperties"];
          if (extra.is_boolean()) {
            if (!extra.get<bool>()) Error(child, "property not allowed by the schema");
          } else {
            Check(extra, value, child, depth);
          }
        }
      }
    }
    if (doc.is_array() && schema.contains("items"))
      for (size_t i = 0; i < doc.size(); ++i)
        Check(schema["items"], doc[i], at + "/" + std::to_string(i), depth);
  }

  std::vector<std::string> errors;

 private:
  static bool IsType(const std::string& name, const nlohmann::json& doc) {
    if (name == "object") return doc.is_object();
    if (name == "array") return doc.is_array();
    if (name == "string") return doc.is_string();
    if (name == "integer") return doc.is_number_integer();
    if (name == "number") return doc.is_number();
    if (name == "boolean") return doc.is_boolean();
    if (name == "null") return doc.is_null();
    return false;
  }
  void Error(const std::string& at, const std::string& what) {
    errors.push_back((at.empty() ? "/" : at) + ": " + what);
  }

  const nlohmann::json& root_;
};

}  // namespace

std::vector<std::string> ValidateJsonSchema(const nlohmann::json& schema,
                                            const nlohmann::json& doc) {
  Validator v(schema);
  v.Check(schema, doc, "");
  return v.errors;
}

}  // namespace orchestrate::testing
