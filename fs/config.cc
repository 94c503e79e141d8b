#include "fs/config.h"

#include <ini.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "fs/content/resolver.h"
#include "providers/common/strings.h"

namespace snapfs {
namespace {

struct ParseState {
  std::vector<RemoteConfig> remotes;
  std::string error;
};

// inih handles ';' comments; '#' after white space is accepted too, as in the examples users copy
// from rclone and SEMANTICS.md.
std::string strip_hash_comment(const std::string& value) {
  for (std::size_t i = 1; i < value.size(); ++i) {
    if (value[i] == '#' && (value[i - 1] == ' ' || value[i - 1] == '\t')) {
      return trim(value.substr(0, i));
    }
  }
  return value;
}

int on_entry(void* user, const char* section, const char* name, const char* value) {
  auto* state = static_cast<ParseState*>(user);
  std::string sec = section ? section : "";
  if (sec.empty()) {
    state->error = std::string("key '") + name + "' is outside any [remote] section";
    return 0;
  }
  if (state->remotes.empty() || state->remotes.back().name != sec) {
    auto existing = std::find_if(state->remotes.begin(), state->remotes.end(),
                                 [&](const RemoteConfig& r) { return r.name == sec; });
    if (existing != state->remotes.end()) {
      state->error = "section [" + sec + "] appears twice";
      return 0;
    }
    RemoteConfig remote;
    remote.name = sec;
    state->remotes.push_back(remote);
  }
  std::string key = trim(name ? name : "");
  std::string val = strip_hash_comment(trim(value ? value : ""));
  if (key == "type") {
    state->remotes.back().type = val;
  } else {
    state->remotes.back().keys[key] = val;
  }
  return 1;
}

bool valid_remote_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.size() > 255) return false;
  return name.find('/') == std::string::npos;
}

// Keys snapfs itself reads in every section, whatever the provider.
const std::vector<std::string>& snapfs_keys() {
  static const std::vector<std::string> kKeys = {"read_only"};
  return kKeys;
}

// "a, b, c": the known types or keys, in messages.
std::string comma_list(const std::vector<std::string>& items) {
  std::string list;
  for (const std::string& item : items) list += (list.empty() ? "" : ", ") + item;
  return list;
}

// Edits (insert, delete, replace, swap of neighbours) from a to b: a typed key is most often one
// of these away from the key meant.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// A key no one reads would be ignored, so a typo (secret_kye) would silently fall back to another
// credential source or a default: name it, with the known key it most resembles.
std::string unknown_key_message(const RemoteConfig& remote, const std::string& key,
                                const std::vector<std::string>& known) {
  std::string message = "unknown key '" + key + "' in [" + remote.name + "]";
  const std::string* nearest = nullptr;
  std::size_t best = 0;
  for (const std::string& candidate : known) {
    std::size_t distance = edit_distance(key, candidate);
    if (nearest == nullptr || distance < best) {
      nearest = &candidate;
      best = distance;
    }
  }
  if (nearest != nullptr && best <= std::max<std::size_t>(2, key.size() / 3)) {
    return message + " (did you mean '" + *nearest + "'?)";
  }
  return message + " (keys of type " + remote.type + ": " + comma_list(known) + ")";
}

// fopen() accepts a directory and reads it as empty: it would mount an empty tree.
Status check_regular_file(const std::string& path, const struct stat& st) {
  if (S_ISREG(st.st_mode)) return Status::Ok();
  return Error(ErrorKind::InvalidArgument,
               path + " is not a configuration file (" +
                   (S_ISDIR(st.st_mode) ? "a directory" : "not a regular file") + ")");
}

// Reads the sections of the file into *state, or says why they cannot be read.
Status parse_file(const std::string& path, ParseState* state) {
  int rc = ini_parse(path.c_str(), on_entry, state);
  if (rc < 0) return Error(ErrorKind::NotFound, "cannot read configuration file " + path);
  if (!state->error.empty()) return Error(ErrorKind::InvalidArgument, path + ": " + state->error);
  if (rc > 0) {
    return Error(ErrorKind::InvalidArgument, path + ":" + std::to_string(rc) + ": syntax error");
  }
  return Status::Ok();
}

// The section's name becomes a directory; its type must be one make_provider knows.
Status check_name_and_type(const std::string& path, const RemoteConfig& remote,
                           const std::vector<std::string>& types) {
  if (!valid_remote_name(remote.name)) {
    return Error(ErrorKind::InvalidArgument,
                 path + ": [" + remote.name + "] cannot be a directory name");
  }
  if (remote.type.empty()) {
    return Error(ErrorKind::InvalidArgument, path + ": [" + remote.name + "] has no type");
  }
  if (std::find(types.begin(), types.end(), remote.type) == types.end()) {
    return Error(ErrorKind::InvalidArgument, path + ": [" + remote.name + "] has unknown type '" +
                                                 remote.type + "' (known: " + comma_list(types) +
                                                 ")");
  }
  return Status::Ok();
}

// The keys a section of `type` may hold: its provider's, snapfs's own and, for the types whose
// snapshots have files, those of snapshot contents.
std::vector<std::string> section_keys(const std::string& type) {
  std::vector<std::string> keys = provider_config_keys(type);
  keys.insert(keys.end(), snapfs_keys().begin(), snapfs_keys().end());
  if (content::has_file_access(type)) {
    keys.insert(keys.end(), content::config_keys().begin(), content::config_keys().end());
  }
  return keys;
}

// What the section's keys say, once its name and type are good.
Status check_keys(const std::string& path, const RemoteConfig& remote) {
  std::vector<std::string> keys = section_keys(remote.type);
  for (const auto& entry : remote.keys) {
    if (std::find(keys.begin(), keys.end(), entry.first) == keys.end()) {
      return Error(ErrorKind::InvalidArgument,
                   path + ": " + unknown_key_message(remote, entry.first, keys));
    }
  }
  bool read_only = false;
  if (!parse_bool(remote.get("read_only"), &read_only)) {
    return Error(ErrorKind::InvalidArgument, path + ": [" + remote.name +
                                                 "] read_only must be true or false, not '" +
                                                 remote.get("read_only") + "'");
  }
  if (content::has_file_access(remote.type)) {
    if (auto content = content::parse_settings(remote); !content.ok()) {
      return Error(ErrorKind::InvalidArgument, path + ": " + content.error().message);
    }
  }
  return Status::Ok();
}

bool holds_secret(const std::vector<RemoteConfig>& remotes) {
  for (const RemoteConfig& remote : remotes) {
    for (const auto& [key, value] : remote.keys) {
      if (is_secret_key(key) && !value.empty()) return true;
    }
  }
  return false;
}

// As ssh refuses a private key others can read.
Status check_private(const std::string& path, const struct stat& st) {
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) == 0) return Status::Ok();
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return Error(ErrorKind::AccessDenied, path + " holds secrets but is accessible by others (mode " +
                                            mode + "); run: chmod 600 " + path);
}

}  // namespace

bool is_secret_key(const std::string& key) {
  static const std::set<std::string> kSecrets = {"secret_key",   "application_secret",
                                                 "consumer_key", "client_secret",
                                                 "access_token", "password"};
  return kSecrets.count(key) > 0;
}

Result<ConfigFile> load_config_file(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return Error(ErrorKind::NotFound, "cannot read configuration file " + path);
  }
  if (Status regular = check_regular_file(path, st); !regular.ok()) return regular.error();
  ParseState state;
  if (Status parsed = parse_file(path, &state); !parsed.ok()) return parsed.error();
  const std::vector<std::string> types = provider_types();
  // Section by section, in file order: the first mistake is the one reported.
  for (const RemoteConfig& remote : state.remotes) {
    Status good = check_name_and_type(path, remote, types);
    if (good.ok()) good = check_keys(path, remote);
    if (!good.ok()) return good.error();
  }
  if (state.remotes.empty()) {
    // An empty file, or one of comments only: mounting it would show an empty tree.
    return Error(ErrorKind::InvalidArgument,
                 path +
                     " defines no remote (a section such as [name] with a type = line; see "
                     "snapfs.conf(5))");
  }
  if (holds_secret(state.remotes)) {
    if (Status mode = check_private(path, st); !mode.ok()) return mode.error();
  }
  return ConfigFile{path, std::move(state.remotes)};
}

std::string default_config_path(const ProviderEnv& env) {
  std::vector<std::string> candidates;
  auto xdg = env.getenv ? env.getenv("XDG_CONFIG_HOME") : std::nullopt;
  if (xdg && !xdg->empty()) {
    candidates.push_back(*xdg + "/snapfs/snapfs.conf");
  } else if (!env.home.empty()) {
    candidates.push_back(env.home + "/.config/snapfs/snapfs.conf");
  }
  candidates.push_back("/etc/snapfs.conf");
  for (const auto& c : candidates) {
    if (access(c.c_str(), R_OK) == 0) return c;
  }
  return "";
}

}  // namespace snapfs
