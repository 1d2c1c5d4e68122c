// Name <-> enum tables for our own vocabularies (manifest policies, journal rows, JSON fields).
// Each vocabulary declares one constexpr table of {value, name} pairs and its Name/FromName pair
// with these two helpers, so a name is spelled once. Only boundaries (parsing a manifest, reading
// or writing a row, printing) convert; the engine compares enums.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace orchestrate {

// The name of `value` in `table`; `fallback` for a value missing from the table (a programming
// error: every enumerator has a row).
template <typename E, std::size_t N>
constexpr const char* NameIn(const std::pair<E, const char*> (&table)[N], E value,
                             const char* fallback) {
  for (const auto& [v, name] : table)
    if (v == value) return name;
  return fallback;
}

// The value named `name` in `table` (exact, case-sensitive), nullopt for a name it does not hold.
template <typename E, std::size_t N>
constexpr std::optional<E> FromNameIn(const std::pair<E, const char*> (&table)[N],
                                      std::string_view name) {
  for (const auto& [v, n] : table)
    if (name == n) return v;
  return std::nullopt;
}

}  // namespace orchestrate
