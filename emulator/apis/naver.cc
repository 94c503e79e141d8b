// NAVER Cloud NAS, Classic (/server/v2/<action>) and VPC (/vnas/v2/<action>), as described in
// specs/naver-api.md: GET with query parameters or POST with a form body, API Gateway signature
// v2 (header -v2 or -v1), XML answers by default and JSON with responseFormatType=json.
//
// Behaviour the public documents leave open, as this emulator defines it:
// - Authentication: the timestamp must be within 5 minutes of the emulator's clock; the
//   signature is checked against "METHOD raw-target" and against the same target with its query
//   percent-decoded. Any failure is HTTP 401, API Gateway error 200 "Authentication Failed"
//   (JSON; for XML requests <Message><error>...</error></Message>).
// - Business errors are HTTP 400 with a responseError body. Codes:
//     24109  unknown nasVolumeInstanceNo (the real code of the NCP SDK tests)
//     35101  no snapshot of that name                        (emulator-defined)
//     35102  the snapshot is busy (isBusy=true)               (emulator-defined)
//     35103  snapshots are off: snapshotVolumeConfigurationRatio is 0 (emulator-defined)
//     35104  snapshot capacity exceeded, nothing could be evicted      (emulator-defined)
//     35105  missing or invalid parameter                     (emulator-defined)
// - createNasVolumeSnapshot names the snapshot now.YYYYMMDD.HHMMSS in KST (+0900) from the
//   emulator's clock; when that name is taken (two creates in one second) the next free second
//   is used, and createDate matches the name. The snapshot has isBusy=true for --async-ms, then
//   false. Its size is the volume's `newSnapshotSize` (state field, default 0).
// - Capacity: a volume reserves snapshotVolumeSize = volumeTotalSize * ratio / 100 bytes
//   (volumeSize is the rest). Before a create, the oldest snapshots that are not busy are
//   deleted until the existing snapshots plus the new one fit; if they cannot fit, the create
//   fails with 35104 and nothing changes. Lowering the ratio deletes the oldest non-busy
//   snapshots until the rest fit (ratio 0 deletes all of them).
// - changeNasVolumeSnapshotConfiguration without snapshotVolumeConfigDayOfWeekTypeCode turns
//   automatic snapshots off and keeps the ratio; a day code with ratio 0 is refused (35105).
//   Automatic snapshots are not taken by the emulator.
// - VPC getNasVolumeInstanceList pages with pageNo/pageSize; totalRows is the number of volumes
//   matching the filters (all pages). Without regionCode it lists region KR. Classic lists every
//   region unless regionNo is given. Classic also answers getRegionList.
// - Seeded snapshots may be busy for ever ("busy": true in the state).
//
// State section "naver" (seed files use the same shape; times are Unix seconds):
//   {"credentials": [{"accessKey": ..., "secretKey": ...}],
//    "platforms": {"classic"|"vpc": {"regions": [{"regionNo", "regionCode", "regionName"}],
//      "volumes": [{"nasVolumeInstanceNo", "volumeName", "regionCode", "zoneCode", "description",
//        "protocol", "created", "volumeTotalSize", "snapshotVolumeConfigurationRatio",
//        "snapshotVolumeConfigDayOfWeekTypeCode", "snapshotVolumeConfigTime", "newSnapshotSize",
//        "snapshots": [{"name", "created", "size", "busy", "busyUntilUs"}], "history": [...]}]}}}
//
// This file is the module's core (signature check, dispatch); the model and shared pieces are in
// naver/naver.h, the actions, seeds and state file beside it.
#include "emulator/apis/naver/naver.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <tinyxml2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "emulator/api_module.h"
#include "emulator/emu_util.h"
#include "httplib.h"

namespace snapfs::emu {
namespace naver {

bool NaverModule::authenticated(const EmuRequest& req) const {
  std::string timestamp = req.header("x-ncp-apigw-timestamp");
  std::string access_key = req.header("x-ncp-iam-access-key");
  std::string signature = req.header("x-ncp-apigw-signature-v2");
  if (signature.empty()) signature = req.header("x-ncp-apigw-signature-v1");
  auto ts = to_int(timestamp);
  if (!ts || access_key.empty() || signature.empty()) return false;
  std::int64_t now_ms = ctx_.now_unix_us() / 1000;
  if (std::llabs(now_ms - *ts) > kTimestampWindowMs) return false;
  const Credential* cred = nullptr;
  for (const auto& c : credentials_) {
    if (c.access_key == access_key) cred = &c;
  }
  if (cred == nullptr) return false;
  std::string target = req.raw_target;
  if (target.empty()) target = req.path + (req.raw_query.empty() ? "" : "?" + req.raw_query);
  std::vector<std::string> uris = {target};
  if (!req.raw_query.empty()) {
    std::string raw_path = target.substr(0, target.find('?'));
    uris.push_back(raw_path + "?" + httplib::detail::decode_url(req.raw_query, false));
  }
  for (const std::string& uri : uris) {
    std::string message = req.method + " " + uri + "\n" + timestamp + "\n" + access_key;
    if (same_secret(hmac_base64(cred->secret_key, message), signature)) return true;
  }
  return false;
}

EmuResponse NaverModule::handle(bool classic, const std::string& action, const EmuRequest& req) {
  Params in = req.query;
  std::string content_type = lower(req.header("content-type"));
  if (req.method == "POST" && !req.body.empty() &&
      (content_type.empty() ||
       content_type.find("application/x-www-form-urlencoded") != std::string::npos)) {
    httplib::Params form;
    httplib::detail::parse_query_text(req.body, form);
    for (const auto& [key, value] : form) {
      // The core may have merged the form already; a parameter counts once.
      auto range = in.equal_range(key);
      bool seen = std::any_of(range.first, range.second,
                              [&](const auto& kv) { return kv.second == value; });
      if (!seen) in.emplace(key, value);
    }
  }
  const bool json = lower(param(in, "responseFormatType")) == "json";
  if (!authenticated(req)) return gateway_error(401, json);

  Platform& p = classic ? classic_ : vpc_;
  if (action == "getRegionList") return region_list(p, json);
  if (action == "getNasVolumeInstanceList") return volume_list(classic, p, in, json);
  if (action == "getNasVolumeInstanceDetail") return volume_detail(classic, p, in, json);

  const std::string no = param(in, "nasVolumeInstanceNo");
  if (no.empty())
    return service_error(code::kInvalidParameter, "nasVolumeInstanceNo is required.", json);
  NasVolume* v = find_volume(p, no);
  std::string region = param(in, "regionCode");
  if (v == nullptr || (!classic && !region.empty() && region != v->region)) {
    return service_error(code::kInvalidInstanceNo,
                         "The input parameter instance number is invalid.", json);
  }
  if (action == "getNasVolumeSnapshotList") return snapshot_list(*v, action, json);
  if (action == "createNasVolumeSnapshot") return create_snapshot(*v, json);
  if (action == "deleteNasVolumeSnapshot") return delete_snapshot(*v, in, json);
  if (action == "restoreNasVolumeWithSnapshot") return restore_snapshot(*v, in, json);
  if (action == "changeNasVolumeSnapshotConfiguration") {
    return change_configuration(classic, p, *v, in, json);
  }
  return history_list(*v, json);
}

NasVolume* NaverModule::find_volume(Platform& p, const std::string& no) {
  for (auto& v : p.volumes) {
    if (v.no == no) return &v;
  }
  return nullptr;
}

const Region* NaverModule::find_region_by_code(const Platform& p, const std::string& code) const {
  for (const auto& r : p.regions) {
    if (r.code == code) return &r;
  }
  return nullptr;
}

}  // namespace naver

std::unique_ptr<ApiModule> make_naver_module(EmuContext& ctx) {
  auto module = std::make_unique<naver::NaverModule>(ctx);
  return module;
}

}  // namespace snapfs::emu
