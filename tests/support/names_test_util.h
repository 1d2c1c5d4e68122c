// One check for every Name/FromName pair (plans/names.h): each value has the expected name, each
// name reads back as its value, and a name the build does not know (a newer build's, a typo, a
// different case, the empty string) reads as nullopt, never as some other value.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace orchestrate {

template <typename E, typename NameFn, typename FromNameFn>
void ExpectNamesRoundTrip(const std::vector<std::pair<E, std::string>>& expected, NameFn name,
                          FromNameFn from_name) {
  for (const auto& [value, text] : expected) {
    EXPECT_EQ(std::string(name(value)), text);
    std::optional<E> back = from_name(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_TRUE(*back == value) << text;
    std::string upper = text;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_FALSE(from_name(upper).has_value()) << upper;
    EXPECT_FALSE(from_name(text + "x").has_value()) << text << "x";
  }
  EXPECT_FALSE(from_name("").has_value());
  EXPECT_FALSE(from_name("written-by-a-newer-build").has_value());
}

}  // namespace orchestrate
