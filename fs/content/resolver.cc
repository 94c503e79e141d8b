#include "fs/content/resolver.h"

#include "providers/common/strings.h"

namespace snapfs::content {

bool has_file_access(const std::string& remote_type) {
  return remote_type == "ovh-nasha" || remote_type == "ovh-netapp" || remote_type == "naver-nas";
}

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> kKeys = {"content", "content_map"};
  return kKeys;
}

namespace {

// An export as users write it for mount(8): "host:/path".
bool valid_export(const std::string& text) {
  const std::size_t colon = text.find(':');
  return colon != std::string::npos && colon > 0 && colon + 1 < text.size() &&
         text[colon + 1] == '/';
}

// A path under an export root that the provider reported: relative, and never climbing out.
bool safe_relative(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(pos, end - pos);
    if (part == "..") return false;
    pos = end + 1;
  }
  return true;
}

}  // namespace

Result<Settings> parse_settings(const RemoteConfig& remote) {
  Settings settings;
  const std::string where = "[" + remote.name + "] ";
  const std::string content = remote.get("content", "auto");
  if (content == "off") {
    settings.enabled = false;
  } else if (content != "auto") {
    return Error(ErrorKind::InvalidArgument,
                 where + "content must be auto or off, not '" + content + "'");
  }
  for (const std::string& item : split_list(remote.get("content_map"))) {
    const std::size_t eq = item.rfind('=');
    const std::string exported = eq == std::string::npos ? "" : trim(item.substr(0, eq));
    const std::string local = eq == std::string::npos ? "" : trim(item.substr(eq + 1));
    if (!valid_export(exported) || local.empty() || local.front() != '/') {
      return Error(ErrorKind::InvalidArgument,
                   where +
                       "content_map takes EXPORT=LOCAL_DIR pairs such as "
                       "10.0.0.1:/export=/mnt/nas, with an absolute LOCAL_DIR; not '" +
                       item + "'");
    }
    settings.map.emplace_back(normalize_export(exported), normalize_export(local));
  }
  return settings;
}

Resolver::Resolver(const std::vector<RemoteConfig>& remotes, std::shared_ptr<MountTable> mounts)
    : mounts_(std::move(mounts)) {
  for (const RemoteConfig& r : remotes) {
    PerRemote per;
    per.file_access = has_file_access(r.type);
    if (per.file_access) {
      auto parsed = parse_settings(r);
      // The loader refused bad values; a remote built elsewhere (tests) keeps the defaults.
      if (parsed.ok()) per.settings = std::move(parsed.value());
    }
    remotes_.push_back(std::move(per));
  }
}

Location Resolver::resolve(std::size_t remote, const std::string& nfs_export,
                           const std::string& content_dir) const {
  Location out;
  if (remote >= remotes_.size() || !remotes_[remote].file_access) {
    out.why_not = "block volume snapshot: no file access";
    return out;
  }
  const PerRemote& r = remotes_[remote];
  if (!r.settings.enabled) {
    out.why_not = "content off";
    return out;
  }
  if (nfs_export.empty()) {
    out.why_not = "the API gives no NFS export for this volume";
    return out;
  }
  if (content_dir.empty()) {
    out.why_not = "the API gives no directory for this snapshot's files";
    return out;
  }
  if (!safe_relative(content_dir)) {
    out.why_not = "the API gives an unusable snapshot directory: " + content_dir;
    return out;
  }
  const std::string wanted = normalize_export(nfs_export);
  std::string root;
  for (const auto& [exported, local] : r.settings.map) {
    if (exported == wanted) root = local;
  }
  if (root.empty() && mounts_) root = mounts_->find(wanted);
  if (root.empty()) {
    out.why_not = "no local mount of " + wanted;
    return out;
  }
  out.dir = root == "/" ? "/" + content_dir : root + "/" + content_dir;
  return out;
}

}  // namespace snapfs::content
