// The one interface between the filesystem and a cloud API. A provider knows its API's routes,
// bodies, signatures and errors; it knows nothing of FUSE, inodes or caches. The filesystem knows
// nothing of HTTP. Every call is synchronous, bounded by its OpContext, and returns a typed result.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "providers/op_context.h"
#include "providers/request_stats.h"
#include "providers/result.h"

namespace snapfs {

// One `user.snapfs.<key>` attribute value. Providers add their own keys (e.g. "protocol").
struct Attr {
  std::string key;
  std::string value;
};
using AttrList = std::vector<Attr>;

// Where an object sits in the tree.
enum class Level { Service, Volume, SnapshotsDir, Snapshot };

// Identifies an object for a provider call. Fields below the object's level are empty.
struct ObjectRef {
  Level level = Level::Service;
  std::string service_id;
  std::string volume_id;
  // Opaque data the provider put in VolumeInfo::provider_data (e.g. the volume's project), handed
  // back so that a create needs no extra lookup request.
  std::string volume_data;
  std::string snapshot_id;
  std::string snapshot_name;  // for APIs that address snapshots by name (OVH HA-NAS, NAVER)
};

struct ServiceInfo {
  std::string id;    // path component for the API
  std::string name;  // shown in the tree (the filesystem shows `id` when empty)
  AttrList attrs;    // read-only extra attributes
  std::string json;  // the provider's object (empty when the service has none, e.g. a zone)
};

struct VolumeInfo {
  std::string id;
  std::string name;
  std::int64_t created_us = 0;  // microseconds since the epoch, 0 when unknown
  std::optional<std::uint64_t> size;
  std::string state;                             // mapped, lower case ("available", "in_use", ...)
  std::optional<std::vector<std::string>> tags;  // present when the API has tags
  AttrList attrs;
  std::string provider_data;
  std::string json;
  // The volume's NFS export as users mount it ("10.16.101.42:/zpool-123456/partition1"), from
  // the API; empty when the volume has no file access (block volumes) or the API does not say.
  std::string nfs_export;
};

struct SnapshotInfo {
  std::string id;
  std::string name;
  std::string volume_id;  // always set (used to group per-service listings)
  std::int64_t created_us = 0;
  std::optional<std::uint64_t> size;
  // Mapped state: "creating", "available", "deleting", "busy", "error", or the provider's own
  // word when nothing maps; the raw value stays in `json`.
  std::string state;
  std::string type;  // "manual", "automatic", "system", or empty when the API does not say
  std::optional<std::string> description;
  std::optional<std::string> expiration;  // RFC 3339, empty string when none
  std::optional<std::vector<std::string>> tags;
  AttrList attrs;
  std::string json;
  // Where the snapshot's files are, relative to the root of its volume's NFS export
  // (".zfs/snapshot/daily", ".snapshot/daily"); empty when the provider gives no file access.
  std::string content_dir;
};

struct CreateRequest {
  std::string name;  // provider name, already unescaped
  std::optional<std::int64_t> expires_in_seconds;
  std::optional<std::string> description;
};

// What a successful attribute write changed, so the filesystem can update its cache from the
// provider's answer without listing again.
struct AttrUpdate {
  std::optional<SnapshotInfo> snapshot;
  std::optional<VolumeInfo> volume;
};

// How a provider's snapshot list is scoped. Scaleway lists a whole zone in one paginated call,
// then the filesystem groups the result by volume; the other APIs list one volume at a time.
enum class SnapshotListing { PerVolume, PerService };

// An attribute a provider supports beyond the common ones of SEMANTICS.md section 4.
struct AttrSpec {
  Level level;
  std::string key;        // without the "user.snapfs." prefix
  bool writable = false;  // written through Provider::set_attr
  bool lazy = false;      // not in listings: read through Provider::fetch_attrs
};

struct Capabilities {
  SnapshotListing listing = SnapshotListing::PerVolume;
  bool rename = false;
  bool create_expiration = false;  // user.snapfs.default-expiration on .snapshots
  // The API names new snapshots itself (NAVER: now.YYYYMMDD.HHMMSS), so a create whose answer
  // was lost is recognised by a snapshot that appeared meanwhile, not by mkdir's name.
  bool server_names = false;
  std::vector<AttrSpec>
      attrs;  // e.g. {Snapshot, "tags", writable}, {SnapshotsDir, "schedule", writable, lazy}
};

class Provider {
 public:
  virtual ~Provider() = default;

  virtual const Capabilities& capabilities() const = 0;

  virtual Result<std::vector<ServiceInfo>> list_services(const OpContext& ctx) = 0;
  virtual Result<std::vector<VolumeInfo>> list_volumes(const ObjectRef& service,
                                                       const OpContext& ctx) = 0;
  // PerVolume providers get a Volume ref; PerService providers get a Service ref and return every
  // snapshot of the service, each with volume_id set.
  virtual Result<std::vector<SnapshotInfo>> list_snapshots(const ObjectRef& scope,
                                                           const OpContext& ctx) = 0;
  // The same list, handed to `sink` one snapshot at a time as the pages arrive, so that a long
  // list (a Scaleway zone of 20,000 snapshots) never sits in memory whole. On error, the
  // snapshots already handed over are to be discarded. The default calls list_snapshots.
  using SnapshotSink = std::function<void(SnapshotInfo&&)>;
  virtual Status stream_snapshots(const ObjectRef& scope, const OpContext& ctx,
                                  const SnapshotSink& sink);

  // Returns once the provider accepted the request. The returned snapshot may be in an
  // in-progress state and may carry a server-assigned name that differs from request.name.
  // A create is never re-sent blindly: an unknown outcome is reported with outcome_unknown.
  virtual Result<SnapshotInfo> create_snapshot(const ObjectRef& volume,
                                               const CreateRequest& request,
                                               const OpContext& ctx) = 0;
  // Deletes by provider id (or name where the API has nothing else). Deleting a snapshot that is
  // already gone succeeds.
  virtual Status delete_snapshot(const ObjectRef& snapshot, const OpContext& ctx) = 0;
  virtual Result<SnapshotInfo> rename_snapshot(const ObjectRef& snapshot,
                                               const std::string& new_name, const OpContext& ctx);

  // Attributes declared lazy in capabilities(), for one object.
  virtual Result<AttrList> fetch_attrs(const ObjectRef& object, const OpContext& ctx);
  // Writes one attribute declared writable in capabilities(). Malformed values: InvalidArgument,
  // with nothing changed.
  virtual Result<AttrUpdate> set_attr(const ObjectRef& object, const std::string& key,
                                      const std::string& value, const OpContext& ctx);

  // Local check of a new snapshot name before any request (InvalidArgument / NameTooLong).
  virtual Status validate_name(const std::string& name) const;

  // Counters of the requests this provider made, for user.snapfs.stats; may be null.
  virtual const RequestStats* request_stats() const { return nullptr; }
};

// A remote as configured: an INI section `[name]` with `type = ...` and its keys.
struct RemoteConfig {
  std::string name;
  std::string type;
  std::map<std::string, std::string> keys;

  std::string get(const std::string& key, const std::string& fallback = "") const {
    auto it = keys.find(key);
    return it == keys.end() ? fallback : it->second;
  }
};

// What a provider may read from its surroundings; replaceable in tests.
struct ProviderEnv {
  // Returns the value of an environment variable, or nullopt when unset.
  std::function<std::optional<std::string>(const std::string& name)> getenv;
  std::string home;  // the user's home directory
};
ProviderEnv default_provider_env();

// Builds the provider for a remote, or explains (without secrets) why it cannot.
Result<std::unique_ptr<Provider>> make_provider(const RemoteConfig& remote, const ProviderEnv& env);

// The remote types make_provider knows.
std::vector<std::string> provider_types();

// The section keys the provider of `type` reads (`type` itself and the keys snapfs reads for
// every remote, such as read_only, not included); empty for an unknown type.
std::vector<std::string> provider_config_keys(const std::string& type);

}  // namespace snapfs
