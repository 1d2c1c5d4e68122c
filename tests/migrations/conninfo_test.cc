// Connection strings read the way libpq reads them (migrations/postgres/conninfo.h): what is shown
// (RedactUrl), what is masked (SecretsInUrl) and how a password reaches libpq without the process
// environment (ConninfoWithPassword). Passwords hold every character that is special in a URL or
// in key=value pairs.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <map>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "migrations/postgres/conninfo.h"

namespace orchestrate {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// What libpq itself reads from `conninfo`: keyword -> value.
std::map<std::string, std::string> LibpqReads(const std::string& conninfo) {
  std::map<std::string, std::string> out;
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  PQfreemem(error);
  if (options == nullptr) return {{"(error)", "libpq cannot parse it"}};
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o)
    if (o->val != nullptr) out[o->keyword] = o->val;
  PQconninfoFree(options);
  return out;
}

// `text` percent-encoded where a URI needs it for libpq (each of `chars`, and '%').
std::string Encoded(const std::string& text, const std::string& chars) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    if (c == '%' || chars.find(c) != std::string::npos) {
      out += '%';
      out += kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      out += kHex[c & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

// `text` quoted for key=value pairs.
std::string Quoted(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

const std::string kSpecials = "?#@/:%&='  \\";

// Sup3r<c>S3cretPW for each special character c, and one password holding them all.
std::vector<std::string> Passwords() {
  std::vector<std::string> out;
  for (const char c : kSpecials) out.push_back(std::string("Sup3r") + c + "S3cretPW");
  out.push_back("Sup3r?#@/:%&=' \\S3cretPW");
  return out;
}

// The connection strings that carry `password`, each as libpq accepts it.
std::vector<std::string> UrlsWith(const std::string& password) {
  return {
      // The user info: libpq reads it to the first '@', so only '@', '/' and '%' need encoding.
      "postgresql://alice:" + Encoded(password, "@/") + "@db.example:5432/shop",
      "postgres://alice:" + Encoded(password, "@/") + "@db.example/shop?sslmode=disable",
      // Everything percent-encoded.
      "postgresql://alice:" + Encoded(password, "?#@/:&=' \\") + "@db.example/shop",
      // A query parameter: '&' and '=' separate parameters.
      "postgresql://db.example/shop?user=alice&password=" + Encoded(password, "&=") +
          "&application_name=x",
      // key=value, quoted, and with backslash escapes instead of quotes.
      "host=db.example password=" + Quoted(password) + " dbname=shop",
      "host = db.example  password = " + Quoted(password) + "  user=alice",
      "password=" +
          [&] {
            std::string escaped;
            for (const char c : password) {
              if (c == ' ' || c == '\\' || c == '\'') escaped += '\\';
              escaped += c;
            }
            return escaped;
          }() +
          " host=db.example dbname=shop",
  };
}

TEST(RedactUrl, HidesPasswordsHoldingEveryUrlSpecialCharacter) {
  for (const std::string& password : Passwords()) {
    for (const std::string& url : UrlsWith(password)) {
      SCOPED_TRACE(url);
      // The case is what it claims: libpq reads this password from it.
      ASSERT_EQ(LibpqReads(url)["password"], password);
      const std::string shown = RedactUrl(url);
      EXPECT_FALSE(Contains(shown, "Sup3r")) << shown;
      EXPECT_FALSE(Contains(shown, "S3cretPW")) << shown;
      // The rest is shown as libpq reads it, the password as ***.
      std::map<std::string, std::string> expected = LibpqReads(url);
      expected["password"] = "***";
      EXPECT_EQ(LibpqReads(shown), expected) << shown;
    }
  }
}

TEST(RedactUrl, KeepsTheFormWritten) {
  EXPECT_EQ(RedactUrl("postgresql://alice:Sup3r?S3cret#PW@db.example:5432/shop"),
            "postgresql://alice:***@db.example:5432/shop");
  EXPECT_EQ(RedactUrl("postgresql://db.example/shop?password=a%26b&sslmode=disable"),
            "postgresql://db.example/shop?password=***&sslmode=disable");
  EXPECT_EQ(RedactUrl("host=x password=s3cret dbname=y"), "host=x password=*** dbname=y");
  // An escaped space is part of the value (issue 15, item 6).
  EXPECT_EQ(RedactUrl("host=x password=Sup3r\\ S3cretPW dbname=y"), "host=x password=*** dbname=y");
  EXPECT_EQ(RedactUrl("host=x password='a b\\'c' dbname=y"), "host=x password=*** dbname=y");
  // The other password libpq hides (the client key's passphrase) is a secret too.
  EXPECT_EQ(RedactUrl("host=x sslpassword=k3y dbname=y"), "host=x sslpassword=*** dbname=y");
  EXPECT_EQ(RedactUrl("postgresql://u@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(RedactUrl("host=/tmp dbname=shop"), "host=/tmp dbname=shop");
  EXPECT_EQ(RedactUrl("sqlite:state/app.db"), "sqlite:state/app.db");
  EXPECT_EQ(RedactUrl("sqlite:state/p@ss:word=x.db"), "sqlite:state/p@ss:word=x.db");
}

TEST(RedactUrl, ShowsNothingOfAStringLibpqCannotParseOrReadsDifferently) {
  const std::vector<std::string> urls = {
      // libpq refuses these: an unterminated quote, '&' splitting the parameter, a second '=',
      // a bad percent escape (with quotes around it), no '=', a URI scheme it does not know.
      "host=x password='Sup3r S3cretPW dbname=y",
      "postgresql://u@h/db?password=Sup3r&S3cretPW",
      "postgresql://u@h/db?password=Sup3r=S3cretPW",
      "postgresql://u:Sup3r%zzS3cretPW@h/db",
      "postgresql://u:Sup3r\"x%zz\"S3cretPW@h/db",
      "host=x Sup3r S3cretPW",
      "oracle://u:Sup3rS3cretPW@h/db",  // (mysql:// is an engine now: mysql_adapter_test)
      // libpq reads these, but not as the password written: an unencoded '@' or '/' in it.
      "postgresql://u:Sup3r@S3cretPW@h/db",
      "postgresql://u:Sup3r/S3cretPW@h/db",
  };
  for (const std::string& url : urls) {
    SCOPED_TRACE(url);
    const std::string shown = RedactUrl(url);
    EXPECT_FALSE(Contains(shown, "Sup3r")) << shown;
    EXPECT_FALSE(Contains(shown, "S3cretPW")) << shown;
    EXPECT_TRUE(Contains(shown, "not shown")) << shown;
    // Nor does opening it, which refuses it before connecting.
    auto db = OpenDatabase(url, ".");
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.status().code(), Code::kInvalid) << db.status().message();
    EXPECT_FALSE(Contains(db.status().message(), "Sup3r")) << db.status().message();
    EXPECT_FALSE(Contains(db.status().message(), "S3cretPW")) << db.status().message();
  }
}

TEST(SecretsInUrl, GivesThePasswordAsReadAndAsWritten) {
  EXPECT_EQ(SecretsInUrl("postgresql://u:p%40ss%2Fw@h/db"),
            (std::vector<std::string>{"p@ss/w", "p%40ss%2Fw"}));
  EXPECT_EQ(SecretsInUrl("host=h password='a\\'b' sslpassword=k"),
            (std::vector<std::string>{"a'b", "k", "a\\'b", "'a\\'b'", "k"}));
  EXPECT_TRUE(SecretsInUrl("postgresql://u@h/db").empty());
  EXPECT_TRUE(SecretsInUrl("sqlite:p@ss.db").empty());
}

TEST(ConninfoWithPassword, GivesLibpqThePasswordAndKeepsEverythingElse) {
  for (const std::string& password : Passwords()) {
    for (const std::string url :
         {"postgresql://alice@db.example:5432/shop?sslmode=disable&application_name=a%20b",
          "host=db.example user=alice dbname='my shop'", "postgresql:///shop?host=/tmp"}) {
      SCOPED_TRACE(url);
      auto with = pg::ConninfoWithPassword(url, password);
      ASSERT_TRUE(with.ok()) << with.status().message();
      std::map<std::string, std::string> expected = LibpqReads(url);
      expected["password"] = password;
      EXPECT_EQ(LibpqReads(*with), expected) << *with;
    }
  }
  // A password the URL sets wins.
  auto kept = pg::ConninfoWithPassword("postgresql://u:mine@h/db", "other");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(LibpqReads(*kept)["password"], "mine");
}

// The scratch database of a rehearsal is the environment's URL naming another database: with a
// password holding '?', '#', '/' or '@' (libpq reads the user info to its first '@') the rest
// must stay as libpq read it.
TEST(UrlWithDatabase, KeepsPasswordsHoldingUrlSpecialCharacters) {
  for (const std::string& password : Passwords()) {
    for (const std::string& url : UrlsWith(password)) {
      SCOPED_TRACE(url);
      std::map<std::string, std::string> expected = LibpqReads(url);
      expected["dbname"] = "scratch_1";
      EXPECT_EQ(LibpqReads(UrlWithDatabase(url, "scratch_1")), expected);
    }
  }
  EXPECT_EQ(UrlWithDatabase("postgresql://u:p?ss#w@h:5/old?sslmode=disable", "new"),
            "postgresql://u:p?ss#w@h:5/new?sslmode=disable");
  EXPECT_EQ(UrlWithDatabase("postgresql://u:p?ss@h", "new"), "postgresql://u:p?ss@h/new");
  EXPECT_EQ(UrlWithDatabase("postgresql://h/old?dbname=other", "new"),
            "postgresql://h/old?dbname=new");
  EXPECT_EQ(UrlWithDatabase("host=h password='a dbname=b' dbname=old", "new"),
            "host=h password='a dbname=b' dbname=new");
}

}  // namespace
}  // namespace orchestrate
