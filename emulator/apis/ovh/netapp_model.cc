// Enterprise File Storage model: time passing, the answers' JSON, seeds and the state file
// section.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "emulator/apis/ovh/netapp.h"
#include "emulator/emu_util.h"

namespace snapfs::emu::ovh {

// ---- time passing ---------------------------------------------------------------------------

void Netapp::advance_efs(std::int64_t now) {
  bool busy = false;
  for (EfsService& svc : efs_) {
    for (EfsShare& share : svc.shares) {
      if (share.until_us != 0) {
        if (share.until_us <= now) {
          share.status = "available";
          share.until_us = 0;
        } else {
          busy = true;
        }
      }
      if (share.policy_until_us != 0) {
        if (share.policy_until_us <= now) {
          share.policy_until_us = 0;
        } else {
          busy = true;
        }
      }
      auto& snaps = share.snapshots;
      for (std::size_t i = 0; i < snaps.size();) {
        EfsSnapshot& s = snaps[i];
        if (s.until_us == 0 || s.until_us > now) {
          if (s.until_us != 0) busy = true;
          ++i;
          continue;
        }
        s.until_us = 0;
        if (s.status == "deleting") {
          snaps.erase(snaps.begin() + static_cast<std::ptrdiff_t>(i));
          continue;
        }
        s.status = "available";
        ++i;
      }
    }
  }
  efs_busy_ = busy;
}

// ---- answers ----------------------------------------------------------------------------------

void Netapp::write_efs_service(JsonWriter& w, const EfsService& s) {
  w.StartObject();
  w.Key("id");
  w.String(s.id);
  w.Key("name");
  w.String(s.name);
  w.Key("createdAt");
  w.String(efs_date(s.created_us));
  w.Key("performanceLevel");
  w.String("premium");
  w.Key("product");
  w.String("enterprise");
  w.Key("quota");
  w.Int64(s.quota);
  w.Key("region");
  w.String(s.region);
  w.Key("status");
  w.String(s.status);
  w.Key("iam");
  w.Null();
  w.EndObject();
}

namespace {

// Writes a share or a snapshot: its id and name, and in detail its description and what `more`
// writes.
template <class T, class More>
void write_named(JsonWriter& w, const T& x, bool detail, More more) {
  w.StartObject();
  w.Key("id");
  w.String(x.id);
  w.Key("name");
  write_opt(w, x.name);
  if (detail) {
    w.Key("description");
    write_opt(w, x.description);
    more();
  }
  w.EndObject();
}

}  // namespace

void Netapp::write_share(JsonWriter& w, const EfsShare& s, bool detail) {
  write_named(w, s, detail, [&] {
    w.Key("protocol");
    w.String(s.protocol);
    w.Key("size");
    w.Int64(s.size_gb);
    w.Key("status");
    w.String(s.status);
    w.Key("createdAt");
    w.String(efs_date(s.created_us));
    w.Key("mountPointName");
    w.String(s.mount_point);
    w.Key("snapshotID");
    write_opt(w, s.source_snapshot);
  });
}

void Netapp::write_efs_snapshot(JsonWriter& w, const EfsSnapshot& s, bool detail) {
  write_named(w, s, detail, [&] {
    w.Key("createdAt");
    w.String(efs_date(s.created_us));
    w.Key("status");
    w.String(s.status);
    w.Key("type");
    w.String(s.type);
    w.Key("path");
    w.String(s.path);
  });
}

void Netapp::write_policy(JsonWriter& w, const EfsPolicy& p) {
  w.StartObject();
  w.Key("id");
  w.String(p.id);
  w.Key("name");
  write_opt(w, p.name);
  w.Key("description");
  write_opt(w, p.description);
  w.Key("createdAt");
  w.String(efs_date(p.created_us));
  w.Key("isDefault");
  w.Bool(p.is_default);
  w.Key("status");
  w.String(p.status);
  w.Key("rules");
  w.StartArray();
  for (const EfsRule& rule : p.rules) {
    w.StartObject();
    w.Key("copies");
    w.Int64(rule.copies);
    w.Key("prefix");
    w.String(rule.prefix);
    w.Key("schedule");
    w.StartObject();
    w.Key("minutes");
    write_int_list(w, rule.minutes);
    w.Key("hours");
    write_int_list(w, rule.hours);
    w.Key("days");
    write_int_list(w, rule.days);
    w.Key("months");
    write_int_list(w, rule.months);
    w.Key("weekdays");
    write_int_list(w, rule.weekdays);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

Netapp::EfsLookup Netapp::efs_lookup(const EmuRequest& r, bool want_share, bool want_snapshot) {
  EfsLookup out;
  const std::string id = path_param(r, "serviceName");
  for (EfsService& s : efs_) {
    if (s.id == id) out.service = &s;
  }
  if (out.service == nullptr) {
    out.error = service_not_found();
    return out;
  }
  if (!want_share) return out;
  const std::string share_id = path_param(r, "shareId");
  for (EfsShare& s : out.service->shares) {
    if (s.id == share_id) out.share = &s;
  }
  if (out.share == nullptr) {
    out.error = resource_not_found();
    return out;
  }
  if (!want_snapshot) return out;
  const std::string snap_id = path_param(r, "snapshotId");
  for (EfsSnapshot& s : out.share->snapshots) {
    if (s.id == snap_id) out.snapshot = &s;
  }
  if (out.snapshot == nullptr) out.error = resource_not_found();
  return out;
}

EfsPolicy* Netapp::find_policy(EfsService& svc, const std::string& id) {
  for (EfsPolicy& p : svc.policies) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

// ---- seeds --------------------------------------------------------------------------------

void Netapp::clear() {
  efs_.clear();
  efs_busy_ = false;
}

EfsRule Netapp::make_rule(std::int64_t copies, const std::string& prefix, std::vector<int> minutes,
                          std::optional<std::vector<int>> hours,
                          std::optional<std::vector<int>> weekdays) {
  EfsRule rule;
  rule.copies = copies;
  rule.prefix = prefix;
  rule.minutes = std::move(minutes);
  rule.hours = std::move(hours);
  rule.weekdays = std::move(weekdays);
  return rule;
}

EfsSnapshot Netapp::make_efs_snapshot(const EfsShare& share, const std::string& id,
                                      std::optional<std::string> name, const std::string& type,
                                      std::int64_t created_us) {
  EfsSnapshot s;
  s.id = id;
  s.name = std::move(name);
  s.type = type;
  s.created_us = created_us;
  s.path = snapshot_path(share, id);
  return s;
}

void Netapp::seed_demo(std::int64_t base, std::int64_t day) {
  EfsService efs;
  efs.id = "5f7a0ec8-1d3e-4b5e-9d55-3c0c9b1e2a10";
  efs.name = "efs-prod";
  efs.nfs_ip = "10.17.4.20";
  efs.created_us = base - 60 * day;
  efs.region = "eu-west-gra";
  efs.quota = 2048;
  EfsPolicy hourly;
  hourly.id = "c1d2e3f4-0a1b-4c2d-8e3f-405162738495";
  hourly.name = "hourly-24";
  hourly.description = "every hour, 24 kept";
  hourly.created_us = base - 50 * day;
  hourly.rules = {make_rule(24, "hourly", {0})};
  EfsPolicy daily;
  daily.id = "d4c3b2a1-9f8e-4d7c-a6b5-0f1e2d3c4b5a";
  daily.name = "daily-7";
  daily.description = "daily at 03:00 and weekly on Sundays";
  daily.created_us = base - 40 * day;
  daily.rules = {make_rule(7, "daily", {0}, std::vector<int>{3}),
                 make_rule(4, "weekly", {0}, std::vector<int>{4}, std::vector<int>{0})};
  efs.policies = {hourly, daily};

  EfsShare a;
  a.id = "a1b2c3d4-1111-4aaa-8bbb-000000000001";
  a.name = "share-a";
  a.description = "main share";
  a.size_gb = 500;
  a.created_us = base - 45 * day;
  a.mount_point = "share_a1b2c3d4";
  a.policy_id = hourly.id;
  EfsShare b;
  b.id = "b2c3d4e5-2222-4bbb-8ccc-000000000002";
  b.name = "share-b";
  b.size_gb = 100;
  b.created_us = base - 10 * day;
  b.mount_point = "share_b2c3d4e5";
  b.source_snapshot = "6f1d2c3b-4a59-4e68-8b7a-0c1d2e3f4a5b";  // share-a's "golden"

  auto hour = [](std::int64_t h) { return h * 3600LL * 1000000; };
  auto add = [&](EfsShare& share, const std::string& id, std::optional<std::string> name,
                 const std::string& type, std::int64_t created) -> EfsSnapshot& {
    share.snapshots.push_back(make_efs_snapshot(share, id, std::move(name), type, created));
    return share.snapshots.back();
  };
  add(a, "6f1d2c3b-4a59-4e68-8b7a-0c1d2e3f4a5b", std::string("golden"), "manual", base - 12 * day)
      .description = "source of share-b";
  add(a, "7a2e3d4c-5b6a-4f79-9c8b-1d2e3f4a5b6c", std::string("daily-backup"), "manual",
      base + 20 * day)
      .description = "before the migration";
  add(a, "8b3f4e5d-6c7b-4a8a-ad9c-2e3f4a5b6c7d", std::string("hourly.2024-07-17_0900"), "automatic",
      base + 29 * day + hour(9));
  add(a, "9c4a5f6e-7d8c-4b9b-be0d-3f4a5b6c7d8e", std::string("hourly.2024-07-17_1000"), "automatic",
      base + 29 * day + hour(10));
  add(a, "ad5b6a7f-8e9d-4cac-8f1e-4a5b6c7d8e9f", std::string("system-replica"), "system",
      base + 25 * day);
  add(a, "be6c7b8a-9f0e-4dbd-9a2f-5b6c7d8e9fa0", std::string("before/after upgrade"), "manual",
      base + 26 * day);
  add(a, "cf7d8c9b-a01f-4ece-ab3a-6c7d8e9fa0b1", std::string("nightly"), "manual", base + 27 * day);
  add(a, "d08e9dac-b12a-4fdf-bc4b-7d8e9fa0b1c2", std::string("nightly"), "manual", base + 28 * day);
  add(a, "e19faebd-c23b-4a0a-8d5c-8e9fa0b1c2d3", std::string(""), "manual",
      base + 28 * day + hour(1));
  EfsSnapshot& creating = add(a, "f2a0bfce-d34c-4b1b-9e6d-9fa0b1c2d3e4", std::string("in-progress"),
                              "manual", base + 29 * day + hour(11));
  creating.status = "creating";  // no deadline: stays creating
  add(b, "13b1c0df-e45d-4c2c-af7e-a0b1c2d3e4f5", std::string("first"), "manual", base - 5 * day);
  efs.shares = {a, b};
  efs_.push_back(efs);
}

void Netapp::seed_synthetic(const SyntheticSpec& spec, std::int64_t base, std::int64_t hour) {
  char buf[64];
  for (int i = 0; i < spec.services; ++i) {
    EfsService svc;
    svc.id = ctx_.new_uuid();
    svc.name = "efs-" + std::to_string(1000 + i);
    svc.created_us = base - 1000 * hour;
    EfsPolicy policy;
    policy.id = ctx_.new_uuid();
    policy.name = "hourly-24";
    policy.created_us = svc.created_us;
    policy.rules = {make_rule(24, "hourly", {0})};
    svc.policies.push_back(policy);
    auto fill = [&](EfsShare& share, int count) {
      share.snapshots.reserve(static_cast<std::size_t>(count));
      for (int k = 0; k < count; ++k) {
        const std::int64_t created = base - hour * (count - k);
        const bool automatic = k % 5 == 4;
        std::string name =
            (automatic ? "hourly." : "manual.") + format_utc_s(created / 1000000, "");
        share.snapshots.push_back(make_efs_snapshot(share, ctx_.new_uuid(), name,
                                                    automatic ? "automatic" : "manual", created));
      }
    };
    for (int j = 0; j < spec.volumes; ++j) {
      EfsShare share;
      share.id = ctx_.new_uuid();
      std::snprintf(buf, sizeof buf, "share-%02d", j + 1);
      share.name = std::string(buf);
      share.created_us = base - 900 * hour;
      share.mount_point = "share_" + share.id.substr(0, 8);
      share.policy_id = policy.id;
      fill(share, spec.snapshots);
      svc.shares.push_back(std::move(share));
    }
    if (spec.big > 0 && i == 0) {
      EfsShare big;
      big.id = ctx_.new_uuid();
      big.name = std::string("big");
      big.size_gb = 10000;
      big.created_us = base - 900 * hour;
      big.mount_point = "share_" + big.id.substr(0, 8);
      fill(big, spec.big);
      svc.shares.push_back(std::move(big));
    }
    efs_.push_back(std::move(svc));
  }
}

// ---- state files ------------------------------------------------------------------------------
// One reader and one writer per object; the state file keeps the answers' member names where
// they exist, and adds the internal fields (deadlines, microsecond dates).

namespace {

EfsRule rule_from_state(const rapidjson::Value& rv) {
  EfsRule rule;
  rule.copies = num(rv, "copies", 1);
  rule.prefix = str(rv, "prefix");
  auto sched = rv.FindMember("schedule");
  if (sched != rv.MemberEnd() && sched->value.IsObject()) {
    rule.minutes = ints(sched->value, "minutes").value_or(std::vector<int>{0});
    rule.hours = ints(sched->value, "hours");
    rule.days = ints(sched->value, "days");
    rule.months = ints(sched->value, "months");
    rule.weekdays = ints(sched->value, "weekdays");
  }
  return rule;
}

rapidjson::Value rule_to_state(const EfsRule& rule, Alloc& alloc) {
  rapidjson::Value rv(rapidjson::kObjectType);
  rv.AddMember("copies", rule.copies, alloc);
  rv.AddMember("prefix", string_value(rule.prefix, alloc), alloc);
  rapidjson::Value sched(rapidjson::kObjectType);
  sched.AddMember("minutes", int_list_value(rule.minutes, alloc), alloc);
  sched.AddMember("hours", int_list_value(rule.hours, alloc), alloc);
  sched.AddMember("days", int_list_value(rule.days, alloc), alloc);
  sched.AddMember("months", int_list_value(rule.months, alloc), alloc);
  sched.AddMember("weekdays", int_list_value(rule.weekdays, alloc), alloc);
  rv.AddMember("schedule", sched, alloc);
  return rv;
}

EfsPolicy policy_from_state(const rapidjson::Value& pv) {
  EfsPolicy p;
  p.id = str(pv, "id");
  p.name = opt_str(pv, "name");
  p.description = opt_str(pv, "description");
  p.created_us = date_us(pv, "createdAt").value_or(0);
  p.is_default = flag(pv, "isDefault", false);
  p.status = str(pv, "status", "available");
  if (const auto* rules = arr(pv, "rules")) {
    for (const auto& rv : rules->GetArray()) p.rules.push_back(rule_from_state(rv));
  }
  return p;
}

rapidjson::Value policy_to_state(const EfsPolicy& p, Alloc& alloc) {
  rapidjson::Value pv(rapidjson::kObjectType);
  pv.AddMember("id", string_value(p.id, alloc), alloc);
  pv.AddMember("name", opt_value(p.name, alloc), alloc);
  pv.AddMember("description", opt_value(p.description, alloc), alloc);
  pv.AddMember("createdAt_us", p.created_us, alloc);
  pv.AddMember("isDefault", p.is_default, alloc);
  pv.AddMember("status", string_value(p.status, alloc), alloc);
  rapidjson::Value rules(rapidjson::kArrayType);
  for (const EfsRule& rule : p.rules) rules.PushBack(rule_to_state(rule, alloc), alloc);
  pv.AddMember("rules", rules, alloc);
  return pv;
}

rapidjson::Value snapshot_to_state(const EfsSnapshot& s, Alloc& alloc) {
  rapidjson::Value snv(rapidjson::kObjectType);
  snv.AddMember("id", string_value(s.id, alloc), alloc);
  snv.AddMember("name", opt_value(s.name, alloc), alloc);
  snv.AddMember("description", opt_value(s.description, alloc), alloc);
  snv.AddMember("createdAt_us", s.created_us, alloc);
  snv.AddMember("status", string_value(s.status, alloc), alloc);
  snv.AddMember("type", string_value(s.type, alloc), alloc);
  snv.AddMember("path", string_value(s.path, alloc), alloc);
  snv.AddMember("until_us", s.until_us, alloc);
  return snv;
}

rapidjson::Value share_to_state(const EfsShare& share, Alloc& alloc) {
  rapidjson::Value shv(rapidjson::kObjectType);
  shv.AddMember("id", string_value(share.id, alloc), alloc);
  shv.AddMember("name", opt_value(share.name, alloc), alloc);
  shv.AddMember("description", opt_value(share.description, alloc), alloc);
  shv.AddMember("protocol", string_value(share.protocol, alloc), alloc);
  shv.AddMember("size", share.size_gb, alloc);
  shv.AddMember("status", string_value(share.status, alloc), alloc);
  shv.AddMember("createdAt_us", share.created_us, alloc);
  shv.AddMember("mountPointName", string_value(share.mount_point, alloc), alloc);
  shv.AddMember("snapshotID", opt_value(share.source_snapshot, alloc), alloc);
  shv.AddMember("snapshotPolicyID", string_value(share.policy_id, alloc), alloc);
  shv.AddMember("policy_until_us", share.policy_until_us, alloc);
  shv.AddMember("snapshotReserve", share.reserve_percent, alloc);
  shv.AddMember("until_us", share.until_us, alloc);
  rapidjson::Value snaps(rapidjson::kArrayType);
  snaps.Reserve(static_cast<rapidjson::SizeType>(share.snapshots.size()), alloc);
  for (const EfsSnapshot& s : share.snapshots) snaps.PushBack(snapshot_to_state(s, alloc), alloc);
  shv.AddMember("snapshots", snaps, alloc);
  return shv;
}

rapidjson::Value service_to_state(const EfsService& svc, Alloc& alloc) {
  rapidjson::Value sv(rapidjson::kObjectType);
  sv.AddMember("id", string_value(svc.id, alloc), alloc);
  sv.AddMember("name", string_value(svc.name, alloc), alloc);
  sv.AddMember("createdAt", string_value(efs_date(svc.created_us), alloc), alloc);
  sv.AddMember("region", string_value(svc.region, alloc), alloc);
  sv.AddMember("status", string_value(svc.status, alloc), alloc);
  sv.AddMember("quota", svc.quota, alloc);
  if (!svc.nfs_ip.empty()) sv.AddMember("nfsIp", string_value(svc.nfs_ip, alloc), alloc);
  rapidjson::Value policies(rapidjson::kArrayType);
  for (const EfsPolicy& p : svc.policies) policies.PushBack(policy_to_state(p, alloc), alloc);
  sv.AddMember("policies", policies, alloc);
  rapidjson::Value shares(rapidjson::kArrayType);
  for (const EfsShare& share : svc.shares) shares.PushBack(share_to_state(share, alloc), alloc);
  sv.AddMember("shares", shares, alloc);
  return sv;
}

}  // namespace

// A snapshot's default path derives from its share, so its reader is a member.
EfsSnapshot Netapp::snapshot_from_state(const rapidjson::Value& snv, const EfsShare& share) const {
  EfsSnapshot s;
  s.id = str(snv, "id");
  s.name = opt_str(snv, "name");
  s.description = opt_str(snv, "description");
  s.created_us = date_us(snv, "createdAt").value_or(0);
  s.status = str(snv, "status", "available");
  s.type = str(snv, "type", "manual");
  s.path = str(snv, "path", snapshot_path(share, s.id));
  s.until_us = num(snv, "until_us");
  return s;
}

EfsShare Netapp::share_from_state(const rapidjson::Value& shv) const {
  EfsShare share;
  share.id = str(shv, "id");
  share.name = opt_str(shv, "name");
  share.description = opt_str(shv, "description");
  share.protocol = str(shv, "protocol", "NFS");
  share.size_gb = num(shv, "size", 100);
  share.status = str(shv, "status", "available");
  share.created_us = date_us(shv, "createdAt").value_or(0);
  share.mount_point = str(shv, "mountPointName", "share_" + share.id.substr(0, 8));
  share.source_snapshot = opt_str(shv, "snapshotID");
  share.policy_id = str(shv, "snapshotPolicyID");
  share.policy_until_us = num(shv, "policy_until_us");
  share.reserve_percent = num(shv, "snapshotReserve", 5);
  share.until_us = num(shv, "until_us");
  if (const auto* snaps = arr(shv, "snapshots")) {
    share.snapshots.reserve(snaps->Size());
    for (const auto& snv : snaps->GetArray()) {
      share.snapshots.push_back(snapshot_from_state(snv, share));
    }
  }
  return share;
}

EfsService Netapp::service_from_state(const rapidjson::Value& sv) const {
  EfsService svc;
  svc.id = str(sv, "id");
  svc.name = str(sv, "name");
  svc.created_us = date_us(sv, "createdAt").value_or(0);
  svc.region = str(sv, "region", svc.region);
  svc.status = str(sv, "status", svc.status);
  svc.quota = num(sv, "quota", svc.quota);
  svc.nfs_ip = str(sv, "nfsIp");
  if (const auto* policies = arr(sv, "policies")) {
    for (const auto& pv : policies->GetArray()) svc.policies.push_back(policy_from_state(pv));
  }
  if (const auto* shares = arr(sv, "shares")) {
    for (const auto& shv : shares->GetArray()) svc.shares.push_back(share_from_state(shv));
  }
  return svc;
}

void Netapp::load(const rapidjson::Value& section) {
  if (const auto* list = arr(section, "netapp")) {
    for (const auto& sv : list->GetArray()) efs_.push_back(service_from_state(sv));
  }
  efs_busy_ = true;  // re-derived on the next request
}

rapidjson::Value Netapp::dump(Alloc& alloc) const {
  rapidjson::Value netapp(rapidjson::kArrayType);
  for (const EfsService& svc : efs_) netapp.PushBack(service_to_state(svc, alloc), alloc);
  return netapp;
}

}  // namespace snapfs::emu::ovh
