// The default meaning of an HTTP status, shared by every provider. A provider first reads its
// API's error body (type, errorCode, returnCode ...) and refines the kind where the body says more.
#pragma once

#include <string>

#include "providers/result.h"

namespace snapfs {

ErrorKind error_kind_for_status(int status);
Error error_for_status(int status, std::string message);

}  // namespace snapfs
