// Internal to the PostgreSQL adapter: libpq connection strings read the way libpq reads them
// (PQconninfoParse), never by pattern. A URI ("postgresql://..." or "postgres://...") or key=value
// pairs. Which options are secret is libpq's word too (the options it marks for hiding: password,
// sslpassword). Pure: no connection is made.
#pragma once

#include <string>
#include <vector>

#include "plans/status.h"

namespace orchestrate::pg {

// `conninfo` safe to show: every secret option's value replaced by "***", the rest as written.
// When libpq cannot parse it, or when what is shown could hold a secret libpq does not read as
// one (an '@' in a URI after the user info ends, as in an unencoded '@' or '/' in a password),
// nothing of it is shown: a fixed text saying so.
std::string RedactConninfo(const std::string& conninfo);

// The secret values in `conninfo`: each as libpq reads it (decoded) and as it is written (percent
// encoded, quoted or escaped), so that both spellings can be masked. Empty when none, or when
// libpq cannot parse it.
std::vector<std::string> ConninfoSecrets(const std::string& conninfo);

// `conninfo` with `password` as the password when it sets none (one it sets wins), as key=value
// pairs that libpq reads as the same options: the way a password reaches libpq without the
// process environment. kInvalid when libpq cannot parse `conninfo` (the message hides it).
Result<std::string> ConninfoWithPassword(const std::string& conninfo, const std::string& password);

// `conninfo` naming the database `dbname` (plain: letters, digits, '_') instead, in the form
// written when libpq reads the result as the same options but dbname, else as key=value pairs.
// When libpq cannot parse `conninfo`, the same edit unchecked.
std::string ConninfoWithDatabase(const std::string& conninfo, const std::string& dbname);

// kInvalid when libpq cannot parse `conninfo`, with libpq's reason; every quoted fragment of
// libpq's message (libpq quotes what it could not read, sometimes the whole string) is hidden.
Status CheckConninfo(const std::string& conninfo);

}  // namespace orchestrate::pg
