// The one mapping from a provider's typed error to the errno a FUSE operation answers
// (SEMANTICS.md section 3; documented in snapfs(1), section ERRORS).
#pragma once

#include "providers/result.h"

namespace snapfs {

int errno_for(ErrorKind kind);
inline int errno_for(const Error& error) {
  return errno_for(error.kind);
}

}  // namespace snapfs
