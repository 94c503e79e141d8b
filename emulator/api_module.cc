#include "emulator/api_module.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "emulator/emu_util.h"

namespace snapfs::emu {

std::string EmuRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string EmuRequest::query_param(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

EmuResponse EmuResponse::json(int status, std::string body, std::string content_type) {
  EmuResponse r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

EmuResponse EmuResponse::empty(int status) {
  EmuResponse r;
  r.status = status;
  return r;
}

EmuResponse ApiModule::fault_response(int status) const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("message");
  w.String(status_text(status));
  w.EndObject();
  return EmuResponse::json(status, buf.GetString());
}

}  // namespace snapfs::emu
