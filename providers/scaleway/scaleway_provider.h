// The Scaleway providers: zones as services, volumes, and every snapshot of a zone listed in one
// paginated call (grouped per volume by the filesystem). Instance and Block differ only in
// routes, pagination, field names and state words: each is a ScalewayApi that this one provider
// reads, so a fix to the shared logic reaches both.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "providers/provider.h"
#include "providers/scaleway/scaleway_client.h"

namespace snapfs {

// The names that differ between the APIs: fields of their objects and a query parameter.
struct ScalewayNames {
  const char* created;        // creation time
  const char* state;          // state word
  const char* project;        // project id (also the create body's key)
  const char* parent;         // the object naming a snapshot's volume
  const char* volume_filter;  // the query parameter that restricts a snapshot list to one volume
};

// An API state word and the filesystem's word for it; words not listed are shown unchanged.
struct ScalewayStateWord {
  const char* api;
  const char* shown;
};

struct ScalewayPaging {
  // The query of one list page, e.g. "per_page=100&page=3".
  std::string (*query)(int page, int page_size);
  // The total item count of a list answer, when it says.
  std::optional<std::int64_t> (*total)(const HttpResponse& response, const rapidjson::Value& body);
};

// How the JSON bodies are laid out.
struct ScalewayBodies {
  // Single-object answers wrap the object under its kind ({"snapshot": {...}}) or are bare.
  bool wrapped;
  // The create body: whether "name" comes before "volume_id", and whether an empty "tags"
  // list is sent (Block); kept so that the request on the wire stays byte for byte the same.
  bool name_first;
  bool empty_tags;
};

// What sets one Scaleway storage API apart from the other.
struct ScalewayApi {
  const char* prefix;  // "/instance/v1" or "/block/v1"
  const char* noun;    // "an Instance", "a Block": how messages name its objects
  ScalewayPaging paging;
  ScalewayNames names;
  std::span<const ScalewayStateWord> states;
  ScalewayBodies bodies;
};

// The filesystem's word for an API's snapshot state word.
std::string map_scaleway_state(const ScalewayApi& api, const std::string& word);

// Object parsers. They never crash on a wrong field type: such fields are treated as absent, and
// only an object without an id is a BadResponse. volume_id stays empty for a snapshot whose
// volume is gone.
Result<VolumeInfo> parse_scaleway_volume(const ScalewayApi& api, const rapidjson::Value& object);
Result<SnapshotInfo> parse_scaleway_snapshot(const ScalewayApi& api,
                                             const rapidjson::Value& object);

class ScalewayProvider : public Provider {
 public:
  ScalewayProvider(std::unique_ptr<ScalewayClient> client, const ScalewayApi& api);

  const Capabilities& capabilities() const override { return capabilities_; }
  Result<std::vector<ServiceInfo>> list_services(const OpContext& ctx) override;
  Result<std::vector<VolumeInfo>> list_volumes(const ObjectRef& service,
                                               const OpContext& ctx) override;
  Result<std::vector<SnapshotInfo>> list_snapshots(const ObjectRef& scope,
                                                   const OpContext& ctx) override;
  Status stream_snapshots(const ObjectRef& scope, const OpContext& ctx,
                          const SnapshotSink& sink) override;
  Result<SnapshotInfo> create_snapshot(const ObjectRef& volume, const CreateRequest& request,
                                       const OpContext& ctx) override;
  Status delete_snapshot(const ObjectRef& snapshot, const OpContext& ctx) override;
  Result<SnapshotInfo> rename_snapshot(const ObjectRef& snapshot, const std::string& new_name,
                                       const OpContext& ctx) override;
  Result<AttrUpdate> set_attr(const ObjectRef& object, const std::string& key,
                              const std::string& value, const OpContext& ctx) override;
  const RequestStats* request_stats() const override { return &client_->stats(); }

 private:
  static constexpr int kPageSize = 100;

  // A BadResponse naming the remote and what was being read.
  Error bad_response(const std::string& what) const;
  std::string zone_path(const std::string& zone) const;
  // The object of a single-object answer (`kind` is "snapshot" or "volume"), or null.
  const rapidjson::Value* single_object(const rapidjson::Value& body, const char* kind) const;
  Result<VolumeInfo> parse_volume(const rapidjson::Value& object) const;
  Result<SnapshotInfo> parse_snapshot(const rapidjson::Value& object) const;
  std::string create_body(const ObjectRef& volume, const CreateRequest& request) const;
  // Every item of a list, page by page, to `consume`.
  template <class T, class Parse>
  Status list_all(const std::string& path, const char* collection, const std::string& filter,
                  const Parse& parse, const OpContext& ctx,
                  const std::function<void(std::vector<T>&&)>& consume);
  Result<SnapshotInfo> snapshot_from(const HttpResponse& response, const std::string& what,
                                     const std::string& volume_id) const;
  Result<SnapshotInfo> patch_snapshot(const ObjectRef& snapshot, const std::string& body,
                                      const OpContext& ctx);
  Result<VolumeInfo> patch_volume(const ObjectRef& volume, const std::string& body,
                                  const OpContext& ctx);

  std::unique_ptr<ScalewayClient> client_;
  const ScalewayApi& api_;
  Capabilities capabilities_;
};

// One Scaleway type: the provider with its API fixed, and that API's parsers by name (for tests).
template <const ScalewayApi& kApi>
class ScalewayTypedProvider : public ScalewayProvider {
 public:
  explicit ScalewayTypedProvider(std::unique_ptr<ScalewayClient> client)
      : ScalewayProvider(std::move(client), kApi) {}
  static Result<VolumeInfo> parse_volume_object(const rapidjson::Value& object) {
    return parse_scaleway_volume(kApi, object);
  }
  static Result<SnapshotInfo> parse_snapshot_object(const rapidjson::Value& object) {
    return parse_scaleway_snapshot(kApi, object);
  }
  static std::string map_snapshot_state(const std::string& word) {
    return map_scaleway_state(kApi, word);
  }
};

// The most the tags may take as JSON. The API sets no limit, but they are part of the object
// shown in user.snapfs.json, and an xattr value cannot exceed 64 KiB (the kernel's limit): half
// of that leaves the rest of the object its room, so the metadata stays readable.
constexpr std::size_t kScalewayMaxTagsJson = 32 * 1024;

// Parses a `user.snapfs.tags` value: comma-separated, each tag trimmed, "" = no tags.
// InvalidArgument for control characters or tags over kScalewayMaxTagsJson.
Result<std::vector<std::string>> parse_scaleway_tags(const std::string& value);

// Builds the client of `remote` and the provider of `api` over it.
Result<std::unique_ptr<Provider>> make_scaleway_provider(const RemoteConfig& remote,
                                                         const ProviderEnv& env,
                                                         const ScalewayApi& api);

// Factories for make_provider (registry.cc).
Result<std::unique_ptr<Provider>> make_scaleway_instance_provider(const RemoteConfig& remote,
                                                                  const ProviderEnv& env);
Result<std::unique_ptr<Provider>> make_scaleway_block_provider(const RemoteConfig& remote,
                                                               const ProviderEnv& env);

}  // namespace snapfs
