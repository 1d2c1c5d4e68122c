// Semantic versions: parsing and precedence (plans/semver.h), following https://semver.org.
#include "plans/semver.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace orchestrate {
namespace {

SemVer Parse(const std::string& text) {
  auto v = ParseSemVer(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v.value_or(SemVer{});
}

int Compare(const std::string& a, const std::string& b) {
  return CompareSemVer(Parse(a), Parse(b));
}

TEST(ParseSemVerTest, ParsesCoreVersion) {
  SemVer v = Parse("1.22.333");
  EXPECT_EQ(v.major, 1);
  EXPECT_EQ(v.minor, 22);
  EXPECT_EQ(v.patch, 333);
  EXPECT_TRUE(v.prerelease.empty());

  v = Parse("0.0.0");
  EXPECT_EQ(v.major, 0);
  EXPECT_EQ(v.minor, 0);
  EXPECT_EQ(v.patch, 0);
}

TEST(ParseSemVerTest, AcceptsLeadingV) {
  SemVer v = Parse("v2.3.4");
  EXPECT_EQ(v.major, 2);
  EXPECT_EQ(v.minor, 3);
  EXPECT_EQ(v.patch, 4);
  EXPECT_TRUE(ParseSemVer("V2.3.4").has_value());
  EXPECT_FALSE(ParseSemVer("vv2.3.4").has_value());
  EXPECT_FALSE(ParseSemVer("v").has_value());
}

TEST(ParseSemVerTest, ParsesPrereleaseIdentifiers) {
  SemVer v = Parse("1.0.0-alpha.1.x-y");
  EXPECT_EQ(v.prerelease, (std::vector<std::string>{"alpha", "1", "x-y"}));
  v = Parse("1.0.0-0.3.7");
  EXPECT_EQ(v.prerelease, (std::vector<std::string>{"0", "3", "7"}));
  v = Parse("1.0.0-rc-1");
  EXPECT_EQ(v.prerelease, (std::vector<std::string>{"rc-1"}));
}

TEST(ParseSemVerTest, BuildMetadataIsAcceptedAndIgnored) {
  SemVer v = Parse("1.2.3+build.5");
  EXPECT_EQ(v.major, 1);
  EXPECT_EQ(v.patch, 3);
  EXPECT_TRUE(v.prerelease.empty());
  v = Parse("1.2.3-beta.2+exp.sha.5114f85");
  EXPECT_EQ(v.prerelease, (std::vector<std::string>{"beta", "2"}));
  // A hyphen inside build metadata does not start a prerelease.
  v = Parse("1.2.3+build-7");
  EXPECT_TRUE(v.prerelease.empty());
  EXPECT_EQ(Compare("1.2.3+build.1", "1.2.3+build.2"), 0);
  EXPECT_EQ(Compare("1.2.3+anything", "1.2.3"), 0);
}

TEST(ParseSemVerTest, RejectsMalformedVersions) {
  for (const std::string bad : {
           "",                      // empty
           "1",                     // missing parts
           "1.2",                   //
           "1.2.3.4",               // too many parts
           "1..3",                  // empty part
           ".1.2",                  //
           "1.2.",                  //
           "01.2.3",                // leading zeros
           "1.02.3",                //
           "1.2.03",                //
           "1.2.3-",                // empty prerelease
           "1.2.3-alpha..1",        // empty prerelease identifier
           "1.2.3-alpha.",          //
           "1.2.3-al_pha",          // bad character in prerelease
           "1.2.3-01",              // numeric prerelease identifier with a leading zero
           "1.2.3-alpha.007",       //
           "1.2.3+",                // empty build metadata
           "1.2.3+a..b",            // empty build identifier
           "1.2.3+a_b",             // bad character in build metadata
           "a.b.c",                 // not numbers
           "-1.2.3",                //
           "1.-2.3",                //
           " 1.2.3",                // whitespace
           "1.2.3 ",                //
           "1.2.x",                 //
           "1234567890123456.0.0",  // too large
       }) {
    EXPECT_FALSE(ParseSemVer(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(ParseSemVerTest, AcceptsZeroAsPrereleaseIdentifierAndLeadingZerosInAlphanumerics) {
  EXPECT_TRUE(ParseSemVer("1.2.3-0").has_value());
  EXPECT_TRUE(ParseSemVer("1.2.3-0a").has_value());  // alphanumeric: leading zero allowed
  EXPECT_TRUE(ParseSemVer("1.2.3-alpha.0").has_value());
  EXPECT_TRUE(ParseSemVer("1.2.3+001").has_value());  // build metadata may have leading zeros
}

TEST(CompareSemVerTest, CoreNumbersCompareNumerically) {
  EXPECT_LT(Compare("1.0.0", "2.0.0"), 0);
  EXPECT_LT(Compare("2.0.0", "2.1.0"), 0);
  EXPECT_LT(Compare("2.1.0", "2.1.1"), 0);
  EXPECT_LT(Compare("1.9.0", "1.10.0"), 0);  // not string order
  EXPECT_LT(Compare("1.2.9", "1.2.10"), 0);
  EXPECT_GT(Compare("10.0.0", "9.99.99"), 0);
  EXPECT_EQ(Compare("1.2.3", "1.2.3"), 0);
  EXPECT_EQ(Compare("v1.2.3", "1.2.3"), 0);
}

TEST(CompareSemVerTest, PrereleaseHasLowerPrecedenceThanRelease) {
  EXPECT_LT(Compare("1.0.0-alpha", "1.0.0"), 0);
  EXPECT_GT(Compare("1.0.0", "1.0.0-rc.1"), 0);
  EXPECT_LT(Compare("1.0.0", "1.0.1-alpha"), 0);  // core numbers first
}

TEST(CompareSemVerTest, FollowsTheSemverSpecExampleOrder) {
  // https://semver.org/#spec-item-11
  const std::vector<std::string> ordered = {
      "1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
      "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0",
  };
  for (size_t i = 0; i < ordered.size(); ++i) {
    EXPECT_EQ(Compare(ordered[i], ordered[i]), 0) << ordered[i];
    for (size_t j = i + 1; j < ordered.size(); ++j) {
      EXPECT_LT(Compare(ordered[i], ordered[j]), 0) << ordered[i] << " < " << ordered[j];
      EXPECT_GT(Compare(ordered[j], ordered[i]), 0) << ordered[j] << " > " << ordered[i];
    }
  }
}

TEST(CompareSemVerTest, NumericIdentifiersCompareNumericallyAndSortBeforeAlphanumerics) {
  EXPECT_LT(Compare("1.0.0-2", "1.0.0-10"), 0);
  EXPECT_LT(Compare("1.0.0-rc.2", "1.0.0-rc.10"), 0);
  EXPECT_LT(Compare("1.0.0-999", "1.0.0-a"), 0);
  EXPECT_LT(Compare("1.0.0-alpha.1", "1.0.0-alpha.a"), 0);
  // Alphanumeric identifiers compare in ASCII order.
  EXPECT_LT(Compare("1.0.0-Beta", "1.0.0-alpha"), 0);
  EXPECT_LT(Compare("1.0.0-a-b", "1.0.0-a-c"), 0);
}

TEST(CompareSemVerTest, MoreIdentifiersWinWhenAllPrecedingAreEqual) {
  EXPECT_LT(Compare("1.0.0-alpha", "1.0.0-alpha.0"), 0);
  EXPECT_LT(Compare("1.0.0-alpha.1", "1.0.0-alpha.1.1"), 0);
}

}  // namespace
}  // namespace orchestrate
