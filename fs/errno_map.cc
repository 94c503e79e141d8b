#include "fs/errno_map.h"

#include <cerrno>

namespace snapfs {

int errno_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::NotFound: return ENOENT;
    case ErrorKind::AlreadyExists: return EEXIST;
    case ErrorKind::InvalidArgument: return EINVAL;
    case ErrorKind::NameTooLong: return ENAMETOOLONG;
    case ErrorKind::QuotaExceeded: return EDQUOT;
    case ErrorKind::AccessDenied: return EACCES;
    case ErrorKind::Busy: return EBUSY;
    case ErrorKind::NotDeletable: return EPERM;
    case ErrorKind::NotSupported: return ENOTSUP;
    case ErrorKind::Timeout: return ETIMEDOUT;
    case ErrorKind::Cancelled: return EINTR;
    case ErrorKind::RateLimited:
    case ErrorKind::Unavailable:
    case ErrorKind::BadResponse:
    case ErrorKind::Internal: return EIO;
  }
  return EIO;
}

}  // namespace snapfs
