// ${VAR} expansion: the contract of ExpandVars (plans/expand.h).
#include "plans/expand.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

namespace orchestrate {
namespace {

// A lookup over a fixed map: deterministic, independent of the process environment.
VarLookup MapLookup(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string ExpandOk(const std::string& text, const VarLookup& lookup) {
  auto r = ExpandVars(text, lookup);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  return r.ok() ? r.value() : "<error>";
}

TEST(ExpandVarsTest, TextWithoutVariablesIsUnchanged) {
  auto lookup = MapLookup({});
  EXPECT_EQ(ExpandOk("", lookup), "");
  EXPECT_EQ(ExpandOk("postgresql://db/shop", lookup), "postgresql://db/shop");
}

TEST(ExpandVarsTest, ReplacesSetVariables) {
  auto lookup = MapLookup({{"HOST", "db.example"}, {"PORT", "5432"}, {"_X1", "x"}});
  EXPECT_EQ(ExpandOk("${HOST}", lookup), "db.example");
  EXPECT_EQ(ExpandOk("postgresql://${HOST}:${PORT}/shop", lookup),
            "postgresql://db.example:5432/shop");
  EXPECT_EQ(ExpandOk("${_X1}${_X1}", lookup), "xx");
}

TEST(ExpandVarsTest, SetButEmptyVariableWithoutDefaultExpandsToEmpty) {
  auto lookup = MapLookup({{"EMPTY", ""}});
  EXPECT_EQ(ExpandOk("a${EMPTY}b", lookup), "ab");
}

TEST(ExpandVarsTest, DefaultIsUsedWhenUnset) {
  auto lookup = MapLookup({});
  EXPECT_EQ(ExpandOk("sqlite:${STATE_DIR:-.orchestrate}/shop.db", lookup),
            "sqlite:.orchestrate/shop.db");
}

TEST(ExpandVarsTest, DefaultIsUsedWhenSetButEmpty) {
  auto lookup = MapLookup({{"STATE_DIR", ""}});
  EXPECT_EQ(ExpandOk("${STATE_DIR:-/var/lib}", lookup), "/var/lib");
}

TEST(ExpandVarsTest, DefaultIsIgnoredWhenSet) {
  auto lookup = MapLookup({{"STATE_DIR", "/srv"}});
  EXPECT_EQ(ExpandOk("${STATE_DIR:-/var/lib}", lookup), "/srv");
}

TEST(ExpandVarsTest, EmptyDefaultIsAllowed) {
  auto lookup = MapLookup({});
  EXPECT_EQ(ExpandOk("[${NOPE:-}]", lookup), "[]");
}

TEST(ExpandVarsTest, DoubleDollarIsALiteralDollar) {
  auto lookup = MapLookup({{"A", "x"}});
  EXPECT_EQ(ExpandOk("$$", lookup), "$");
  EXPECT_EQ(ExpandOk("cost: $$5", lookup), "cost: $5");
  // An escaped `$` does not start a reference.
  EXPECT_EQ(ExpandOk("$${A}", lookup), "${A}");
  EXPECT_EQ(ExpandOk("$$$${A}", lookup), "$${A}");
  EXPECT_EQ(ExpandOk("$$${A}", lookup), "$x");
}

TEST(ExpandVarsTest, LoneDollarIsKept) {
  auto lookup = MapLookup({});
  EXPECT_EQ(ExpandOk("$", lookup), "$");
  EXPECT_EQ(ExpandOk("a$b", lookup), "a$b");
  EXPECT_EQ(ExpandOk("price $5", lookup), "price $5");
  EXPECT_EQ(ExpandOk("end$", lookup), "end$");
  EXPECT_EQ(ExpandOk("$HOME", lookup), "$HOME");  // only ${...} is a reference
}

TEST(ExpandVarsTest, UnsetVariableIsAnErrorNamingItAndItsOffset) {
  auto lookup = MapLookup({{"A", "x"}});
  size_t offset = 999;
  auto r = ExpandVars("sqlite:${A}/${MISSING_DIR}/shop.db", lookup, &offset);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_NE(r.status().message().find("MISSING_DIR"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("not set"), std::string::npos) << r.status().message();
  // The hint shows how to give a default.
  EXPECT_NE(r.status().message().find("${MISSING_DIR:-"), std::string::npos);
  EXPECT_EQ(offset, 12u);  // the `$` of ${MISSING_DIR}
}

TEST(ExpandVarsTest, ErrorOffsetIsOptional) {
  auto r = ExpandVars("${MISSING}", MapLookup({}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
}

TEST(ExpandVarsTest, NullLookupTreatsEveryVariableAsUnset) {
  VarLookup none;
  EXPECT_EQ(ExpandOk("${A:-d}", none), "d");
  EXPECT_FALSE(ExpandVars("${A}", none).ok());
}

TEST(ExpandVarsTest, UnterminatedReferenceIsAnError) {
  size_t offset = 999;
  auto r = ExpandVars("abc ${HOST", MapLookup({{"HOST", "h"}}), &offset);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_NE(r.status().message().find("unterminated"), std::string::npos) << r.status().message();
  EXPECT_EQ(offset, 4u);

  offset = 999;
  r = ExpandVars("${", MapLookup({}), &offset);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(offset, 0u);
}

TEST(ExpandVarsTest, BadNamesAreErrors) {
  auto lookup = MapLookup({{"A", "x"}});
  for (const std::string text :
       {"${}", "${1ABC}", "${A-B}", "${A B}", "${A.B}", "${:-default}", "${ A}", "${A:default}"}) {
    size_t offset = 999;
    auto r = ExpandVars("x=" + text, lookup, &offset);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), Code::kInvalid) << text;
    EXPECT_NE(r.status().message().find("bad variable reference"), std::string::npos)
        << text << ": " << r.status().message();
    EXPECT_EQ(offset, 2u) << text;
  }
}

TEST(ExpandVarsTest, FirstErrorWins) {
  size_t offset = 999;
  auto r = ExpandVars("${OK} ${BAD1} ${BAD2}", MapLookup({{"OK", "y"}}), &offset);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("BAD1"), std::string::npos);
  EXPECT_EQ(offset, 6u);
}

TEST(ExpandVarsTest, ValuesAreNotExpandedAgain) {
  auto lookup = MapLookup({{"A", "${B}"}, {"B", "no"}});
  EXPECT_EQ(ExpandOk("${A}", lookup), "${B}");
}

}  // namespace
}  // namespace orchestrate
