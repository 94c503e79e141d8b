// What the files of the ovh-nasha provider share (ovh_nasha_provider.cc lists, ovh_nasha_history.cc
// dates from the task history, ovh_nasha_mutation.cc creates and deletes, ovh_nasha_schedule.cc
// reads and writes the attributes). Not for use outside them.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <string>
#include <vector>

#include "providers/common/json_util.h"
#include "providers/ovh/ovh_client.h"
#include "providers/result.h"

namespace snapfs::nasha_internal {

inline constexpr const char* kCreateOperation = "clusterLeclercCustomSnapCreate";
inline constexpr const char* kDeleteOperation = "clusterLeclercCustomSnapDelete";
// Custom snapshots never change (name and expiration are fixed at creation): their objects can be
// kept with the listing for as long as they are listed.
inline constexpr std::chrono::seconds kCustomSnapshotMaxAge = std::chrono::hours(24);

// Parses every object of a list; a malformed one fails the listing.
template <class F>
Status for_each_object(const std::vector<std::string>& objects, const std::string& what, F fn) {
  for (const std::string& text : objects) {
    rapidjson::Document doc;
    if (Status s = parse_json(text, &doc, what); !s.ok()) return s;
    fn(doc);
  }
  return Status::Ok();
}

inline std::string task_path(const std::string& service) {
  return ovh_path({"dedicated", "nasha", service, "task"});
}

inline std::string custom_snapshot_json(const std::string& name, const std::string& expiration) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("name");
  w.String(name);
  w.Key("expiration");
  if (expiration.empty()) {
    w.Null();
  } else {
    w.String(expiration);
  }
  w.EndObject();
  return buf.GetString();
}

}  // namespace snapfs::nasha_internal
