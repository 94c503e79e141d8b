#include "providers/common/http_errors.h"

namespace snapfs {

ErrorKind error_kind_for_status(int status) {
  switch (status) {
    case 400:
    case 422: return ErrorKind::InvalidArgument;
    case 401:
    case 403: return ErrorKind::AccessDenied;
    case 404:
    case 410: return ErrorKind::NotFound;
    case 409: return ErrorKind::Busy;
    case 412:
    case 423: return ErrorKind::Busy;
    case 413: return ErrorKind::InvalidArgument;
    case 429: return ErrorKind::RateLimited;
    case 460: return ErrorKind::AccessDenied;  // OVH: service expired or suspended
    case 504: return ErrorKind::Timeout;
    default: break;
  }
  if (status >= 500) return ErrorKind::Unavailable;
  return ErrorKind::BadResponse;
}

Error error_for_status(int status, std::string message) {
  return Error(error_kind_for_status(status), std::move(message), status);
}

}  // namespace snapfs
