#include "tests/support/snapshot_view.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "tests/support/fs_call.h"

namespace snapfs::test {
namespace {

using Value = rapidjson::Value;

std::string text(const Value& object, const char* key) {
  if (!object.IsObject()) return "";
  auto it = object.FindMember(key);
  return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

const Value* member(const Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// Elements of an array member, or nothing.
std::vector<const Value*> items(const Value* parent, const char* key) {
  std::vector<const Value*> out;
  const Value* array = parent ? member(*parent, key) : nullptr;
  if (array != nullptr && array->IsArray()) {
    for (const auto& v : array->GetArray()) out.push_back(&v);
  }
  return out;
}

bool shown(const RemoteScope& scope, const std::string& service) {
  return scope.services.empty() ||
         std::find(scope.services.begin(), scope.services.end(), service) != scope.services.end();
}

void scaleway(const Value& section, const RemoteScope& scope, SnapshotIds* out) {
  for (const Value* v : items(&section, "instance_volumes")) {
    if (shown(scope, text(*v, "zone"))) (*out)[text(*v, "id")];
  }
  for (const Value* s : items(&section, "instance_snapshots")) {
    const Value* base = member(*s, "base_volume");
    if (base == nullptr || !base->IsObject() || !shown(scope, text(*s, "zone"))) continue;
    (*out)[text(*base, "id")].insert(text(*s, "id"));
  }
}

void nasha(const Value& section, const RemoteScope& scope, SnapshotIds* out) {
  for (const Value* service : items(&section, "nasha")) {
    if (!shown(scope, text(*service, "serviceName"))) continue;
    for (const Value* p : items(service, "partitions")) {
      auto& ids = (*out)[text(*p, "partitionName")];
      for (const Value* c : items(p, "custom_snapshots")) ids.insert(text(*c, "name"));
    }
  }
}

void netapp(const Value& section, const RemoteScope& scope, SnapshotIds* out) {
  for (const Value* service : items(&section, "netapp")) {
    if (!shown(scope, text(*service, "name"))) continue;
    for (const Value* share : items(service, "shares")) {
      auto& ids = (*out)[text(*share, "id")];
      for (const Value* s : items(share, "snapshots")) ids.insert(text(*s, "id"));
    }
  }
}

void naver(const Value& section, const RemoteScope& scope, SnapshotIds* out) {
  const Value* platforms = member(section, "platforms");
  const Value* platform =
      platforms != nullptr ? member(*platforms, scope.naver_platform.c_str()) : nullptr;
  for (const Value* v : items(platform, "volumes")) {
    if (!shown(scope, text(*v, "regionCode"))) continue;
    auto& ids = (*out)[text(*v, "nasVolumeInstanceNo")];
    for (const Value* s : items(v, "snapshots")) ids.insert(text(*s, "name"));
  }
}

std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

SnapshotIds emulator_snapshot_ids(const std::string& state_json, const RemoteScope& scope) {
  SnapshotIds out;
  rapidjson::Document doc;
  doc.Parse(state_json.c_str(), state_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return out;
  const bool ovh = scope.type == "ovh-nasha" || scope.type == "ovh-netapp";
  const char* api = scope.type == "scaleway-instance" ? "scaleway" : ovh ? "ovh" : "naver";
  const Value* section = member(doc, api);
  if (section == nullptr) return out;
  if (scope.type == "scaleway-instance") scaleway(*section, scope, &out);
  if (scope.type == "ovh-nasha") nasha(*section, scope, &out);
  if (scope.type == "ovh-netapp") netapp(*section, scope, &out);
  if (scope.type == "naver-nas") naver(*section, scope, &out);
  return out;
}

bool mount_snapshot_ids(const std::string& remote_dir, SnapshotIds* out, std::string* error,
                        std::chrono::milliseconds limit) {
  out->clear();
  auto fail = [&](const std::string& what, const FsCallResult& r) {
    *error = what + ": " + errno_name(r.error);
    return false;
  };
  // Lists a directory after dropping its cached listing.
  auto fresh_list = [&](const std::string& dir, FsCallResult* r) {
    FsCallResult refreshed = fs_setxattr(dir, "user.snapfs.refresh", "1", limit);
    if (!refreshed.ok()) return fail("refresh " + dir, refreshed);
    *r = fs_list(dir, limit);
    return r->ok() || fail("list " + dir, *r);
  };
  FsCallResult services;
  if (!fresh_list(remote_dir, &services)) return false;
  for (const FsEntry& service : services.entries) {
    const std::string service_dir = remote_dir + "/" + service.name;
    FsCallResult volumes;
    if (!fresh_list(service_dir, &volumes)) return false;
    for (const FsEntry& volume : volumes.entries) {
      const std::string volume_dir = service_dir + "/" + volume.name;
      FsCallResult volume_id = fs_getxattr(volume_dir, "user.snapfs.id", limit);
      if (!volume_id.ok()) return fail("user.snapfs.id of " + volume_dir, volume_id);
      auto& ids = (*out)[volume_id.value];
      FsCallResult snapshots;
      if (!fresh_list(volume_dir + "/.snapshots", &snapshots)) return false;
      for (const FsEntry& snapshot : snapshots.entries) {
        if (snapshot.is_link) continue;
        const std::string path = volume_dir + "/.snapshots/" + snapshot.name;
        FsCallResult id = fs_getxattr(path, "user.snapfs.id", limit);
        if (!id.ok()) return fail("user.snapfs.id of " + path, id);
        ids.insert(id.value);
      }
    }
  }
  return true;
}

std::string describe_difference(const SnapshotIds& mount, const SnapshotIds& emulator) {
  std::ostringstream out;
  std::set<std::string> volumes;
  for (const auto& [v, ids] : mount) volumes.insert(v);
  for (const auto& [v, ids] : emulator) volumes.insert(v);
  for (const std::string& v : volumes) {
    auto m = mount.find(v);
    auto e = emulator.find(v);
    if (m == mount.end() || e == emulator.end()) {
      out << "volume " << v
          << (m == mount.end() ? " missing from the mount" : " not in the emulator") << "; ";
      continue;
    }
    std::set<std::string> only_mount, only_emulator;
    std::set_difference(m->second.begin(), m->second.end(), e->second.begin(), e->second.end(),
                        std::inserter(only_mount, only_mount.end()));
    std::set_difference(e->second.begin(), e->second.end(), m->second.begin(), m->second.end(),
                        std::inserter(only_emulator, only_emulator.end()));
    if (!only_mount.empty())
      out << "volume " << v << ": only in the mount: " << join(only_mount) << "; ";
    if (!only_emulator.empty()) {
      out << "volume " << v << ": only in the emulator: " << join(only_emulator) << "; ";
    }
  }
  return out.str();
}

std::string wait_for_matching_view(const EmulatorProcess& emulator, const std::string& remote_dir,
                                   const RemoteScope& scope, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string difference;
  for (;;) {
    SnapshotIds mount;
    std::string error;
    if (!mount_snapshot_ids(remote_dir, &mount, &error)) {
      difference = "cannot read the mount: " + error;
    } else {
      difference = describe_difference(mount, emulator_snapshot_ids(emulator.state_json(), scope));
      if (difference.empty()) return "";
    }
    if (std::chrono::steady_clock::now() >= deadline) return difference;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace snapfs::test
