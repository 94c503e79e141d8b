// Scaleway seeds: the demo data set and the synthetic one.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/apis/scaleway/scaleway.h"
#include "emulator/emu_util.h"

namespace snapfs::emu::scaleway {

// ---------------------------------------------------------------------------------------------
// Seeds

// Server ids of seeded volumes: the volume id with another leading byte.
std::string server_id_for(const std::string& volume_id) {
  return "5e" + volume_id.substr(2);
}

InstanceVolume* ScalewayModule::add_instance_volume(const std::string& zone, const std::string& id,
                                                    const std::string& name, std::int64_t size,
                                                    const std::string& server, std::int64_t created,
                                                    bool keep_sorted) {
  auto v = std::make_unique<InstanceVolume>();
  v->id = id;
  v->name = name;
  v->zone = zone;
  v->project = v->organization = kDemoProject;
  if (!server.empty()) {
    v->server_id = server_id_for(id);
    v->server_name = server;
  }
  v->size = size;
  v->created_us = v->modified_us = created;
  return zones_[zone].instance_volumes.add(std::move(v), keep_sorted);
}

InstanceSnapshot* ScalewayModule::add_instance_snapshot(
    const std::string& zone, const std::string& id, const InstanceVolume& volume,
    const std::string& name, std::int64_t created, const std::string& state,
    std::vector<std::string> tags, bool keep_sorted) {
  auto s = std::make_unique<InstanceSnapshot>();
  s->id = id;
  s->name = name;
  s->zone = zone;
  s->volume_type = volume.volume_type;
  s->project = volume.project;
  s->organization = volume.organization;
  s->size = volume.size;
  s->state = state;
  s->base_volume_id = volume.id;
  s->base_volume_name = volume.name;
  s->created_us = created;
  s->modified_us = created + 4200000;  // snapshots settle a few seconds after they start
  s->tags = std::move(tags);
  return zones_[zone].instance_snapshots.add(std::move(s), keep_sorted);
}

BlockVolume* ScalewayModule::add_block_volume(const std::string& zone, const std::string& id,
                                              const std::string& name, const std::string& type,
                                              std::int64_t size, const std::string& server,
                                              std::int64_t created, bool keep_sorted) {
  auto v = std::make_unique<BlockVolume>();
  v->id = id;
  v->name = name;
  v->zone = zone;
  v->type = type;
  v->perf_iops = type == "sbs_15k" ? 15000 : 5000;
  v->project_id = kDemoProject;
  v->size = size;
  v->created_us = v->updated_us = created;
  if (!server.empty()) {
    v->status = "in_use";
    BlockReference ref;
    ref.id = "7e" + id.substr(2);
    ref.product_resource_type = "instance_server";
    ref.product_resource_id = server_id_for(id);
    ref.type = "exclusive";
    ref.created_us = created;
    v->references.push_back(std::move(ref));
  }
  return zones_[zone].block_volumes.add(std::move(v), keep_sorted);
}

BlockSnapshot* ScalewayModule::add_block_snapshot(const std::string& zone, const std::string& id,
                                                  const BlockVolume& volume,
                                                  const std::string& name, std::int64_t created,
                                                  const std::string& status,
                                                  std::vector<std::string> tags, bool keep_sorted) {
  auto s = std::make_unique<BlockSnapshot>();
  s->id = id;
  s->name = name;
  s->zone = zone;
  s->project_id = volume.project_id;
  s->status = status;
  s->parent_volume_id = volume.id;
  s->parent_volume_name = volume.name;
  s->parent_volume_type = volume.type;
  s->size = volume.size;
  s->created_us = created;
  s->updated_us = created + 5500000;
  s->tags = std::move(tags);
  if (status == "in_use") {
    BlockReference ref;
    ref.id = "7f" + id.substr(2);
    ref.product_resource_type = "instance_image";
    ref.product_resource_id = "1e" + id.substr(2);
    ref.created_us = s->updated_us;
    s->references.push_back(std::move(ref));
  }
  return zones_[zone].block_snapshots.add(std::move(s), keep_sorted);
}

// Stable ids so that tests can name demo objects: kind prefix, zone number, object number, e.g.
// 1b000000-0000-4000-8000-000000000103 = Instance snapshot 3 of zone 1.
std::string demo_id(const char* kind, int zone, int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s000000-0000-4000-8000-%09d%d%02d", kind, 0, zone, n);
  return buf;
}

void ScalewayModule::seed_demo() {
  clear();
  // Instance (l_ssd) in fr-par-1: two volumes with snapshots, one without.
  const std::string par = "fr-par-1";
  InstanceVolume* web = add_instance_volume(par, demo_id("1a", 1, 1), "web-01-root", 20 * kGB,
                                            "web-01", at("2026-01-10T09:12:44.512300Z"));
  InstanceVolume* db = add_instance_volume(par, demo_id("1a", 1, 2), "db-01-data", 100 * kGB,
                                           "db-01", at("2026-01-12T14:03:09.004211Z"));
  add_instance_volume(par, demo_id("1a", 1, 3), "spare-disk", 10 * kGB, "",
                      at("2026-02-02T08:00:00.000000Z"));
  add_instance_snapshot(par, demo_id("1b", 1, 1), *web, "web-01-root-2026-03-01",
                        at("2026-03-01T02:00:00.123456Z"), "available", {"daily"});
  add_instance_snapshot(par, demo_id("1b", 1, 2), *web, "daily/2026-11-01",
                        at("2026-11-01T02:00:05.654321Z"), "available", {"daily", "auto"});
  add_instance_snapshot(par, demo_id("1b", 1, 3), *db, "before-upgrade",
                        at("2026-04-02T09:15:00.250000Z"), "available", {});
  add_instance_snapshot(par, demo_id("1b", 1, 4), *db, "before-upgrade",
                        at("2026-05-20T18:40:31.750000Z"), "available", {"manual"});
  add_instance_snapshot(par, demo_id("1b", 1, 5), *db, "", at("2026-06-11T07:00:00.000001Z"),
                        "available", {});
  // Stays in progress: no ready time.
  add_instance_snapshot(par, demo_id("1b", 1, 6), *db, "db-01-nightly",
                        at("2026-11-02T01:00:00.000000Z"), "snapshotting", {"nightly"});

  // Block (sbs) in fr-par-1.
  BlockVolume* app = add_block_volume(par, demo_id("2a", 1, 1), "app-data", "sbs_5k", 50 * kGB,
                                      "web-01", at("2026-01-15T10:20:30.405060Z"));
  BlockVolume* logs = add_block_volume(par, demo_id("2a", 1, 2), "logs", "sbs_15k", 200 * kGB, "",
                                       at("2026-01-20T11:00:00.000000Z"));
  add_block_volume(par, demo_id("2a", 1, 3), "archive-empty", "sbs_5k", 10 * kGB, "",
                   at("2026-02-03T12:00:00.000000Z"));
  add_block_snapshot(par, demo_id("2b", 1, 1), *app, "app-data-2026-06-01",
                     at("2026-06-01T03:00:00.111111Z"), "available", {"weekly"});
  add_block_snapshot(par, demo_id("2b", 1, 2), *app, "weekly/2026-W23",
                     at("2026-06-07T03:00:00.222222Z"), "available", {"weekly"});
  add_block_snapshot(par, demo_id("2b", 1, 3), *logs, "pre-migration",
                     at("2026-02-10T16:45:00.000000Z"), "available", {});
  add_block_snapshot(par, demo_id("2b", 1, 4), *logs, "pre-migration",
                     at("2026-07-22T08:30:12.500000Z"), "available", {"keep"});
  add_block_snapshot(par, demo_id("2b", 1, 5), *logs, "logs-nightly",
                     at("2026-11-02T01:30:00.000000Z"), "creating", {});  // stays in progress
  add_block_snapshot(par, demo_id("2b", 1, 6), *app, "golden-image-base",
                     at("2026-05-05T05:05:05.050505Z"), "in_use", {});

  // nl-ams-1: one volume of each API with two snapshots.
  const std::string ams = "nl-ams-1";
  InstanceVolume* ams_root = add_instance_volume(ams, demo_id("1a", 2, 1), "ams-app-root", 40 * kGB,
                                                 "ams-app-01", at("2026-03-03T07:07:07.070707Z"));
  add_instance_snapshot(ams, demo_id("1b", 2, 1), *ams_root, "ams-app-root-2026-08-01",
                        at("2026-08-01T04:00:00.000000Z"), "available", {});
  add_instance_snapshot(ams, demo_id("1b", 2, 2), *ams_root, "ams-app-root-2026-09-01",
                        at("2026-09-01T04:00:00.000000Z"), "available", {"monthly"});
  BlockVolume* ams_db = add_block_volume(ams, demo_id("2a", 2, 1), "ams-db", "sbs_5k", 100 * kGB,
                                         "ams-db-01", at("2026-03-04T08:08:08.080808Z"));
  add_block_snapshot(ams, demo_id("2b", 2, 1), *ams_db, "ams-db-2026-10-01",
                     at("2026-10-01T01:00:00.000000Z"), "available", {});
  add_block_snapshot(ams, demo_id("2b", 2, 2), *ams_db, "ams-db-2026-10-08",
                     at("2026-10-08T01:00:00.000000Z"), "available", {"weekly"});
}

std::string synthetic_snapshot_name(std::int64_t created_us) {
  std::time_t t = static_cast<std::time_t>(created_us / 1000000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "auto-%Y%m%d-%H%M", &tm);
  return buf;
}

void ScalewayModule::seed_synthetic(const SyntheticSpec& spec) {
  clear();
  std::uint64_t serial = 0;
  auto next_id = [&serial](const char* kind) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s000000-0000-4000-8000-%012llx", kind,
                  static_cast<unsigned long long>(++serial));
    return std::string(buf);
  };
  const std::int64_t volumes_start = at("2025-12-01T00:00:00Z");
  const std::int64_t snapshots_start = at("2026-01-01T00:00:00Z");
  const std::int64_t step = 600LL * 1000000;  // one snapshot every 10 minutes
  auto fill = [&](const std::string& zone, const std::string& name, int index, int count) {
    std::int64_t size = ((index * 37) % 20 + 1) * 10 * kGB;
    std::int64_t created = volumes_start + index * 3600LL * 1000000;
    InstanceVolume* iv = add_instance_volume(zone, next_id("1a"), name, size,
                                             index % 2 == 0 ? name + "-srv" : "", created, false);
    BlockVolume* bv = add_block_volume(zone, next_id("2a"), name, "sbs_5k", size,
                                       index % 2 == 0 ? name + "-srv" : "", created, false);
    for (int i = 0; i < count; ++i) {
      std::int64_t when = snapshots_start + i * step + (index % 60) * 1000000 + 123456;
      std::vector<std::string> tags;
      if (i % 7 == 0) tags.push_back("weekly");
      std::string snap_name = synthetic_snapshot_name(when);
      add_instance_snapshot(zone, next_id("1b"), *iv, snap_name, when, "available", tags, false);
      add_block_snapshot(zone, next_id("2b"), *bv, snap_name, when, "available", std::move(tags),
                         false);
    }
  };
  const auto& zones = block_zones();
  int services = std::min<int>(std::max(spec.services, 0), static_cast<int>(zones.size()));
  for (int z = 0; z < services; ++z) {
    char name[32];
    for (int v = 0; v < spec.volumes; ++v) {
      std::snprintf(name, sizeof name, "data-%03d", v + 1);
      fill(zones[z], name, v, spec.snapshots);
    }
    if (z == 0 && spec.big > 0) fill(zones[z], "big", spec.volumes, spec.big);
  }
  sort_all();
}

}  // namespace snapfs::emu::scaleway
