// Reading libpg_query's JSON parse tree (see pg_tree.h).
#include "migrations/analysis/pg_tree.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "migrations/analysis/internal.h"

namespace orchestrate {
namespace analysis_internal {

const Json& Null() {
  static const Json kNull;
  return kNull;
}

const Json& Field(const Json& node, const char* key) {
  if (!node.is_object()) return Null();
  auto it = node.find(key);
  return it == node.end() ? Null() : *it;
}

std::string Str(const Json& node, const char* key) {
  const Json& v = Field(node, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

bool Bool(const Json& node, const char* key) {
  const Json& v = Field(node, key);
  return v.is_boolean() && v.get<bool>();
}

const Json& List(const Json& node, const char* key) {
  static const Json kEmpty = Json::array();
  const Json& v = Field(node, key);
  return v.is_array() ? v : kEmpty;
}

std::pair<std::string, const Json*> Unwrap(const Json& node) {
  if (node.is_object() && node.size() == 1) {
    auto it = node.begin();
    return {it.key(), &it.value()};
  }
  return {std::string(), &node};
}

const Json& Body(const Json& node, const char* type) {
  auto [t, body] = Unwrap(node);
  return t == type ? *body : Null();
}

std::string RangeVarName(const Json& rv) {
  std::string name = Str(rv, "relname");
  if (name.empty()) return name;
  std::string schema = Str(rv, "schemaname");
  std::string catalog = Str(rv, "catalogname");
  if (!schema.empty()) name = schema + "." + name;
  if (!catalog.empty()) name = catalog + "." + name;
  return name;
}

std::string RelationName(const Json& field) {
  if (field.contains("RangeVar")) return RangeVarName(field["RangeVar"]);
  return RangeVarName(field);
}

std::string JoinNames(const Json& list, size_t drop_last) {
  std::string out;
  if (!list.is_array() || list.size() < drop_last) return out;
  for (size_t i = 0; i + drop_last < list.size(); ++i) {
    const std::string part = Str(Body(list[i], "String"), "sval");
    if (!out.empty()) out += '.';
    out += part;
  }
  return out;
}

std::string ObjectName(const Json& node, size_t drop_last) {
  auto [type, body] = Unwrap(node);
  if (type == "String") return Str(*body, "sval");
  if (type == "List") return JoinNames(List(*body, "items"), drop_last);
  if (type == "TypeName") return JoinNames(List(*body, "names"));
  if (type == "ObjectWithArgs") return JoinNames(List(*body, "objname"));
  return std::string();
}

std::string ObjectTypeName(const std::string& object_type) {
  static const std::pair<const char*, const char*> kSpecial[] = {
      {"OBJECT_MATVIEW", "MATERIALIZED VIEW"},
      {"OBJECT_STATISTIC_EXT", "STATISTICS"},
      {"OBJECT_FDW", "FOREIGN DATA WRAPPER"},
      {"OBJECT_FOREIGN_SERVER", "SERVER"},
      {"OBJECT_TABCONSTRAINT", "CONSTRAINT"},
      {"OBJECT_DOMCONSTRAINT", "CONSTRAINT"},
      {"OBJECT_OPCLASS", "OPERATOR CLASS"},
      {"OBJECT_OPFAMILY", "OPERATOR FAMILY"},
      {"OBJECT_TSCONFIGURATION", "TEXT SEARCH CONFIGURATION"},
      {"OBJECT_TSDICTIONARY", "TEXT SEARCH DICTIONARY"},
      {"OBJECT_TSPARSER", "TEXT SEARCH PARSER"},
      {"OBJECT_TSTEMPLATE", "TEXT SEARCH TEMPLATE"},
      {"OBJECT_USER_MAPPING", "USER MAPPING"},
      {"OBJECT_LARGEOBJECT", "LARGE OBJECT"},
  };
  for (const auto& [from, to] : kSpecial) {
    if (object_type == from) return to;
  }
  std::string name = object_type.rfind("OBJECT_", 0) == 0 ? object_type.substr(7) : object_type;
  std::replace(name.begin(), name.end(), '_', ' ');
  return name;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool IsRelationType(const std::string& t) {
  return t == "OBJECT_TABLE" || t == "OBJECT_VIEW" || t == "OBJECT_MATVIEW" ||
         t == "OBJECT_SEQUENCE" || t == "OBJECT_FOREIGN_TABLE" || t == "OBJECT_INDEX";
}

bool DefElemOn(const Json& def) {
  const Json& arg = Field(def, "arg");
  if (arg.is_null()) return true;
  auto [type, body] = Unwrap(arg);
  if (type == "Integer") {
    const Json& ival = Field(*body, "ival");  // absent when 0
    return ival.is_number() && ival.get<long long>() != 0;
  }
  if (type == "Boolean") return Bool(*body, "boolval");
  if (type == "String") {
    const std::string v = Upper(Str(*body, "sval"));
    return !(v == "FALSE" || v == "OFF" || v == "NO" || v == "0");
  }
  return true;
}

bool HasOption(const Json& options, const char* name) {
  for (const Json& o : options) {
    const Json& def = Body(o, "DefElem");
    if (Str(def, "defname") == name && DefElemOn(def)) return true;
  }
  return false;
}

namespace {

void CollectCteNames(const Json& node, std::set<std::string>& out) {
  if (node.is_object()) {
    if (node.contains("ctename") && node["ctename"].is_string()) {
      out.insert(node["ctename"].get<std::string>());
    }
    for (const auto& item : node.items()) CollectCteNames(item.value(), out);
  } else if (node.is_array()) {
    for (const Json& item : node) CollectCteNames(item, out);
  }
}

void CollectRangeVars(const Json& node, std::vector<std::pair<int, std::string>>& out) {
  if (node.is_object()) {
    if (node.contains("relname") && node["relname"].is_string() &&
        node.contains("relpersistence")) {
      int location = Field(node, "location").is_number() ? node["location"].get<int>() : 0;
      out.emplace_back(location, RangeVarName(node));
    }
    for (const auto& item : node.items()) CollectRangeVars(item.value(), out);
  } else if (node.is_array()) {
    for (const Json& item : node) CollectRangeVars(item, out);
  }
}

}  // namespace

std::vector<std::string> RelationsIn(const Json& node) {
  std::set<std::string> ctes;
  CollectCteNames(node, ctes);
  std::vector<std::pair<int, std::string>> found;
  CollectRangeVars(node, found);
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (const auto& [location, name] : found) {
    if (ctes.count(name) != 0) continue;  // a reference to a CTE, not a table
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

}  // namespace analysis_internal
}  // namespace orchestrate
