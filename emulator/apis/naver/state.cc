// NAVER Cloud seeds and state file.
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

// ---- seeds and state ------------------------------------------------------------------------

void NaverModule::clear() {
  credentials_ = {{"demo-access-key", "demo-secret-key"}};
  classic_ = Platform{};
  vpc_ = Platform{};
  next_instance_no_ = 1000001;
  next_history_no_ = 5000;
}

void NaverModule::seed_platform_regions(Platform& p, int count) {
  for (int i = 0; i < count && i < static_cast<int>(std::size(kKnownRegions)); ++i) {
    p.regions.push_back({kKnownRegions[i].no, kKnownRegions[i].code, kKnownRegions[i].name});
  }
}

// 2024-04-03T16:43:47+0900, the snapshot of the NCP documentation examples.
constexpr std::int64_t kDocExampleTime = 1712130227;
constexpr std::uint64_t kGiB = 1024ull * 1024 * 1024;

void NaverModule::seed_demo() {
  clear();
  for (bool classic : {true, false}) {
    Platform& p = classic ? classic_ : vpc_;
    seed_platform_regions(p, 1);
    auto volume = [&](const std::string& name, std::uint64_t size_gib, int ratio) -> NasVolume& {
      NasVolume v;
      v.no = next_instance_no();
      v.name = name;
      v.region = "KR";
      v.zone = classic ? "KR-1" : "KR-2";
      v.created = kDocExampleTime - 90 * 86400;
      v.total_size = size_gib * kGiB;
      v.ratio = ratio;
      v.new_snapshot_size = 139264;
      p.volumes.push_back(v);
      return p.volumes.back();
    };
    auto snapshot = [](NasVolume& v, std::int64_t t, std::uint64_t size, bool busy = false) {
      v.snapshots.push_back({snapshot_name_at(t), t, size, busy, 0});
    };
    {
      // Weekly on Sunday at 03:00, 20 % reserve; the newest snapshot is busy.
      NasVolume& v = volume("n1234567_data", 500, 20);
      v.description = "project data";
      v.day = 0;
      v.hour = 3;
      snapshot(v, kDocExampleTime - 3 * 86400 - 49427, 1572864);  // a Sunday, 03:00 KST
      snapshot(v, kDocExampleTime - 12, 147456);
      snapshot(v, kDocExampleTime, 196608, true);
      add_history(v, "CREAT");
    }
    {
      // Daily at 01:00, 10 % reserve, shared over CIFS.
      NasVolume& v = volume("n1234567_logs", 1000, 10);
      v.protocol = "CIFS";
      v.day = -1;
      v.hour = 1;
      snapshot(v, kDocExampleTime - 2 * 86400, 8388608);
      snapshot(v, kDocExampleTime - 86400, 4194304);
      add_history(v, "CREAT");
    }
    // Snapshots off (ratio 0): a create is refused.
    volume("n1234567_scratch", 500, 0);
    {
      // 1 % of 500 GiB (5 GiB) holds two 2 GiB snapshots; each create evicts the oldest.
      NasVolume& v = volume("n1234567_full", 500, 1);
      v.new_snapshot_size = 2 * kGiB;
      snapshot(v, kDocExampleTime - 7200, 2 * kGiB);
      snapshot(v, kDocExampleTime - 3600, 2 * kGiB);
      add_history(v, "CREAT");
    }
  }
}

void NaverModule::seed_synthetic(const SyntheticSpec& spec) {
  clear();
  for (bool classic : {true, false}) {
    Platform& p = classic ? classic_ : vpc_;
    seed_platform_regions(p, std::max(1, spec.services));
    auto add_volume = [&](const Region& r, const std::string& name, int snapshots) {
      NasVolume v;
      v.no = next_instance_no();
      v.name = name;
      v.region = r.code;
      v.zone = r.code + "-1";
      v.created = kDocExampleTime - 400 * 86400;
      v.total_size = 1024 * kGiB;
      v.ratio = 20;
      v.day = 0;
      v.hour = 3;
      v.new_snapshot_size = 147456;
      v.snapshots.reserve(static_cast<std::size_t>(snapshots));
      for (int i = snapshots; i >= 1; --i) {
        std::int64_t t = kDocExampleTime - static_cast<std::int64_t>(i) * 3600;
        std::uint64_t size = 139264 + (static_cast<std::uint64_t>(i) * 7919u) % 1048576u;
        v.snapshots.push_back({snapshot_name_at(t), t, size, false, 0});
      }
      p.volumes.push_back(std::move(v));
    };
    for (const Region& r : p.regions) {
      for (int i = 1; i <= spec.volumes; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "n1000000_vol%03d", i);
        add_volume(r, name, spec.snapshots);
      }
    }
    if (spec.big > 0) add_volume(p.regions.front(), "big", spec.big);
  }
}

static void load_platform(const rapidjson::Value& in, Platform& p, std::int64_t* max_no) {
  if (!in.IsObject()) return;
  auto s = [](const rapidjson::Value& o, const char* k, const std::string& fallback = "") {
    return o.HasMember(k) && o[k].IsString() ? std::string(o[k].GetString()) : fallback;
  };
  auto i64 = [](const rapidjson::Value& o, const char* k, std::int64_t fallback = 0) {
    return o.HasMember(k) && o[k].IsInt64() ? o[k].GetInt64() : fallback;
  };
  if (in.HasMember("regions") && in["regions"].IsArray()) {
    for (const auto& r : in["regions"].GetArray()) {
      p.regions.push_back({s(r, "regionNo", "1"), s(r, "regionCode"), s(r, "regionName")});
    }
  }
  if (!in.HasMember("volumes") || !in["volumes"].IsArray()) return;
  for (const auto& j : in["volumes"].GetArray()) {
    NasVolume v;
    v.no = s(j, "nasVolumeInstanceNo");
    v.name = s(j, "volumeName");
    v.region = s(j, "regionCode", "KR");
    v.zone = s(j, "zoneCode", v.region + "-1");
    v.description = s(j, "description");
    v.protocol = s(j, "protocol", "NFS");
    v.mount_ip = s(j, "mountIp", "10.250.53.74");
    v.created = i64(j, "created");
    v.total_size = static_cast<std::uint64_t>(i64(j, "volumeTotalSize", 500 * kGiB));
    v.ratio = static_cast<int>(i64(j, "snapshotVolumeConfigurationRatio"));
    if (j.HasMember("snapshotVolumeConfigDayOfWeekTypeCode")) {
      if (auto d = to_int(s(j, "snapshotVolumeConfigDayOfWeekTypeCode")))
        v.day = static_cast<int>(*d);
    }
    v.hour = static_cast<int>(i64(j, "snapshotVolumeConfigTime"));
    v.new_snapshot_size = static_cast<std::uint64_t>(i64(j, "newSnapshotSize"));
    if (j.HasMember("snapshots") && j["snapshots"].IsArray()) {
      for (const auto& x : j["snapshots"].GetArray()) {
        NasSnapshot snap;
        snap.created = i64(x, "created");
        snap.name = s(x, "name", snapshot_name_at(snap.created));
        snap.size = static_cast<std::uint64_t>(i64(x, "size"));
        snap.busy_forever = x.HasMember("busy") && x["busy"].IsBool() && x["busy"].GetBool();
        snap.busy_until_us = i64(x, "busyUntilUs");
        v.snapshots.push_back(snap);
      }
      std::stable_sort(
          v.snapshots.begin(), v.snapshots.end(),
          [](const NasSnapshot& a, const NasSnapshot& b) { return a.created < b.created; });
    }
    if (j.HasMember("history") && j["history"].IsArray()) {
      for (const auto& x : j["history"].GetArray()) {
        NasHistory h;
        h.sequence_no = s(x, "historySequenceNo");
        h.type = s(x, "historyType", "CHG");
        h.ip = s(x, "ip", "127.0.0.1");
        h.date = i64(x, "registerDate");
        h.ratio = static_cast<int>(i64(x, "snapshotVolumeConfigurationRatio"));
        if (auto d = to_int(s(x, "snapshotVolumeConfigDayOfWeekTypeCode")))
          h.day = static_cast<int>(*d);
        h.hour = static_cast<int>(i64(x, "snapshotVolumeConfigTime"));
        v.history.push_back(h);
      }
    }
    if (auto n = to_int(v.no)) *max_no = std::max(*max_no, *n);
    p.volumes.push_back(std::move(v));
  }
}

void NaverModule::load(const rapidjson::Value& section) {
  clear();
  if (!section.IsObject()) return;
  if (section.HasMember("credentials") && section["credentials"].IsArray()) {
    credentials_.clear();
    for (const auto& c : section["credentials"].GetArray()) {
      if (c.HasMember("accessKey") && c["accessKey"].IsString() && c.HasMember("secretKey") &&
          c["secretKey"].IsString()) {
        credentials_.push_back({c["accessKey"].GetString(), c["secretKey"].GetString()});
      }
    }
  }
  std::int64_t max_no = 0;
  if (section.HasMember("platforms") && section["platforms"].IsObject()) {
    const auto& platforms = section["platforms"];
    if (platforms.HasMember("classic")) load_platform(platforms["classic"], classic_, &max_no);
    if (platforms.HasMember("vpc")) load_platform(platforms["vpc"], vpc_, &max_no);
  }
  if (section.HasMember("nextInstanceNo") && section["nextInstanceNo"].IsInt64()) {
    next_instance_no_ = section["nextInstanceNo"].GetInt64();
  }
  next_instance_no_ = std::max(next_instance_no_, max_no + 1);
  if (section.HasMember("nextHistorySequenceNo") && section["nextHistorySequenceNo"].IsInt64()) {
    next_history_no_ = section["nextHistorySequenceNo"].GetInt64();
  }
}

static void dump_platform(const Platform& p, rapidjson::Value& out, Alloc& a) {
  out.SetObject();
  rapidjson::Value regions(rapidjson::kArrayType);
  for (const auto& r : p.regions) {
    rapidjson::Value o(rapidjson::kObjectType);
    o.AddMember("regionNo", str(r.no, a), a);
    o.AddMember("regionCode", str(r.code, a), a);
    o.AddMember("regionName", str(r.name, a), a);
    regions.PushBack(o, a);
  }
  out.AddMember("regions", regions, a);
  rapidjson::Value volumes(rapidjson::kArrayType);
  for (const auto& v : p.volumes) {
    rapidjson::Value o(rapidjson::kObjectType);
    o.AddMember("nasVolumeInstanceNo", str(v.no, a), a);
    o.AddMember("volumeName", str(v.name, a), a);
    o.AddMember("regionCode", str(v.region, a), a);
    o.AddMember("zoneCode", str(v.zone, a), a);
    o.AddMember("description", str(v.description, a), a);
    o.AddMember("protocol", str(v.protocol, a), a);
    o.AddMember("mountIp", str(v.mount_ip, a), a);
    o.AddMember("created", v.created, a);
    o.AddMember("volumeTotalSize", v.total_size, a);
    o.AddMember("snapshotVolumeConfigurationRatio", v.ratio, a);
    if (v.day)
      o.AddMember("snapshotVolumeConfigDayOfWeekTypeCode", str(std::to_string(*v.day), a), a);
    o.AddMember("snapshotVolumeConfigTime", v.hour, a);
    o.AddMember("newSnapshotSize", v.new_snapshot_size, a);
    rapidjson::Value snapshots(rapidjson::kArrayType);
    snapshots.Reserve(static_cast<rapidjson::SizeType>(v.snapshots.size()), a);
    for (const auto& s : v.snapshots) {
      rapidjson::Value x(rapidjson::kObjectType);
      x.AddMember("name", str(s.name, a), a);
      x.AddMember("created", s.created, a);
      x.AddMember("size", s.size, a);
      if (s.busy_forever) x.AddMember("busy", true, a);
      if (s.busy_until_us != 0) x.AddMember("busyUntilUs", s.busy_until_us, a);
      snapshots.PushBack(x, a);
    }
    o.AddMember("snapshots", snapshots, a);
    rapidjson::Value history(rapidjson::kArrayType);
    for (const auto& h : v.history) {
      rapidjson::Value x(rapidjson::kObjectType);
      x.AddMember("historySequenceNo", str(h.sequence_no, a), a);
      x.AddMember("historyType", str(h.type, a), a);
      x.AddMember("ip", str(h.ip, a), a);
      x.AddMember("registerDate", h.date, a);
      x.AddMember("snapshotVolumeConfigurationRatio", h.ratio, a);
      if (h.day)
        x.AddMember("snapshotVolumeConfigDayOfWeekTypeCode", str(std::to_string(*h.day), a), a);
      x.AddMember("snapshotVolumeConfigTime", h.hour, a);
      history.PushBack(x, a);
    }
    o.AddMember("history", history, a);
    volumes.PushBack(o, a);
  }
  out.AddMember("volumes", volumes, a);
}

void NaverModule::dump(rapidjson::Value& out, Alloc& a) const {
  out.SetObject();
  rapidjson::Value credentials(rapidjson::kArrayType);
  for (const auto& c : credentials_) {
    rapidjson::Value o(rapidjson::kObjectType);
    o.AddMember("accessKey", str(c.access_key, a), a);
    o.AddMember("secretKey", str(c.secret_key, a), a);
    credentials.PushBack(o, a);
  }
  out.AddMember("credentials", credentials, a);
  out.AddMember("nextInstanceNo", next_instance_no_, a);
  out.AddMember("nextHistorySequenceNo", next_history_no_, a);
  rapidjson::Value platforms(rapidjson::kObjectType);
  rapidjson::Value classic, vpc;
  dump_platform(classic_, classic, a);
  dump_platform(vpc_, vpc, a);
  platforms.AddMember("classic", classic, a);
  platforms.AddMember("vpc", vpc, a);
  out.AddMember("platforms", platforms, a);
}

void NaverModule::content_volumes(std::vector<ContentVolume>& out) const {
  for (const Platform* p : {&classic_, &vpc_}) {
    for (const NasVolume& v : p->volumes) {
      ContentVolume c;
      c.nfs_export = v.mount_ip + ":/" + v.name;  // the volume's mountInformation
      c.hidden = {".snapshot"};
      for (const NasSnapshot& s : v.snapshots) c.snapshot_dirs.push_back(".snapshot/" + s.name);
      out.push_back(std::move(c));
    }
  }
}

}  // namespace snapfs::emu::naver
