// The secrets registry (plans/secrets.h): what it masks and what it withholds from children.
#include "plans/secrets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace orchestrate {
namespace {

class SecretsTest : public ::testing::Test {
 protected:
  void SetUp() override { ForgetSecretsForTesting(); }
  void TearDown() override { ForgetSecretsForTesting(); }
};

TEST_F(SecretsTest, MasksEveryOccurrenceLongestFirst) {
  EXPECT_EQ(MaskSecrets("nothing registered: s3cret"), "nothing registered: s3cret");
  RegisterSecret("s3cret");
  RegisterSecret("s3cret-and-more");
  RegisterSecret("");  // ignored: it would match everywhere
  EXPECT_EQ(MaskSecrets("a s3cret, s3cret-and-more and s3crets3cret"), "a ***, *** and ******");
}

TEST_F(SecretsTest, MasksTheJsonSpellingOfASecret) {
  RegisterSecret("pa\"ss\\wo\nrd");
  EXPECT_EQ(MaskSecrets("raw pa\"ss\\wo\nrd"), "raw ***");
  EXPECT_EQ(MaskSecrets(R"({"error": "pa\"ss\\wo\nrd"})"), R"({"error": "***"})");
}

TEST_F(SecretsTest, WithholdsPgpasswordAndWhatIsNamed) {
  auto withheld = VariablesWithheldFromChildren();
  EXPECT_EQ(withheld, std::vector<std::string>{"PGPASSWORD"});
  WithholdFromChildren("SHOP_DB_PASSWORD");
  WithholdFromChildren("");
  withheld = VariablesWithheldFromChildren();
  std::sort(withheld.begin(), withheld.end());
  EXPECT_EQ(withheld, (std::vector<std::string>{"PGPASSWORD", "SHOP_DB_PASSWORD"}));
}

}  // namespace
}  // namespace orchestrate
