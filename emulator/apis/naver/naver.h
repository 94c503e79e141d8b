// The NAVER Cloud emulator's model and shared pieces: the NAS volumes, snapshots and history per
// platform (classic, VPC), the helpers, the XML and JSON rendering of an answer, and the module
// class. The module's core (signature check, dispatch) is in emulator/apis/naver.cc; the actions
// and the seeds and state file are in the files beside this one.
#pragma once

#include <rapidjson/document.h>
#include <tinyxml2.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/api_module.h"

namespace snapfs::emu::naver {

using Alloc = rapidjson::Document::AllocatorType;
using Params = std::multimap<std::string, std::string>;

constexpr std::int64_t kKstOffsetSeconds = 9 * 3600;
constexpr std::int64_t kTimestampWindowMs = 5 * 60 * 1000;

namespace code {
constexpr const char* kInvalidInstanceNo = "24109";
constexpr const char* kSnapshotNotFound = "35101";
constexpr const char* kSnapshotBusy = "35102";
constexpr const char* kSnapshotsDisabled = "35103";
constexpr const char* kSnapshotCapacity = "35104";
constexpr const char* kInvalidParameter = "35105";
}  // namespace code

struct NasSnapshot {
  std::string name;
  std::int64_t created = 0;  // Unix seconds
  std::uint64_t size = 0;
  bool busy_forever = false;
  std::int64_t busy_until_us = 0;
};

struct NasHistory {
  std::string sequence_no;
  std::string type;  // CREAT, CHG, DEL
  std::string ip;
  std::int64_t date = 0;
  int ratio = 0;
  std::optional<int> day;
  int hour = 0;
};

struct NasVolume {
  std::string no;
  std::string name;
  std::string region;
  std::string zone;
  std::string description;
  std::string protocol = "NFS";
  std::string mount_ip = "10.250.53.74";
  std::int64_t created = 0;
  std::uint64_t total_size = 0;
  int ratio = 0;
  std::optional<int> day;  // -1 daily, 0..6 weekly
  int hour = 0;
  std::uint64_t new_snapshot_size = 0;
  std::vector<NasSnapshot> snapshots;  // oldest first
  std::vector<NasHistory> history;     // oldest first

  std::uint64_t reserve() const { return total_size / 100 * static_cast<std::uint64_t>(ratio); }
  std::uint64_t used() const {
    std::uint64_t sum = 0;
    for (const auto& s : snapshots) sum += s.size;
    return sum;
  }
};

struct Region {
  std::string no;
  std::string code;
  std::string name;
};

struct Platform {
  std::vector<Region> regions;
  std::vector<NasVolume> volumes;
};

struct Credential {
  std::string access_key;
  std::string secret_key;
};

struct KnownRegion {
  const char* code;
  const char* no;
  const char* name;
};
constexpr KnownRegion kKnownRegions[] = {{"KR", "1", "Korea"},
                                         {"SGN", "5", "Singapore"},
                                         {"JPN", "7", "Japan"},
                                         {"USWN", "2", "US-West"},
                                         {"DEN", "6", "Germany"}};

// ---- small helpers --------------------------------------------------------------------------

std::string kst_format(std::int64_t unix_seconds, const char* pattern);

std::string kst_date(std::int64_t unix_seconds);

std::string snapshot_name_at(std::int64_t unix_seconds);

std::optional<std::int64_t> to_int(const std::string& text);

// Whole numbers written as "10" or "10.0".
std::optional<std::int64_t> to_whole(const std::string& text);

std::string param(const Params& p, const std::string& name);

bool has_param(const Params& p, const std::string& name);

// Values of a 1-based list parameter (name.1, name.2, ...), in index order.
std::vector<std::string> list_param(const Params& p, const std::string& name);

std::string lower(std::string s);

std::string hmac_base64(const std::string& key, const std::string& message);

bool same_secret(const std::string& a, const std::string& b);

rapidjson::Value str(const std::string& s, Alloc& a);

rapidjson::Value common_code(const std::string& c, const std::string& name, Alloc& a);

std::string day_name(int day);

// ---- XML and JSON rendering of one answer ----------------------------------------------------

void append_xml(tinyxml2::XMLDocument& doc, tinyxml2::XMLNode* parent, const std::string& name,
                const rapidjson::Value& v);

std::string render_xml(const std::string& root, const rapidjson::Value& body, bool declaration);

// {"<root>": {...}} with one space after the colon and no trailing newline, as NCP sends it
// (the Go SDK's unwrapping depends on that space).
std::string render_json(const std::string& root, const rapidjson::Value& body);

EmuResponse reply(int status, const std::string& root, const rapidjson::Value& body, bool json,
                  bool declaration = true);

EmuResponse service_error(const std::string& return_code, const std::string& message, bool json);

// An API Gateway error body for an HTTP status, with the gateway's errorCode for it.
EmuResponse gateway_error(int status, bool json);

// An answer body that starts like every NAS answer.
rapidjson::Document success_body(const std::string& request_id);

// ---- the module -----------------------------------------------------------------------------

class NaverModule : public ApiModule {
 public:
  explicit NaverModule(EmuContext& ctx) : ctx_(ctx) { clear(); }

  std::string name() const override { return "naver"; }

  void register_routes(
      const std::function<void(const std::string&, const std::string&, Handler)>& add) override {
    static const char* const kCommon[] = {"getNasVolumeInstanceList",
                                          "getNasVolumeSnapshotList",
                                          "createNasVolumeSnapshot",
                                          "deleteNasVolumeSnapshot",
                                          "restoreNasVolumeWithSnapshot",
                                          "changeNasVolumeSnapshotConfiguration",
                                          "getNasVolumeSnapshotConfigurationHistoryList"};
    for (bool classic : {true, false}) {
      std::vector<std::string> actions(std::begin(kCommon), std::end(kCommon));
      actions.push_back(classic ? "getRegionList" : "getNasVolumeInstanceDetail");
      const std::string prefix = classic ? "/server/v2/" : "/vnas/v2/";
      for (const std::string& action : actions) {
        for (const char* method : {"GET", "POST"}) {
          add(method, prefix + action, [this, classic, action](const EmuRequest& req) {
            return handle(classic, action, req);
          });
        }
      }
    }
  }

  void seed_demo() override;
  void seed_synthetic(const SyntheticSpec& spec) override;
  void load(const rapidjson::Value& section) override;
  void dump(rapidjson::Value& out, Alloc& alloc) const override;
  // Each volume's mountInformation, with ".snapshot/<name>" for each of its snapshots (both
  // platforms).
  void content_volumes(std::vector<ContentVolume>& out) const override;

  // A fault status answers as the API Gateway does (specs/naver-api.md 5.1).
  EmuResponse fault_response(int status) const override { return gateway_error(status, true); }

  std::string garbage_body() const override {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<getNasVolumeSnapshotListResponse>"
           "<returnCode>0</retu";
  }

 private:
  EmuResponse handle(bool classic, const std::string& action, const EmuRequest& req);
  bool authenticated(const EmuRequest& req) const;

  EmuResponse region_list(const Platform& p, bool json);
  EmuResponse volume_list(bool classic, Platform& p, const Params& in, bool json);
  EmuResponse volume_detail(bool classic, Platform& p, const Params& in, bool json);
  EmuResponse snapshot_list(NasVolume& v, const std::string& action, bool json);
  EmuResponse create_snapshot(NasVolume& v, bool json);
  std::optional<EmuResponse> find_snapshot(NasVolume& v, const Params& in, bool json,
                                           std::string* name,
                                           std::vector<NasSnapshot>::iterator* it);
  EmuResponse delete_snapshot(NasVolume& v, const Params& in, bool json);
  EmuResponse restore_snapshot(NasVolume& v, const Params& in, bool json);
  EmuResponse change_configuration(bool classic, Platform& p, NasVolume& v, const Params& in,
                                   bool json);
  EmuResponse history_list(const NasVolume& v, bool json);

  rapidjson::Value volume_json(bool classic, const Platform& p, const NasVolume& v, Alloc& a) const;
  rapidjson::Value snapshot_json(const NasSnapshot& s, Alloc& a) const;
  EmuResponse volume_answer(bool classic, const Platform& p, const std::string& action,
                            const std::vector<const NasVolume*>& volumes, std::size_t total,
                            bool json);
  NasVolume* find_volume(Platform& p, const std::string& no);
  const Region* find_region_by_code(const Platform& p, const std::string& code) const;
  bool busy(const NasSnapshot& s) const {
    return s.busy_forever || s.busy_until_us > ctx_.now_unix_us();
  }
  std::string next_instance_no() { return std::to_string(next_instance_no_++); }
  void add_history(NasVolume& v, const std::string& type);
  void clear();
  void seed_platform_regions(Platform& p, int count);

  EmuContext& ctx_;
  std::vector<Credential> credentials_;
  Platform classic_;
  Platform vpc_;
  std::int64_t next_instance_no_ = 1000001;
  std::int64_t next_history_no_ = 5000;
};

}  // namespace snapfs::emu::naver
