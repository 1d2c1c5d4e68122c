// Container image references: the grammar of the OCI distribution spec / docker reference
// (github.com/distribution/reference), checked when a release manifest is loaded.
#pragma once

#include <string>

namespace orchestrate {

// "" when `image` is a valid reference, [domain[:port]/]path[:tag][@algorithm:hex], else why not
// (a phrase: "the tag '1.1,x=y' may hold only letters, digits, '_', '.' and '-'"). Path
// components are lowercase [a-z0-9] joined by '.', '_', '__' or '-'s; a tag is [\w][\w.-]{0,127};
// a digest is algorithm:hex with at least 32 hex digits; the name is at most 255 characters.
std::string ImageReferenceProblem(const std::string& image);

}  // namespace orchestrate
