// NAVER Cloud NAS actions: regions, volumes, snapshots, settings and history.
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

#include "emulator/apis/naver/naver.h"
#include "emulator/emu_util.h"

namespace snapfs::emu::naver {

EmuResponse NaverModule::region_list(const Platform& p, bool json) {
  rapidjson::Document body = success_body(ctx_.new_uuid());
  Alloc& a = body.GetAllocator();
  body.AddMember("totalRows", static_cast<std::int64_t>(p.regions.size()), a);
  rapidjson::Value list(rapidjson::kArrayType);
  for (const auto& r : p.regions) {
    rapidjson::Value item(rapidjson::kObjectType);
    item.AddMember("regionNo", str(r.no, a), a);
    item.AddMember("regionCode", str(r.code, a), a);
    item.AddMember("regionName", str(r.name, a), a);
    list.PushBack(item, a);
  }
  body.AddMember("regionList", list, a);
  return reply(200, "getRegionListResponse", body, json);
}

rapidjson::Value NaverModule::volume_json(bool classic, const Platform& p, const NasVolume& v,
                                          Alloc& a) const {
  rapidjson::Value o(rapidjson::kObjectType);
  o.AddMember("nasVolumeInstanceNo", str(v.no, a), a);
  o.AddMember("nasVolumeInstanceStatus", common_code("CREAT", "NAS create", a), a);
  o.AddMember("nasVolumeInstanceOperation", common_code("NULL", "NAS NULL OP", a), a);
  o.AddMember("nasVolumeInstanceStatusName", "created", a);
  o.AddMember("createDate", str(kst_date(v.created), a), a);
  o.AddMember(
      rapidjson::StringRef(classic ? "nasVolumeInstanceDescription" : "nasVolumeDescription"),
      str(v.description, a), a);
  o.AddMember("mountInformation", str(v.mount_ip + ":/" + v.name, a), a);
  o.AddMember("volumeAllotmentProtocolType", common_code(v.protocol, v.protocol, a), a);
  o.AddMember("volumeName", str(v.name, a), a);
  o.AddMember("volumeTotalSize", v.total_size, a);
  o.AddMember("volumeSize", v.total_size - v.reserve(), a);
  o.AddMember("snapshotVolumeConfigurationRatio", static_cast<double>(v.ratio), a);
  if (v.day) {
    o.AddMember("snapshotVolumeConfigPeriodType",
                *v.day == -1 ? common_code("DAY", "Daily", a) : common_code("WEEK", "Weekly", a),
                a);
    o.AddMember("snapshotVolumeConfigDayOfWeekType",
                common_code(std::to_string(*v.day), day_name(*v.day), a), a);
    o.AddMember("snapshotVolumeConfigTime", v.hour, a);
  }
  o.AddMember("snapshotVolumeSize", v.reserve(), a);
  o.AddMember("isSnapshotConfiguration", v.ratio > 0, a);
  o.AddMember("isEventConfiguration", false, a);
  if (classic) {
    const Region* r = find_region_by_code(p, v.region);
    std::string region_no = r ? r->no : "1";
    rapidjson::Value region(rapidjson::kObjectType);
    region.AddMember("regionNo", str(region_no, a), a);
    region.AddMember("regionCode", str(v.region, a), a);
    region.AddMember("regionName", str(r ? r->name : v.region, a), a);
    o.AddMember("region", region, a);
    rapidjson::Value zone(rapidjson::kObjectType);
    std::string zone_suffix =
        v.zone.substr(v.zone.find('-') == std::string::npos ? v.zone.size() : v.zone.find('-') + 1);
    zone.AddMember("zoneNo", str(region_no + zone_suffix, a), a);
    zone.AddMember("zoneName", str(v.zone, a), a);
    zone.AddMember("zoneCode", str(v.zone, a), a);
    zone.AddMember("zoneDescription", str(v.zone + " zone", a), a);
    zone.AddMember("regionNo", str(region_no, a), a);
    o.AddMember("zone", zone, a);
    o.AddMember("isReturnProtection", false, a);
    o.AddMember("nasVolumeInstanceCustomIpList", rapidjson::Value(rapidjson::kArrayType), a);
    o.AddMember("nasVolumeServerInstanceList", rapidjson::Value(rapidjson::kArrayType), a);
  } else {
    o.AddMember("regionCode", str(v.region, a), a);
    o.AddMember("zoneCode", str(v.zone, a), a);
    o.AddMember("nasVolumeServerInstanceNoList", rapidjson::Value(rapidjson::kArrayType), a);
    o.AddMember("isEncryptedVolume", false, a);
    o.AddMember("nasVolumeInstanceCustomIpList", rapidjson::Value(rapidjson::kArrayType), a);
    o.AddMember("isReturnProtection", false, a);
  }
  return o;
}

EmuResponse NaverModule::volume_answer(bool classic, const Platform& p, const std::string& action,
                                       const std::vector<const NasVolume*>& volumes,
                                       std::size_t total, bool json) {
  rapidjson::Document body = success_body(ctx_.new_uuid());
  Alloc& a = body.GetAllocator();
  body.AddMember("totalRows", static_cast<std::uint64_t>(total), a);
  rapidjson::Value list(rapidjson::kArrayType);
  for (const NasVolume* v : volumes) list.PushBack(volume_json(classic, p, *v, a), a);
  body.AddMember("nasVolumeInstanceList", list, a);
  return reply(200, action + "Response", body, json);
}

EmuResponse NaverModule::volume_list(bool classic, Platform& p, const Params& in, bool json) {
  std::string region;
  if (classic) {
    std::string region_no = param(in, "regionNo");
    if (!region_no.empty()) {
      for (const auto& r : p.regions) {
        if (r.no == region_no) region = r.code;
      }
      if (region.empty()) return service_error(code::kInvalidParameter, "Invalid regionNo.", json);
    }
  } else {
    region = param(in, "regionCode");
    if (region.empty()) region = "KR";
    if (find_region_by_code(p, region) == nullptr) {
      return service_error(code::kInvalidParameter, "Invalid regionCode: " + region + ".", json);
    }
  }
  std::vector<std::string> numbers = list_param(in, "nasVolumeInstanceNoList");
  std::string name = param(in, "volumeName");
  std::string zone = param(in, "zoneCode");
  std::string protocol = param(in, "volumeAllotmentProtocolTypeCode");
  std::string snapshot_conf = param(in, "isSnapshotConfiguration");
  std::vector<const NasVolume*> matches;
  for (const auto& v : p.volumes) {
    if (!region.empty() && v.region != region) continue;
    if (!numbers.empty() && std::find(numbers.begin(), numbers.end(), v.no) == numbers.end())
      continue;
    if (!name.empty() && v.name != name) continue;
    if (!zone.empty() && v.zone != zone) continue;
    if (!protocol.empty() && v.protocol != protocol) continue;
    if (!snapshot_conf.empty() && (v.ratio > 0) != (snapshot_conf == "true")) continue;
    matches.push_back(&v);
  }
  const bool by_name = param(in, "sortedBy") == "volumeName";
  const bool descending = lower(param(in, "sortingOrder")) == "desc";
  std::sort(matches.begin(), matches.end(), [&](const NasVolume* x, const NasVolume* y) {
    bool less = by_name
                    ? x->name < y->name
                    : (x->no.size() != y->no.size() ? x->no.size() < y->no.size() : x->no < y->no);
    bool greater =
        by_name ? y->name < x->name
                : (x->no.size() != y->no.size() ? x->no.size() > y->no.size() : y->no < x->no);
    return descending ? greater : less;
  });
  std::size_t total = matches.size();
  if (!classic && (has_param(in, "pageNo") || has_param(in, "pageSize"))) {
    if (has_param(in, "pageNo") && !has_param(in, "pageSize")) {
      return service_error(code::kInvalidParameter, "pageSize is required when pageNo is given.",
                           json);
    }
    auto page_no =
        has_param(in, "pageNo") ? to_int(param(in, "pageNo")) : std::optional<std::int64_t>(1);
    auto page_size = to_int(param(in, "pageSize"));
    if (!page_no || !page_size || *page_no < 1 || *page_size < 1) {
      return service_error(code::kInvalidParameter, "Invalid pageNo or pageSize.", json);
    }
    std::size_t begin = static_cast<std::size_t>((*page_no - 1) * *page_size);
    std::vector<const NasVolume*> page;
    for (std::size_t i = begin;
         i < matches.size() && page.size() < static_cast<std::size_t>(*page_size); ++i) {
      page.push_back(matches[i]);
    }
    matches.swap(page);
  }
  return volume_answer(classic, p, "getNasVolumeInstanceList", matches, total, json);
}

EmuResponse NaverModule::volume_detail(bool classic, Platform& p, const Params& in, bool json) {
  std::string no = param(in, "nasVolumeInstanceNo");
  if (no.empty())
    return service_error(code::kInvalidParameter, "nasVolumeInstanceNo is required.", json);
  NasVolume* v = find_volume(p, no);
  std::string region = param(in, "regionCode");
  if (v == nullptr || (!region.empty() && region != v->region)) {
    return service_error(code::kInvalidInstanceNo,
                         "The input parameter instance number is invalid.", json);
  }
  return volume_answer(classic, p, "getNasVolumeInstanceDetail", {v}, 1, json);
}

rapidjson::Value NaverModule::snapshot_json(const NasSnapshot& s, Alloc& a) const {
  rapidjson::Value o(rapidjson::kObjectType);
  o.AddMember("nasVolumeSnapshotName", str(s.name, a), a);
  o.AddMember("createDate", str(kst_date(s.created), a), a);
  o.AddMember("snapshotSize", s.size, a);
  o.AddMember("isBusy", busy(s), a);
  return o;
}

EmuResponse NaverModule::snapshot_list(NasVolume& v, const std::string& action, bool json) {
  rapidjson::Document body = success_body(ctx_.new_uuid());
  Alloc& a = body.GetAllocator();
  body.AddMember("totalRows", static_cast<std::uint64_t>(v.snapshots.size()), a);
  rapidjson::Value list(rapidjson::kArrayType);
  list.Reserve(static_cast<rapidjson::SizeType>(v.snapshots.size()), a);
  for (auto it = v.snapshots.rbegin(); it != v.snapshots.rend(); ++it) {
    list.PushBack(snapshot_json(*it, a), a);
  }
  body.AddMember("nasVolumeSnapshotList", list, a);
  return reply(200, action + "Response", body, json);
}

EmuResponse NaverModule::create_snapshot(NasVolume& v, bool json) {
  if (v.ratio == 0) {
    return service_error(code::kSnapshotsDisabled,
                         "Snapshot is not available: the snapshot volume ratio of this NAS volume "
                         "is 0.",
                         json);
  }
  const std::uint64_t reserve = v.reserve();
  const std::uint64_t size = v.new_snapshot_size;
  // Oldest non-busy snapshots go first until the new one fits.
  std::vector<std::size_t> evict;
  std::uint64_t used = v.used();
  for (std::size_t i = 0; i < v.snapshots.size() && used + size > reserve; ++i) {
    if (busy(v.snapshots[i])) continue;
    used -= v.snapshots[i].size;
    evict.push_back(i);
  }
  if (used + size > reserve) {
    return service_error(code::kSnapshotCapacity,
                         "The snapshot capacity of the NAS volume is exceeded (" +
                             std::to_string(used + size) + " of " + std::to_string(reserve) +
                             " bytes).",
                         json);
  }
  for (auto it = evict.rbegin(); it != evict.rend(); ++it) {
    v.snapshots.erase(v.snapshots.begin() + static_cast<std::ptrdiff_t>(*it));
  }
  std::int64_t t = ctx_.now_unix();
  auto taken = [&](const std::string& n) {
    return std::any_of(v.snapshots.begin(), v.snapshots.end(),
                       [&](const NasSnapshot& s) { return s.name == n; });
  };
  while (taken(snapshot_name_at(t))) ++t;
  NasSnapshot s;
  s.name = snapshot_name_at(t);
  s.created = t;
  s.size = size;
  s.busy_until_us =
      ctx_.now_unix_us() +
      std::chrono::duration_cast<std::chrono::microseconds>(ctx_.async_delay()).count();
  auto pos = std::upper_bound(
      v.snapshots.begin(), v.snapshots.end(), s,
      [](const NasSnapshot& x, const NasSnapshot& y) { return x.created < y.created; });
  v.snapshots.insert(pos, s);
  return snapshot_list(v, "createNasVolumeSnapshot", json);
}

// The snapshot named by nasVolumeSnapshotName, or the error answer when it is missing or unknown.
std::optional<EmuResponse> NaverModule::find_snapshot(NasVolume& v, const Params& in, bool json,
                                                      std::string* name,
                                                      std::vector<NasSnapshot>::iterator* it) {
  *name = param(in, "nasVolumeSnapshotName");
  if (name->empty()) {
    return service_error(code::kInvalidParameter, "nasVolumeSnapshotName is required.", json);
  }
  *it = std::find_if(v.snapshots.begin(), v.snapshots.end(),
                     [&](const NasSnapshot& s) { return s.name == *name; });
  if (*it == v.snapshots.end()) {
    return service_error(code::kSnapshotNotFound, "The snapshot " + *name + " does not exist.",
                         json);
  }
  return std::nullopt;
}

EmuResponse NaverModule::delete_snapshot(NasVolume& v, const Params& in, bool json) {
  std::string name;
  std::vector<NasSnapshot>::iterator it;
  if (auto error = find_snapshot(v, in, json, &name, &it)) return std::move(*error);
  if (busy(*it)) {
    return service_error(code::kSnapshotBusy,
                         "The snapshot " + name + " is busy and cannot be deleted now.", json);
  }
  v.snapshots.erase(it);
  return snapshot_list(v, "deleteNasVolumeSnapshot", json);
}

EmuResponse NaverModule::restore_snapshot(NasVolume& v, const Params& in, bool json) {
  std::string name;
  std::vector<NasSnapshot>::iterator it;
  if (auto error = find_snapshot(v, in, json, &name, &it)) return std::move(*error);
  if (busy(*it)) {
    return service_error(code::kSnapshotBusy, "The snapshot " + name + " is busy.", json);
  }
  v.snapshots.erase(it + 1, v.snapshots.end());  // later snapshots are lost, as NCP documents
  return snapshot_list(v, "restoreNasVolumeWithSnapshot", json);
}

void NaverModule::add_history(NasVolume& v, const std::string& type) {
  NasHistory h;
  h.sequence_no = std::to_string(next_history_no_++);
  h.type = type;
  h.ip = "127.0.0.1";
  h.date = ctx_.now_unix();
  h.ratio = v.ratio;
  h.day = v.day;
  h.hour = v.hour;
  v.history.push_back(h);
}

EmuResponse NaverModule::change_configuration(bool classic, Platform& p, NasVolume& v,
                                              const Params& in, bool json) {
  auto ratio = to_whole(param(in, "snapshotVolumeConfigurationRatio"));
  if (!ratio || *ratio < 0 || *ratio > 99) {
    return service_error(code::kInvalidParameter,
                         "snapshotVolumeConfigurationRatio must be an integer from 0 to 99.", json);
  }
  std::optional<int> day;
  int hour = 0;
  std::string day_text = param(in, "snapshotVolumeConfigDayOfWeekTypeCode");
  if (!day_text.empty()) {
    auto d = to_int(day_text);
    if (!d || *d < -1 || *d > 6) {
      return service_error(code::kInvalidParameter,
                           "snapshotVolumeConfigDayOfWeekTypeCode must be -1 to 6.", json);
    }
    auto h = to_int(param(in, "snapshotVolumeConfigTime"));
    if (!h || *h < 0 || *h > 23) {
      return service_error(code::kInvalidParameter,
                           "snapshotVolumeConfigTime (0-23) is required with a day of week.", json);
    }
    if (*ratio == 0) {
      return service_error(code::kInvalidParameter,
                           "Automatic snapshots need snapshotVolumeConfigurationRatio above 0.",
                           json);
    }
    day = static_cast<int>(*d);
    hour = static_cast<int>(*h);
  }
  const bool was_on = v.ratio > 0;
  v.ratio = static_cast<int>(*ratio);
  v.day = day;
  v.hour = hour;
  // Over the new reserve, the oldest snapshots go first.
  std::uint64_t used = v.used();
  for (std::size_t i = 0; i < v.snapshots.size() && used > v.reserve();) {
    if (busy(v.snapshots[i])) {
      ++i;
      continue;
    }
    used -= v.snapshots[i].size;
    v.snapshots.erase(v.snapshots.begin() + static_cast<std::ptrdiff_t>(i));
  }
  add_history(v, v.ratio == 0 ? "DEL" : (was_on ? "CHG" : "CREAT"));
  return volume_answer(classic, p, "changeNasVolumeSnapshotConfiguration", {&v}, 1, json);
}

EmuResponse NaverModule::history_list(const NasVolume& v, bool json) {
  rapidjson::Document body = success_body(ctx_.new_uuid());
  Alloc& a = body.GetAllocator();
  body.AddMember("totalRows", static_cast<std::uint64_t>(v.history.size()), a);
  rapidjson::Value list(rapidjson::kArrayType);
  for (auto it = v.history.rbegin(); it != v.history.rend(); ++it) {
    const NasHistory& h = *it;
    static const std::map<std::string, std::string> kTypeNames = {
        {"CREAT", "Create"}, {"CHG", "Change"}, {"DEL", "Delete"}};
    rapidjson::Value o(rapidjson::kObjectType);
    o.AddMember("nasVolumeInstanceNo", str(v.no, a), a);
    o.AddMember("historySequenceNo", str(h.sequence_no, a), a);
    auto type_name = kTypeNames.find(h.type);
    o.AddMember("historyType",
                common_code(h.type, type_name == kTypeNames.end() ? h.type : type_name->second, a),
                a);
    o.AddMember("ip", str(h.ip, a), a);
    o.AddMember("registerDate", str(kst_date(h.date), a), a);
    o.AddMember("snapshotVolumeConfigurationRatio", static_cast<double>(h.ratio), a);
    if (h.day) {
      o.AddMember("snapshotVolumeConfigPeriodType",
                  *h.day == -1 ? common_code("DAY", "Daily", a) : common_code("WEEK", "Weekly", a),
                  a);
      o.AddMember("snapshotVolumeConfigDayOfWeekType",
                  common_code(std::to_string(*h.day), day_name(*h.day), a), a);
      o.AddMember("snapshotVolumeConfigTime", h.hour, a);
    }
    list.PushBack(o, a);
  }
  body.AddMember("nasVolumeSnapshotConfigurationHistoryList", list, a);
  return reply(200, "getNasVolumeSnapshotConfigurationHistoryListResponse", body, json);
}

}  // namespace snapfs::emu::naver
