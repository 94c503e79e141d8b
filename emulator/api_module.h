// snapfs-emulator: one server speaking every provider API. Each API is one ApiModule (its front
// in emulator/apis/NAME.cc, its model and routes beside it in emulator/apis/NAME/); the core
// (emulator/server.cc) owns the listener, TLS, routing, the /_emulator control routes, latency,
// fault injection, request counters and state persistence.
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace snapfs::emu {

struct EmuRequest {
  std::string method;
  std::string path;        // decoded path, no query
  std::string raw_target;  // the request-target exactly as received ("/a/b?x=1")
  std::string raw_query;   // the part after '?', as received ("" when none)
  std::multimap<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> path_params;   // "{zone}" -> "fr-par-1"
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string scheme;  // "http" or "https"
  std::string host;    // the Host header as received

  std::string header(const std::string& lower_name) const;
  std::string query_param(const std::string& name) const;  // first value or ""
};

struct EmuResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;  // empty: no Content-Type header

  static EmuResponse json(int status, std::string body,
                          std::string content_type = "application/json");
  static EmuResponse empty(int status);
};

using Handler = std::function<EmuResponse(const EmuRequest&)>;

// Generated data sets
// (`--seed synthetic:services=S,volumes=V,snapshots=N[,big=M][,files=F]`).
struct SyntheticSpec {
  int services = 1;
  int volumes = 1;
  int snapshots = 1;
  int big = 0;    // extra volume "big" with this many snapshots; 0 = none
  int files = 0;  // files in each NAS volume's tree (with --content-root), over folders of 100
};

// One NAS volume's files as a module's state has them (emulator/content.h keeps the trees).
struct ContentVolume {
  std::string nfs_export;  // "host:/path", as the API answers it
  // One per snapshot the API lists or is making, relative to the export root
  // (".zfs/snapshot/<name>").
  std::vector<std::string> snapshot_dirs;
  // Top-level names a snapshot copy leaves out: the snapshot directories themselves (".zfs").
  std::vector<std::string> hidden;
  // Snapshot directories made once with a new volume's tree that the API does not list.
  std::vector<std::string> automatic;
};

// Shared facilities a module may use.
class EmuContext {
 public:
  virtual ~EmuContext() = default;
  // How long asynchronous operations stay in progress (`--async-ms`, default 1000).
  virtual std::chrono::milliseconds async_delay() const = 0;
  // The emulator's clock (Unix seconds / microseconds); one place so tests can skew it.
  virtual std::int64_t now_unix() const = 0;
  virtual std::int64_t now_unix_us() const = 0;
  // A fresh random UUID v4 string.
  virtual std::string new_uuid() = 0;
};

class ApiModule {
 public:
  virtual ~ApiModule() = default;
  // Key of the module's section in seed and state files, and the "api" label in stats
  // ("scaleway", "ovh", "naver").
  virtual std::string name() const = 0;
  // Route templates use {param} segments: "/instance/v1/zones/{zone}/snapshots/{id}". The
  // template string is the `route` label in /_emulator/stats.
  virtual void register_routes(
      const std::function<void(const std::string& method, const std::string& route, Handler)>&
          add) = 0;
  // Seed and state I/O. All handler calls, loads and dumps run under the core's state lock.
  virtual void seed_demo() = 0;
  virtual void seed_synthetic(const SyntheticSpec& spec) = 0;
  virtual void load(const rapidjson::Value& section) = 0;
  virtual void dump(rapidjson::Value& out, rapidjson::Document::AllocatorType& alloc) const = 0;
  // Appends the module's NAS volumes and their snapshot directories (none by default); called
  // under the state lock after every request when the emulator keeps a content root.
  virtual void content_volumes(std::vector<ContentVolume>& out) const { (void)out; }
  // Body returned by a `garbage` fault on this module's routes (malformed JSON or XML).
  virtual std::string garbage_body() const { return "{\"truncated\": [1, 2,"; }
  // Answer of a `status=N` fault on this module's routes (the request is not applied). The
  // default is a JSON `{"message": ...}` body; a module whose API answers that status in its own
  // shape (Scaleway's bare 429, an XML error) overrides it.
  virtual EmuResponse fault_response(int status) const;
};

// Factories, one per API file.
std::unique_ptr<ApiModule> make_scaleway_module(EmuContext& ctx);
std::unique_ptr<ApiModule> make_naver_module(EmuContext& ctx);
std::unique_ptr<ApiModule> make_ovh_module(EmuContext& ctx);

}  // namespace snapfs::emu
