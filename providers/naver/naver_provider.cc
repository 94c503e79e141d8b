#include "providers/naver/naver_provider.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "providers/common/json_util.h"
#include "providers/common/log.h"
#include "providers/common/pagination.h"
#include "providers/naver/naver_schedule.h"

namespace snapfs {
namespace {

constexpr int kVolumePageSize = 100;

std::string ratio_text(double ratio) {
  char buf[32];
  if (std::floor(ratio) == ratio) {
    std::snprintf(buf, sizeof buf, "%.0f", ratio);
  } else {
    std::snprintf(buf, sizeof buf, "%g", ratio);
  }
  return buf;
}

std::string volume_state(const std::string& status_code) {
  if (status_code == "CREAT") return "available";
  if (status_code == "INIT") return "creating";
  if (status_code == "TERMT") return "deleting";
  std::string out = status_code;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The snapshot configuration of a volume, carried in VolumeInfo::provider_data so that reading
// and writing the schedule need no extra request.
struct VolumeConfig {
  double ratio = 0;
  std::string day_code;
  std::string period_code;
  int hour = 0;
  std::optional<std::uint64_t> capacity;
};

std::string encode_config(const NasVolumeItem& item) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("ratio", item.ratio, a);
  doc.AddMember("day", rapidjson::Value(item.day_code, a), a);
  doc.AddMember("period", rapidjson::Value(item.period_code, a), a);
  doc.AddMember("hour", item.hour.value_or(0), a);
  if (item.snapshot_capacity) doc.AddMember("capacity", *item.snapshot_capacity, a);
  return json_compact(doc);
}

std::optional<VolumeConfig> decode_config(const std::string& text) {
  rapidjson::Document doc;
  if (text.empty() || !parse_json(text, &doc, "volume data").ok() || !doc.IsObject()) {
    return std::nullopt;
  }
  VolumeConfig c;
  c.ratio = naver_double(doc, "ratio").value_or(0);
  c.day_code = naver_string(doc, "day");
  c.period_code = naver_string(doc, "period");
  c.hour = static_cast<int>(naver_int(doc, "hour").value_or(0));
  if (auto cap = json_uint64(doc, "capacity")) c.capacity = *cap;
  return c;
}

bool is_server_snapshot_name(const std::string& name) {
  // now.YYYYMMDD.HHMMSS
  if (name.size() != 19 || name.rfind("now.", 0) != 0 || name[12] != '.') return false;
  for (std::size_t i = 4; i < name.size(); ++i) {
    if (i == 12) continue;
    if (name[i] < '0' || name[i] > '9') return false;
  }
  return true;
}

}  // namespace

NaverNasProvider::NaverNasProvider(std::string remote_name, NaverSettings settings)
    : client_(std::move(remote_name), std::move(settings)) {
  capabilities_.listing = SnapshotListing::PerVolume;
  capabilities_.rename = false;
  capabilities_.create_expiration = false;
  capabilities_.server_names = true;
  capabilities_.attrs = {
      {Level::SnapshotsDir, "schedule", true, true},
      {Level::Volume, "snapshot-capacity", false, false},
      {Level::Volume, "snapshot-ratio", false, false},
      {Level::Volume, "protocol", false, false},
      {Level::Volume, "mount", false, false},
      {Level::Volume, "zone", false, false},
  };
}

std::string NaverNasProvider::where(const ObjectRef& ref) const {
  return "volume " + ref.volume_id + " in " + ref.service_id;
}

NaverNasProvider::Params NaverNasProvider::volume_params(const ObjectRef& ref) const {
  Params p;
  if (client_.settings().platform == NaverPlatform::Vpc) {
    p.emplace_back("regionCode", ref.service_id);
  }
  p.emplace_back("nasVolumeInstanceNo", ref.volume_id);
  return p;
}

Result<std::vector<NasRegionItem>> NaverNasProvider::region_list(const OpContext& ctx) {
  auto body = client_.call("getRegionList", {}, CallKind::Read, ctx);
  if (!body.ok()) return body.error();
  auto regions = naver_region_items(body.value());
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& r : regions) region_numbers_[r.code] = r.no;
  return regions;
}

Result<std::string> NaverNasProvider::classic_region_no(const std::string& region_code,
                                                        const OpContext& ctx) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = region_numbers_.find(region_code);
    if (it != region_numbers_.end()) return it->second;
  }
  auto regions = region_list(ctx);
  if (!regions.ok()) return regions.error();
  for (const auto& r : regions.value()) {
    if (r.code == region_code) return r.no;
  }
  return Error(ErrorKind::NotFound, who() + "NAVER Cloud Classic has no region " + region_code);
}

Result<std::vector<ServiceInfo>> NaverNasProvider::list_services(const OpContext& ctx) {
  std::vector<ServiceInfo> out;
  if (!client_.settings().regions.empty()) {
    for (const auto& code : client_.settings().regions) out.push_back({code, "", {}, ""});
    return out;
  }
  if (client_.settings().platform == NaverPlatform::Vpc) {
    // The VPC NAS API has no region list of its own; KR is its default region.
    out.push_back({"KR", "", {}, ""});
    return out;
  }
  auto regions = region_list(ctx);
  if (!regions.ok()) return regions.error();
  for (const auto& r : regions.value()) {
    ServiceInfo s;
    s.id = r.code;
    s.attrs = {{"region-name", r.name}, {"region-no", r.no}};
    s.json = r.json;
    out.push_back(std::move(s));
  }
  return out;
}

VolumeInfo NaverNasProvider::volume_info(const NasVolumeItem& item) const {
  VolumeInfo v;
  v.id = item.instance_no;
  v.name = item.name;
  v.created_us = item.created_us;
  v.size = item.total_size;
  v.state = volume_state(item.status_code);
  if (item.snapshot_capacity) {
    v.attrs.push_back({"snapshot-capacity", std::to_string(*item.snapshot_capacity)});
  }
  v.attrs.push_back({"snapshot-ratio", ratio_text(item.ratio)});
  if (!item.protocol.empty()) v.attrs.push_back({"protocol", item.protocol});
  if (!item.mount.empty()) v.attrs.push_back({"mount", item.mount});
  v.nfs_export = item.mount;
  if (!item.zone_code.empty()) v.attrs.push_back({"zone", item.zone_code});
  v.provider_data = encode_config(item);
  v.json = item.json;
  return v;
}

SnapshotInfo NaverNasProvider::snapshot_info(const NasSnapshotItem& item,
                                             const std::string& volume_id) const {
  SnapshotInfo s;
  s.id = item.name;  // the API has no snapshot id
  s.name = item.name;
  s.volume_id = volume_id;
  s.created_us = item.created_us;
  s.size = item.size;
  s.state = item.busy ? "busy" : "available";
  if (is_server_snapshot_name(item.name)) s.type = "manual";  // on-demand names are now.*
  if (!item.name.empty()) s.content_dir = client_.settings().snapshot_dir + "/" + item.name;
  s.json = item.json;
  return s;
}

Result<std::vector<VolumeInfo>> NaverNasProvider::list_volumes(const ObjectRef& service,
                                                               const OpContext& ctx) {
  std::vector<NasVolumeItem> items;
  if (client_.settings().platform == NaverPlatform::Vpc) {
    PageFetcher<NasVolumeItem> fetch = [&](int page) -> Result<Page<NasVolumeItem>> {
      Params p = {{"regionCode", service.service_id},
                  {"pageNo", std::to_string(page)},
                  {"pageSize", std::to_string(kVolumePageSize)}};
      auto body = client_.call("getNasVolumeInstanceList", std::move(p), CallKind::Read, ctx);
      if (!body.ok()) return body.error();
      Page<NasVolumeItem> out;
      out.items = naver_volume_items(body.value());
      // Whether totalRows counts all pages or this one is not documented: a full page whose
      // count equals totalRows proves nothing, so then the walk goes on to a short page.
      auto total = naver_int(body.value(), "totalRows");
      bool ambiguous = total && static_cast<std::size_t>(*total) == out.items.size() &&
                       out.items.size() >= static_cast<std::size_t>(kVolumePageSize);
      if (total && !ambiguous) out.total = *total;
      return out;
    };
    PaginationOptions options;
    options.page_size = kVolumePageSize;
    auto all = fetch_all_pages(fetch, options);
    if (!all.ok()) return all.error();
    items = std::move(all.value());
  } else {
    auto region_no = classic_region_no(service.service_id, ctx);
    if (!region_no.ok()) return region_no.error();
    auto body = client_.call("getNasVolumeInstanceList", {{"regionNo", region_no.value()}},
                             CallKind::Read, ctx);
    if (!body.ok()) return body.error();
    items = naver_volume_items(body.value());
  }
  std::vector<VolumeInfo> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    if (!item.region_code.empty() && item.region_code != service.service_id) continue;
    out.push_back(volume_info(item));
  }
  return out;
}

Result<std::vector<NasSnapshotItem>> NaverNasProvider::snapshot_items(const ObjectRef& volume,
                                                                      const OpContext& ctx) {
  auto body = client_.call("getNasVolumeSnapshotList", volume_params(volume), CallKind::Read, ctx);
  if (!body.ok()) return body.error();
  return naver_snapshot_items(body.value());
}

Result<std::vector<SnapshotInfo>> NaverNasProvider::list_snapshots(const ObjectRef& volume,
                                                                   const OpContext& ctx) {
  auto items = snapshot_items(volume, ctx);
  if (!items.ok()) return items.error();
  std::vector<SnapshotInfo> out;
  out.reserve(items->size());
  for (const auto& item : items.value()) out.push_back(snapshot_info(item, volume.volume_id));
  return out;
}

namespace {

// The snapshots of `after` missing from `before`, newest first.
std::vector<const NasSnapshotItem*> new_snapshots(const std::vector<NasSnapshotItem>& before,
                                                  const std::vector<NasSnapshotItem>& after) {
  std::set<std::string> known;
  for (const auto& s : before) known.insert(s.name);
  std::vector<const NasSnapshotItem*> out;
  for (const auto& s : after) {
    if (!known.count(s.name)) out.push_back(&s);
  }
  std::sort(out.begin(), out.end(), [](const NasSnapshotItem* a, const NasSnapshotItem* b) {
    return a->created_us != b->created_us ? a->created_us > b->created_us : a->name > b->name;
  });
  return out;
}

std::vector<std::string> gone_snapshots(const std::vector<NasSnapshotItem>& before,
                                        const std::vector<NasSnapshotItem>& after) {
  std::set<std::string> present;
  for (const auto& s : after) present.insert(s.name);
  std::vector<std::string> out;
  for (const auto& s : before) {
    if (!present.count(s.name)) out.push_back(s.name);
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

Result<SnapshotInfo> NaverNasProvider::create_snapshot(const ObjectRef& volume,
                                                       const CreateRequest& request,
                                                       const OpContext& ctx) {
  // The API names the snapshot itself and answers with the whole list: the new one is the name
  // that was not there before.
  auto before = snapshot_items(volume, ctx);
  if (!before.ok()) return before.error();

  auto config = decode_config(volume.volume_data);
  if (!config || config->ratio > 0) {
    std::string capacity = "the volume's snapshot reserve";
    if (config) {
      capacity = (config->capacity ? std::to_string(*config->capacity) + " bytes, " : "") +
                 ratio_text(config->ratio) + "% of the volume";
    }
    log_warning(who() + "snapshots of " + where(volume) + " beyond its snapshot capacity (" +
                capacity + ") may be deleted by NAVER Cloud, oldest first");
  }

  auto body = client_.call("createNasVolumeSnapshot", volume_params(volume), CallKind::Create, ctx);
  std::vector<NasSnapshotItem> after;
  if (body.ok()) {
    after = naver_snapshot_items(body.value());
  } else {
    // Also an unclear outcome (no answer, one that cannot be read, a 5xx): the filesystem
    // decides it in a fresh listing, never by sending the create again.
    return body.error();  // the filesystem logs it, with the API's message
  }

  auto created = new_snapshots(before.value(), after);
  if (created.empty()) {
    return Error(ErrorKind::BadResponse, who() + "createNasVolumeSnapshot of " + where(volume) +
                                             " answered without a new snapshot");
  }
  auto evicted = gone_snapshots(before.value(), after);
  if (!evicted.empty()) {
    log_warning(who() + "NAVER Cloud deleted " + std::to_string(evicted.size()) +
                " older snapshot(s) of " + where(volume) +
                " to stay within its snapshot capacity: " + join(evicted));
  }
  SnapshotInfo info = snapshot_info(*created.front(), volume.volume_id);
  if (created.front()->busy) info.state = "creating";
  if (info.name != request.name) {
    log_info(who() + "NAVER Cloud named the snapshot of mkdir '" + request.name + "' " + info.name);
  }
  return info;
}

Status NaverNasProvider::delete_snapshot(const ObjectRef& snapshot, const OpContext& ctx) {
  Params p = volume_params(snapshot);
  p.emplace_back("nasVolumeSnapshotName",
                 snapshot.snapshot_name.empty() ? snapshot.snapshot_id : snapshot.snapshot_name);
  auto body = client_.call("deleteNasVolumeSnapshot", std::move(p), CallKind::Delete, ctx);
  if (!body.ok() && body.error().kind != ErrorKind::NotFound) return body.error();
  return Status::Ok();
}

Result<NasVolumeItem> NaverNasProvider::fetch_volume(const ObjectRef& volume,
                                                     const OpContext& ctx) {
  Result<rapidjson::Document> body = Error(ErrorKind::Internal, "");
  if (client_.settings().platform == NaverPlatform::Vpc) {
    body = client_.call("getNasVolumeInstanceDetail", volume_params(volume), CallKind::Read, ctx);
  } else {
    body = client_.call("getNasVolumeInstanceList",
                        {{"nasVolumeInstanceNoList.1", volume.volume_id}}, CallKind::Read, ctx);
  }
  if (!body.ok()) return body.error();
  for (auto& item : naver_volume_items(body.value())) {
    if (item.instance_no == volume.volume_id) return item;
  }
  return Error(ErrorKind::NotFound, who() + "no NAS " + where(volume));
}

Result<std::string> NaverNasProvider::volume_config(const ObjectRef& volume, const OpContext& ctx) {
  const std::string key = volume.service_id + "/" + volume.volume_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = written_configs_.find(key);
    if (it != written_configs_.end()) {
      if (it->second.listed == volume.volume_data) return it->second.written;
      written_configs_.erase(it);  // the listing is newer than this mount's write
    }
  }
  if (!volume.volume_data.empty()) return volume.volume_data;
  auto item = fetch_volume(volume, ctx);
  if (!item.ok()) return item.error();
  return encode_config(item.value());
}

Result<AttrList> NaverNasProvider::fetch_attrs(const ObjectRef& object, const OpContext& ctx) {
  if (object.level != Level::SnapshotsDir) return AttrList{};
  auto data = volume_config(object, ctx);
  if (!data.ok()) return data.error();
  auto config = decode_config(data.value());
  if (!config) return AttrList{};
  auto day = naver_schedule_day(config->day_code, config->period_code);
  return AttrList{{"schedule", format_naver_schedule(day, config->hour, config->ratio)}};
}

Result<AttrUpdate> NaverNasProvider::set_attr(const ObjectRef& object, const std::string& key,
                                              const std::string& value, const OpContext& ctx) {
  if (object.level != Level::SnapshotsDir || key != "schedule") {
    return Provider::set_attr(object, key, value, ctx);
  }
  auto schedule = parse_naver_schedule(value);
  if (!schedule.ok()) return schedule.error();
  int ratio = 0;
  double current_ratio = 0;
  auto data = volume_config(object, ctx);
  if (!data.ok()) return data.error();
  if (auto config = decode_config(data.value())) current_ratio = config->ratio;
  // The stored ratio is the API's number: keep it in 0-100 before it becomes an int.
  ratio = schedule->ratio.value_or(
      static_cast<int>(std::lround(std::clamp(current_ratio, 0.0, 100.0))));
  if (schedule->day && ratio == 0) {
    return Error(ErrorKind::InvalidArgument,
                 "invalid schedule: automatic snapshots need a snapshot reserve; add ratio=N "
                 "(1-99, % of the volume)");
  }
  Params p = volume_params(object);
  p.emplace_back("snapshotVolumeConfigurationRatio", std::to_string(ratio));
  if (schedule->day) {
    p.emplace_back("snapshotVolumeConfigDayOfWeekTypeCode", std::to_string(*schedule->day));
    p.emplace_back("snapshotVolumeConfigTime", std::to_string(schedule->hour));
  }
  if (ratio < current_ratio) {
    log_warning(who() + "lowering the snapshot reserve of " + where(object) + " to " +
                std::to_string(ratio) + "%: NAVER Cloud deletes the oldest snapshots " +
                "that no longer fit");
  }
  auto body =
      client_.call("changeNasVolumeSnapshotConfiguration", std::move(p), CallKind::Set, ctx);
  if (!body.ok()) return body.error();
  for (const auto& item : naver_volume_items(body.value())) {
    if (item.instance_no != object.volume_id) continue;
    AttrUpdate update;
    update.volume = volume_info(item);
    std::lock_guard<std::mutex> lock(mu_);
    written_configs_[object.service_id + "/" + object.volume_id] = {object.volume_data,
                                                                    update.volume->provider_data};
    return update;
  }
  return Error(ErrorKind::BadResponse, who() +
                                           "changeNasVolumeSnapshotConfiguration answered "
                                           "without the volume");
}

Status NaverNasProvider::validate_name(const std::string& name) const {
  if (Status base = Provider::validate_name(name); !base.ok()) return base;
  if (is_server_snapshot_name(name)) {
    return Error(ErrorKind::InvalidArgument,
                 "names like now.YYYYMMDD.HHMMSS are the ones NAVER Cloud gives snapshots; "
                 "mkdir names only the alias of the new snapshot, so choose another name");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Provider>> make_naver_nas_provider(const RemoteConfig& remote,
                                                          const ProviderEnv& env) {
  auto settings = resolve_naver_settings(remote, env);
  if (!settings.ok()) return settings.error();
  return std::unique_ptr<Provider>(
      std::make_unique<NaverNasProvider>(remote.name, std::move(settings.value())));
}

}  // namespace snapfs
