// An in-memory Provider for namespace tests: scripted services, volumes and snapshots, call
// counters, and injectable failures. No network.
#pragma once

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "providers/provider.h"

namespace snapfs::test {

class FakeProvider : public Provider {
 public:
  struct Volume {
    VolumeInfo info;
    std::vector<SnapshotInfo> snapshots;
    std::string schedule;
  };

  Capabilities caps;
  std::map<std::string, std::vector<Volume>> services;  // service id -> volumes
  std::map<std::string, std::string> service_names;
  std::atomic<int> list_services_calls{0};
  std::atomic<int> list_volumes_calls{0};
  std::atomic<int> list_snapshots_calls{0};
  std::atomic<int> create_calls{0};
  std::atomic<int> delete_calls{0};
  std::atomic<int> fetch_attrs_calls{0};
  // When set, the next calls fail with this error (until cleared).
  std::optional<Error> fail_lists;
  std::optional<Error> fail_create;
  bool create_applies_before_failing = false;  // a dropped answer after the server applied it
  std::string assigned_name;                   // when set, creates use this server-chosen name
  std::chrono::milliseconds list_delay{0};     // of each list_snapshots call
  std::vector<std::string> snapshot_lists;     // the volume of each list_snapshots call, in order
  std::atomic<int> lists_running{0};
  std::atomic<int> most_lists_at_once{0};  // list_snapshots calls in progress together, at most
  int next_id = 1000;
  std::mutex mu;

  FakeProvider() {
    caps.rename = true;
    caps.attrs = {{Level::Snapshot, "tags", true, false},
                  {Level::SnapshotsDir, "schedule", true, true},
                  {Level::Volume, "protocol", false, true}};
  }

  Volume& add_volume(const std::string& service, const std::string& id, const std::string& name) {
    Volume v;
    v.info.id = id;
    v.info.name = name;
    v.info.state = "available";
    services[service].push_back(v);
    return services[service].back();
  }
  SnapshotInfo& add_snapshot(const std::string& service, const std::string& volume_id,
                             const std::string& id, const std::string& name,
                             std::int64_t created_us, const std::string& state = "available") {
    Volume* v = find_volume(service, volume_id);
    SnapshotInfo s;
    s.id = id;
    s.name = name;
    s.volume_id = volume_id;
    s.created_us = created_us;
    s.state = state;
    s.size = 1000;
    s.tags = std::vector<std::string>{};
    s.json = "{\"id\":\"" + id + "\"}";
    v->snapshots.push_back(s);
    return v->snapshots.back();
  }
  Volume* find_volume(const std::string& service, const std::string& volume_id) {
    for (auto& v : services[service]) {
      if (v.info.id == volume_id) return &v;
    }
    return nullptr;
  }

  const Capabilities& capabilities() const override { return caps; }

  Result<std::vector<ServiceInfo>> list_services(const OpContext&) override {
    list_services_calls++;
    std::lock_guard<std::mutex> lock(mu);
    if (fail_lists) return *fail_lists;
    std::vector<ServiceInfo> out;
    for (const auto& [id, vols] : services) {
      ServiceInfo s;
      s.id = id;
      s.name = service_names.count(id) ? service_names[id] : id;
      out.push_back(s);
    }
    return out;
  }
  Result<std::vector<VolumeInfo>> list_volumes(const ObjectRef& service,
                                               const OpContext&) override {
    list_volumes_calls++;
    std::lock_guard<std::mutex> lock(mu);
    if (fail_lists) return *fail_lists;
    std::vector<VolumeInfo> out;
    for (const auto& v : services[service.service_id]) out.push_back(v.info);
    return out;
  }
  Result<std::vector<SnapshotInfo>> list_snapshots(const ObjectRef& scope,
                                                   const OpContext& ctx) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      snapshot_lists.push_back(scope.volume_id);
    }
    list_snapshots_calls++;
    int running = ++lists_running;
    for (int most = most_lists_at_once; running > most;) {
      if (most_lists_at_once.compare_exchange_weak(most, running)) break;
    }
    if (list_delay.count() > 0) std::this_thread::sleep_for(list_delay);
    --lists_running;
    std::lock_guard<std::mutex> lock(mu);
    if (fail_lists) return *fail_lists;
    std::vector<SnapshotInfo> out;
    for (const auto& v : services[scope.service_id]) {
      if (scope.level == Level::Volume && v.info.id != scope.volume_id) continue;
      out.insert(out.end(), v.snapshots.begin(), v.snapshots.end());
    }
    return out;
  }
  Result<SnapshotInfo> create_snapshot(const ObjectRef& volume, const CreateRequest& request,
                                       const OpContext&) override {
    create_calls++;
    std::lock_guard<std::mutex> lock(mu);
    if (fail_create && !create_applies_before_failing) return *fail_create;
    Volume* v = find_volume(volume.service_id, volume.volume_id);
    if (!v) return Error(ErrorKind::NotFound, "no volume");
    SnapshotInfo s;
    s.id = "snap-" + std::to_string(next_id++);
    s.name = assigned_name.empty() ? request.name : assigned_name;
    s.volume_id = volume.volume_id;
    s.state = "creating";
    s.created_us = 1'800'000'000'000'000;
    if (request.expires_in_seconds) s.expiration = std::to_string(*request.expires_in_seconds);
    v->snapshots.push_back(s);
    if (fail_create) return *fail_create;
    return s;
  }
  Status delete_snapshot(const ObjectRef& snapshot, const OpContext&) override {
    delete_calls++;
    std::lock_guard<std::mutex> lock(mu);
    Volume* v = find_volume(snapshot.service_id, snapshot.volume_id);
    if (!v) return Error(ErrorKind::NotFound, "no volume");
    auto& snaps = v->snapshots;
    snaps.erase(std::remove_if(snaps.begin(), snaps.end(),
                               [&](const SnapshotInfo& s) { return s.id == snapshot.snapshot_id; }),
                snaps.end());
    return Status::Ok();
  }
  Result<SnapshotInfo> rename_snapshot(const ObjectRef& snapshot, const std::string& new_name,
                                       const OpContext&) override {
    std::lock_guard<std::mutex> lock(mu);
    Volume* v = find_volume(snapshot.service_id, snapshot.volume_id);
    for (auto& s : v->snapshots) {
      if (s.id == snapshot.snapshot_id) {
        s.name = new_name;
        return s;
      }
    }
    return Error(ErrorKind::NotFound, "no snapshot");
  }
  Result<AttrList> fetch_attrs(const ObjectRef& object, const OpContext&) override {
    fetch_attrs_calls++;
    std::lock_guard<std::mutex> lock(mu);
    Volume* v = find_volume(object.service_id, object.volume_id);
    if (!v) return Error(ErrorKind::NotFound, "no volume", 404);
    if (object.level == Level::SnapshotsDir) return AttrList{{"schedule", v->schedule}};
    if (object.level == Level::Volume) return AttrList{{"protocol", "NFS"}};
    return AttrList{};
  }
  Result<AttrUpdate> set_attr(const ObjectRef& object, const std::string& key,
                              const std::string& value, const OpContext&) override {
    std::lock_guard<std::mutex> lock(mu);
    Volume* v = find_volume(object.service_id, object.volume_id);
    if (key == "schedule") {
      if (value == "bogus") return Error(ErrorKind::InvalidArgument, "bad schedule");
      v->schedule = value;
      return AttrUpdate{};
    }
    for (auto& s : v->snapshots) {
      if (s.id == object.snapshot_id) {
        s.tags = std::vector<std::string>{value};
        AttrUpdate u;
        u.snapshot = s;
        return u;
      }
    }
    return Error(ErrorKind::NotFound, "no snapshot");
  }
  Status validate_name(const std::string& name) const override {
    if (name.empty()) return Error(ErrorKind::InvalidArgument, "empty name");
    if (name.find('!') != std::string::npos) return Error(ErrorKind::InvalidArgument, "no '!'");
    return Status::Ok();
  }
};

}  // namespace snapfs::test
