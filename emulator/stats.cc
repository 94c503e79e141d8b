#include "emulator/stats.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace snapfs::emu {

void RequestCounter::record(const std::string& api, const std::string& method,
                            const std::string& route, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[Key(api, method, route, status)];
  ++total_;
}

void RequestCounter::reset() {
  std::lock_guard<std::mutex> lock(mu_);
  counts_.clear();
  total_ = 0;
}

std::string RequestCounter::to_json() const {
  std::lock_guard<std::mutex> lock(mu_);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("total");
  w.Int64(total_);
  w.Key("requests");
  w.StartArray();
  for (const auto& [key, count] : counts_) {
    w.StartObject();
    w.Key("api");
    w.String(std::get<0>(key));
    w.Key("method");
    w.String(std::get<1>(key));
    w.Key("route");
    w.String(std::get<2>(key));
    w.Key("status");
    w.Int(std::get<3>(key));
    w.Key("count");
    w.Int64(count);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace snapfs::emu
