// naver-nas: NAVER Cloud NAS volume snapshots, Classic (/server/v2) or VPC (/vnas/v2).
// Services are regions, volumes are NAS volumes, snapshots are addressed by their name, which the
// API assigns (now.YYYYMMDD.HHMMSS); the filesystem keeps the mkdir name as an alias.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "providers/naver/naver_client.h"
#include "providers/naver/naver_response.h"
#include "providers/naver/naver_settings.h"
#include "providers/provider.h"

namespace snapfs {

class NaverNasProvider : public Provider {
 public:
  NaverNasProvider(std::string remote_name, NaverSettings settings);

  const Capabilities& capabilities() const override { return capabilities_; }
  Result<std::vector<ServiceInfo>> list_services(const OpContext& ctx) override;
  Result<std::vector<VolumeInfo>> list_volumes(const ObjectRef& service,
                                               const OpContext& ctx) override;
  Result<std::vector<SnapshotInfo>> list_snapshots(const ObjectRef& volume,
                                                   const OpContext& ctx) override;
  Result<SnapshotInfo> create_snapshot(const ObjectRef& volume, const CreateRequest& request,
                                       const OpContext& ctx) override;
  Status delete_snapshot(const ObjectRef& snapshot, const OpContext& ctx) override;
  Result<AttrList> fetch_attrs(const ObjectRef& object, const OpContext& ctx) override;
  Result<AttrUpdate> set_attr(const ObjectRef& object, const std::string& key,
                              const std::string& value, const OpContext& ctx) override;
  Status validate_name(const std::string& name) const override;
  const RequestStats* request_stats() const override { return &client_.stats(); }

  const NaverSettings& settings() const { return client_.settings(); }

 private:
  using Params = NaverClient::Params;
  using CallKind = NaverClient::CallKind;

  // Parameters every call about one volume takes (its number; the region on VPC).
  Params volume_params(const ObjectRef& ref) const;
  Result<std::vector<NasSnapshotItem>> snapshot_items(const ObjectRef& volume,
                                                      const OpContext& ctx);
  Result<std::vector<NasRegionItem>> region_list(const OpContext& ctx);
  Result<std::string> classic_region_no(const std::string& region_code, const OpContext& ctx);
  Result<NasVolumeItem> fetch_volume(const ObjectRef& volume, const OpContext& ctx);
  // The volume's provider_data, newest known: what this mount last wrote, unless the listing has
  // been refreshed since; fetched when the filesystem has none.
  Result<std::string> volume_config(const ObjectRef& volume, const OpContext& ctx);

  VolumeInfo volume_info(const NasVolumeItem& item) const;
  SnapshotInfo snapshot_info(const NasSnapshotItem& item, const std::string& volume_id) const;
  std::string where(const ObjectRef& ref) const;  // "volume n123_data (1234567) in KR" for logs
  // "remote 'x': ", the start of this remote's messages.
  std::string who() const { return "remote '" + client_.remote_name() + "': "; }

  NaverClient client_;
  Capabilities capabilities_;

  std::mutex mu_;
  std::map<std::string, std::string> region_numbers_;  // Classic regionCode -> regionNo
  struct WrittenConfig {
    std::string listed;   // provider_data the filesystem had when this mount wrote
    std::string written;  // provider_data from the API's answer to the write
  };
  std::map<std::string, WrittenConfig> written_configs_;  // "service/volume"
};

// The factory make_provider uses for type naver-nas.
Result<std::unique_ptr<Provider>> make_naver_nas_provider(const RemoteConfig& remote,
                                                          const ProviderEnv& env);

}  // namespace snapfs
