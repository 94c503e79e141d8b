#include "providers/provider.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace snapfs {

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::NotFound: return "not_found";
    case ErrorKind::AlreadyExists: return "already_exists";
    case ErrorKind::InvalidArgument: return "invalid_argument";
    case ErrorKind::NameTooLong: return "name_too_long";
    case ErrorKind::QuotaExceeded: return "quota_exceeded";
    case ErrorKind::AccessDenied: return "access_denied";
    case ErrorKind::Busy: return "busy";
    case ErrorKind::NotDeletable: return "not_deletable";
    case ErrorKind::NotSupported: return "not_supported";
    case ErrorKind::RateLimited: return "rate_limited";
    case ErrorKind::Timeout: return "timeout";
    case ErrorKind::Unavailable: return "unavailable";
    case ErrorKind::BadResponse: return "bad_response";
    case ErrorKind::Cancelled: return "cancelled";
    case ErrorKind::Internal: return "internal";
  }
  return "internal";
}

Status Provider::stream_snapshots(const ObjectRef& scope, const OpContext& ctx,
                                  const SnapshotSink& sink) {
  auto list = list_snapshots(scope, ctx);
  if (!list.ok()) return list.error();
  for (SnapshotInfo& s : list.value()) sink(std::move(s));
  return Status();
}

Result<SnapshotInfo> Provider::rename_snapshot(const ObjectRef&, const std::string&,
                                               const OpContext&) {
  return Error(ErrorKind::NotSupported, "this provider's API cannot rename snapshots");
}

Result<AttrList> Provider::fetch_attrs(const ObjectRef&, const OpContext&) {
  return AttrList{};
}

Result<AttrUpdate> Provider::set_attr(const ObjectRef&, const std::string& key, const std::string&,
                                      const OpContext&) {
  return Error(ErrorKind::NotSupported, "attribute '" + key + "' cannot be written on this remote");
}

Status Provider::validate_name(const std::string& name) const {
  if (name.empty()) return Error(ErrorKind::InvalidArgument, "a snapshot name cannot be empty");
  if (name.size() > 255) {
    return Error(ErrorKind::NameTooLong, "snapshot names are limited to 255 bytes");
  }
  if (name.find('\0') != std::string::npos) {
    return Error(ErrorKind::InvalidArgument, "a snapshot name cannot contain a NUL byte");
  }
  return Status::Ok();
}

ProviderEnv default_provider_env() {
  ProviderEnv env;
  env.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    env.home = home;
  } else {
    struct passwd pw;
    struct passwd* found = nullptr;
    char buf[4096];
    if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &found) == 0 && found != nullptr) {
      env.home = found->pw_dir;
    }
  }
  return env;
}

}  // namespace snapfs
