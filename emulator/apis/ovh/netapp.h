// OVHcloud Enterprise File Storage (/storage/netapp): services, shares, snapshots, snapshot
// policies and reserves. Netapp owns that state; its route handlers are in netapp_routes.cc, the
// rest (time passing, the answers' JSON, seeds, state file) in netapp_model.cc.
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/api_module.h"
#include "emulator/apis/ovh/common.h"

namespace snapfs::emu::ovh {

struct EfsSnapshot {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::int64_t created_us = 0;
  std::string status = "available";
  std::string type = "manual";
  std::string path;
  std::int64_t until_us = 0;  // end of creating/deleting/restoring; 0 = no deadline
};

// One entry of a share's accessPath list: where its NFS export is mounted from.
struct EfsAccessPath {
  std::string id;
  std::string path;  // "host:/mountPointName", what users pass to mount -t nfs
  bool preferred = false;
};

struct EfsRule {
  std::int64_t copies = 1;
  std::string prefix;
  std::vector<int> minutes;
  std::optional<std::vector<int>> hours, days, months, weekdays;
};

struct EfsPolicy {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::int64_t created_us = 0;
  bool is_default = false;
  std::string status = "available";
  std::vector<EfsRule> rules;
};

struct EfsShare {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::string protocol = "NFS";
  std::int64_t size_gb = 100;
  std::string status = "available";
  std::int64_t created_us = 0;
  std::string mount_point;
  std::optional<std::string> source_snapshot;
  std::string policy_id;
  std::int64_t policy_until_us = 0;
  std::int64_t reserve_percent = 5;
  std::int64_t until_us = 0;  // end of reverting
  std::vector<EfsSnapshot> snapshots;
};

struct EfsService {
  std::string id;
  std::string name;
  std::int64_t created_us = 0;
  std::string region = "eu-west-gra";
  std::string status = "running";
  std::int64_t quota = 1024;
  // The address its shares' NFS exports are served at (accessPath); empty: one derived from the
  // id, so generated services differ without storing it.
  std::string nfs_ip;
  std::vector<EfsShare> shares;
  std::vector<EfsPolicy> policies;
};

class Netapp : private ApiPart {
 public:
  // `advance_all` brings the whole API's state (HA-NAS and EFS) up to now, as every request does
  // first; a handler whose change is due at once (--async-ms 0) calls it again.
  Netapp(EmuContext& ctx, std::function<void()> advance_all)
      : ApiPart(ctx, std::move(advance_all)) {}

  // Adds the /storage/netapp routes under `prefix` (netapp_routes.cc).
  void register_routes(const AddRoute& add, const std::string& prefix);
  // Ends the transitions (creating, deleting, reverting, policy updates) whose time has come.
  void advance(std::int64_t now) {
    if (efs_busy_) advance_efs(now);
  }
  void clear();
  void seed_demo(std::int64_t base, std::int64_t day);
  void seed_synthetic(const SyntheticSpec& spec, std::int64_t base, std::int64_t hour);
  // The state file's `netapp` member.
  void load(const rapidjson::Value& section);
  rapidjson::Value dump(Alloc& alloc) const;
  // A share's access paths: two, the second preferred (a client must choose by `preferred`, not
  // take the first), at the service's nfs_ip (the other one beside it), path "/<mount point>".
  static std::vector<EfsAccessPath> access_paths(const EfsService& service, const EfsShare& share);
  // Each share's preferred access path, with ".snapshot/<last component of path>" for each of
  // its snapshots.
  void content_volumes(std::vector<ContentVolume>& out) const;

 private:
  // The objects a request names, or its error answer.
  struct EfsLookup {
    EfsService* service = nullptr;
    EfsShare* share = nullptr;
    EfsSnapshot* snapshot = nullptr;
    std::optional<EmuResponse> error;
  };

  // advance(now) above steps this half alone; advance() brings the whole API up to now.
  using ApiPart::advance;
  EfsLookup efs_lookup(const EmuRequest& r, bool want_share, bool want_snapshot);

  // Route handlers (netapp_routes.cc), by resource.
  EmuResponse efs_list_services(const EmuRequest&);
  EmuResponse efs_get_service(const EmuRequest& r);
  static void write_efs_service(JsonWriter& w, const EfsService& s);
  EmuResponse efs_list_shares(const EmuRequest& r);
  EmuResponse efs_get_share(const EmuRequest& r);
  static void write_share(JsonWriter& w, const EfsShare& s, bool detail);
  EmuResponse efs_list_access_paths(const EmuRequest& r);
  EmuResponse efs_get_access_path(const EmuRequest& r);

  EmuResponse efs_list_snapshots(const EmuRequest& r);
  EmuResponse efs_get_snapshot(const EmuRequest& r);
  EmuResponse efs_create_snapshot(const EmuRequest& r);
  std::string snapshot_path(const EfsShare& share, const std::string& id) const;
  EmuResponse efs_update_snapshot(const EmuRequest& r);
  EmuResponse efs_delete_snapshot(const EmuRequest& r);
  EmuResponse efs_hold_snapshot(const EmuRequest& r);
  static void write_efs_snapshot(JsonWriter& w, const EfsSnapshot& s, bool detail);

  // A share's revert, policy and reserve.
  EmuResponse efs_revert(const EmuRequest& r);
  EmuResponse efs_get_share_policy(const EmuRequest& r);
  EmuResponse efs_put_share_policy(const EmuRequest& r);
  EfsPolicy* find_policy(EfsService& svc, const std::string& id);
  EmuResponse efs_get_reserve(const EmuRequest& r);
  EmuResponse efs_put_reserve(const EmuRequest& r);

  EmuResponse efs_list_policies(const EmuRequest& r);
  EmuResponse efs_get_policy(const EmuRequest& r);
  static void write_policy(JsonWriter& w, const EfsPolicy& p);
  EmuResponse efs_create_policy(const EmuRequest& r);
  static std::optional<std::vector<int>> int_list(const rapidjson::Value& schedule,
                                                  const char* name, int lo, int hi, bool* bad);
  EmuResponse efs_update_policy(const EmuRequest& r);
  EmuResponse efs_delete_policy(const EmuRequest& r);

  // The model (netapp_model.cc).
  void advance_efs(std::int64_t now);
  EfsService service_from_state(const rapidjson::Value& sv) const;
  EfsShare share_from_state(const rapidjson::Value& shv) const;
  EfsSnapshot snapshot_from_state(const rapidjson::Value& snv, const EfsShare& share) const;
  static EfsRule make_rule(std::int64_t copies, const std::string& prefix, std::vector<int> minutes,
                           std::optional<std::vector<int>> hours = std::nullopt,
                           std::optional<std::vector<int>> weekdays = std::nullopt);
  EfsSnapshot make_efs_snapshot(const EfsShare& share, const std::string& id,
                                std::optional<std::string> name, const std::string& type,
                                std::int64_t created_us);

  std::vector<EfsService> efs_;
  bool efs_busy_ = false;  // some EFS object has a deadline
};

}  // namespace snapfs::emu::ovh
