#include "emulator/server.h"

#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/filewritestream.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "emulator/emu_util.h"
#include "emulator/modules.h"

namespace snapfs::emu {
namespace {

// Enough workers that idle keep-alive connections and black-holed requests (delay-ms faults)
// never starve the control routes or the other clients.
constexpr std::size_t kWorkerThreads = 128;
constexpr std::size_t kMaxBodyBytes = 8u << 20;
constexpr char kControlPrefix[] = "/_emulator";

bool is_mutating(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

bool file_exists(const std::string& path) {
  return access(path.c_str(), F_OK) == 0;
}

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

std::string json_message(const std::string& message) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("message");
  w.String(message);
  w.EndObject();
  return buf.GetString();
}

void answer_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

bool parse_count(const std::string& s, int* out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  *out = std::atoi(s.c_str());
  return true;
}

// Copies a module's answer into httplib's response, breaking it as the fault says.
void write_answer(const EmuResponse& out, FaultBreak breakage, httplib::Response& res) {
  res.status = out.status;
  for (const auto& [name, value] : out.headers) res.set_header(name, value);
  std::string content_type = out.content_type;
  if (breakage == FaultBreak::kReset) {
    // The status line and headers go out, the body never does, and the connection is closed: the
    // client sees a broken transfer after the server already applied the request.
    res.set_content_provider(std::max<std::size_t>(out.body.size(), 1),
                             content_type.empty() ? "application/json" : content_type,
                             [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
    return;
  }
  if (breakage == FaultBreak::kTruncate && !out.body.empty()) {
    auto body = std::make_shared<std::string>(out.body);
    res.set_content_provider(body->size(), content_type.empty() ? "application/json" : content_type,
                             [body](std::size_t, std::size_t, httplib::DataSink& sink) {
                               sink.write(body->data(), body->size() / 2);
                               return false;
                             });
    return;
  }
  if (!content_type.empty()) {
    res.set_content(out.body, content_type);
  } else {
    res.body = out.body;
  }
}

}  // namespace

std::optional<SyntheticSpec> parse_synthetic_spec(const std::string& text, std::string* error) {
  SyntheticSpec spec;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    std::size_t eq = item.find('=');
    std::string key = item.substr(0, eq);
    int value = 0;
    if (eq == std::string::npos || !parse_count(item.substr(eq + 1), &value)) {
      *error = "bad synthetic item '" + item + "' (want key=number)";
      return std::nullopt;
    }
    if (key == "services") {
      spec.services = value;
    } else if (key == "volumes") {
      spec.volumes = value;
    } else if (key == "snapshots") {
      spec.snapshots = value;
    } else if (key == "big") {
      spec.big = value;
    } else if (key == "files") {
      spec.files = value;
    } else {
      *error = "unknown synthetic item '" + key + "'";
      return std::nullopt;
    }
  }
  return spec;
}

EmulatorServer::EmulatorServer(ServerOptions options)
    : options_(std::move(options)), uuid_rng_(std::random_device{}()) {
  faults_.set(options_.faults);
}

EmulatorServer::~EmulatorServer() = default;

std::chrono::milliseconds EmulatorServer::async_delay() const {
  return std::chrono::milliseconds(options_.async_ms);
}

std::int64_t EmulatorServer::now_unix_us() const {
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::microseconds>(since).count() +
         options_.clock_offset_s * 1000000;
}

std::int64_t EmulatorServer::now_unix() const {
  return now_unix_us() / 1000000;
}

std::string EmulatorServer::new_uuid() {
  std::uint64_t hi, lo;
  {
    std::lock_guard<std::mutex> lock(uuid_mu_);
    hi = uuid_rng_();
    lo = uuid_rng_();
  }
  hi = (hi & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xFFFF),
                static_cast<unsigned long long>(hi & 0xFFFF),
                static_cast<unsigned long long>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

bool EmulatorServer::init(std::string* error) {
  modules_ = make_modules(*this);
  for (auto& module : modules_) {
    ApiModule* m = module.get();
    m->register_routes(
        [this, m](const std::string& method, const std::string& route, Handler handler) {
          router_.add(m, method, route, std::move(handler));
        });
  }
  std::lock_guard<std::mutex> lock(state_mu_);
  if (!options_.state_path.empty() && file_exists(options_.state_path)) {
    if (!load_document_locked(options_.state_path, error)) return false;
    return start_content_locked(error);
  }
  const std::string& seed = options_.seed;
  if (seed == "demo") {
    for (auto& m : modules_) m->seed_demo();
  } else if (seed.rfind("synthetic:", 0) == 0) {
    auto spec = parse_synthetic_spec(seed.substr(10), error);
    if (!spec) return false;
    for (auto& m : modules_) m->seed_synthetic(*spec);
    content_files_ = spec->files;
  } else if (!seed.empty() && !load_document_locked(seed, error)) {
    return false;
  }
  if (!options_.state_path.empty() && !save_state_locked(error)) return false;
  return start_content_locked(error);
}

bool EmulatorServer::start_content_locked(std::string* error) {
  if (options_.content_root.empty()) return true;
  std::string root = options_.content_root;
  if (root.front() != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == nullptr) {
      *error = std::string("cannot resolve --content-root: ") + std::strerror(errno);
      return false;
    }
    root = std::string(cwd) + "/" + root;
  }
  if (::mkdir(root.c_str(), 0755) != 0 && errno != EEXIST) {
    *error = "cannot create the content root " + root + ": " + std::strerror(errno);
    return false;
  }
  options_.content_root = root;
  content_ = std::make_unique<ContentStore>(root, content_files_);
  reconcile_content_locked();
  return true;
}

void EmulatorServer::reconcile_content_locked() {
  if (!content_) return;
  std::vector<ContentVolume> volumes;
  for (const auto& m : modules_) m->content_volumes(volumes);
  content_->reconcile(volumes);
}

bool EmulatorServer::load_document_locked(const std::string& path, std::string* error) {
  std::string text;
  if (!read_file(path, &text)) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    *error = path + ": not a JSON object" +
             (doc.HasParseError()
                  ? std::string(" (") + rapidjson::GetParseError_En(doc.GetParseError()) + ")"
                  : std::string());
    return false;
  }
  for (auto& m : modules_) {
    auto it = doc.FindMember(m->name().c_str());
    if (it != doc.MemberEnd() && it->value.IsObject()) m->load(it->value);
  }
  auto root = doc.FindMember("content_root");
  if (root != doc.MemberEnd() && root->value.IsString() && options_.content_root.empty()) {
    options_.content_root = root->value.GetString();
  }
  return true;
}

std::string EmulatorServer::dump_state_locked() const {
  rapidjson::Document doc;
  doc.SetObject();
  auto& alloc = doc.GetAllocator();
  for (const auto& m : modules_) {
    rapidjson::Value section(rapidjson::kObjectType);
    m->dump(section, alloc);
    doc.AddMember(rapidjson::Value(m->name().c_str(), alloc), section, alloc);
  }
  if (!options_.content_root.empty()) {
    doc.AddMember("content_root", rapidjson::Value(options_.content_root.c_str(), alloc), alloc);
  }
  return to_json(doc);
}

bool EmulatorServer::save_state_locked(std::string* error) const {
  // Written whole to a temporary file, then renamed over the old one: a crash never leaves a
  // half-written state file.
  std::string tmp = options_.state_path + ".tmp." + std::to_string(getpid());
  std::string text = dump_state_locked();
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    *error = "cannot write " + tmp + ": " + std::strerror(errno);
    return false;
  }
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fflush(f) == 0 && ok;
  ok = fsync(fileno(f)) == 0 && ok;
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), options_.state_path.c_str()) != 0) {
    *error = "cannot write " + options_.state_path + ": " + std::strerror(errno);
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

void EmulatorServer::sleep_ms(int ms) {
  if (ms <= 0) return;
  std::unique_lock<std::mutex> lock(stop_mu_);
  stop_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

EmuRequest EmulatorServer::build_request(const httplib::Request& req,
                                         const RouteMatch& match) const {
  EmuRequest r;
  r.method = req.method;
  r.path = req.path;
  r.raw_target = req.target;
  std::size_t q = req.target.find('?');
  r.raw_query = q == std::string::npos ? "" : req.target.substr(q + 1);
  r.query.insert(req.params.begin(), req.params.end());
  r.path_params = match.params;
  for (const auto& [name, value] : req.headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    r.headers.emplace(std::move(lower), value);
  }
  r.body = req.body;
  r.scheme = options_.tls_cert.empty() ? "http" : "https";
  r.host = req.get_header_value("Host");
  return r;
}

EmuResponse EmulatorServer::call_module(const RouteMatch& match, const EmuRequest& request) {
  std::lock_guard<std::mutex> lock(state_mu_);
  EmuResponse out;
  try {
    out = (*match.handler)(request);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "snapfs-emulator: %s %s: handler failed: %s\n", request.method.c_str(),
                 match.route->c_str(), e.what());
    out = EmuResponse::json(500, json_message("internal error"));
  }
  reconcile_content_locked();
  if (is_mutating(request.method) && out.status < 400 && !options_.state_path.empty()) {
    std::string error;
    if (!save_state_locked(&error)) std::fprintf(stderr, "snapfs-emulator: %s\n", error.c_str());
  }
  return out;
}

void EmulatorServer::serve(const httplib::Request& req, httplib::Response& res) {
  if (req.path == kControlPrefix || req.path.rfind(std::string(kControlPrefix) + "/", 0) == 0) {
    serve_control(req, res);
    return;
  }
  std::string raw_path = req.target.substr(0, req.target.find('?'));
  std::vector<std::string> segments = split_path(raw_path);
  std::optional<RouteMatch> match = router_.match(req.method, segments);
  sleep_ms(options_.latency_ms);
  if (!match) {
    answer_json(res, 404, json_message("no route for " + req.method + " " + req.path));
    counter_.record(router_.api_for(segments), req.method, "unmatched", 404);
    return;
  }
  std::optional<FaultSpec> fault = faults_.pick(req.method, req.path, *match->route);
  FaultBreak breakage = fault ? fault->breakage : FaultBreak::kNone;
  if (fault) sleep_ms(fault->delay_ms);

  EmuResponse out;
  if (fault && fault->status != 0) {
    out = match->module->fault_response(fault->status);
  } else {
    out = call_module(*match, build_request(req, *match));
  }
  if (fault && fault->retry_after >= 0) {
    out.headers.emplace_back("Retry-After", std::to_string(fault->retry_after));
  }
  if (breakage == FaultBreak::kGarbage) {
    out.status = 200;
    out.body = match->module->garbage_body();
    if (out.content_type.empty()) out.content_type = "application/json";
  }
  counter_.record(match->module->name(), req.method, *match->route,
                  breakage == FaultBreak::kReset ? 0 : out.status);
  write_answer(out, breakage, res);
}

void EmulatorServer::serve_control(const httplib::Request& req, httplib::Response& res) {
  const std::string& path = req.path;
  const std::string& method = req.method;
  if (path == "/_emulator/stats" && method == "GET") {
    answer_json(res, 200, counter_.to_json());
  } else if (path == "/_emulator/reset-stats" && method == "POST") {
    counter_.reset();
    answer_json(res, 200, "{}");
  } else if (path == "/_emulator/state" && method == "GET") {
    std::lock_guard<std::mutex> lock(state_mu_);
    answer_json(res, 200, dump_state_locked());
  } else if (path == "/_emulator/content" && method == "GET") {
    // Where the volumes' files are, and how many copies and removals are still to be done.
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("root");
    w.String(content_ ? content_->root() : "");
    w.Key("pending");
    w.Uint64(content_ ? content_->pending() : 0);
    w.EndObject();
    answer_json(res, 200, buf.GetString());
  } else if (path == "/_emulator/faults" && method == "DELETE") {
    faults_.clear();
    answer_json(res, 200, "{\"faults\":[]}");
  } else if (path == "/_emulator/faults" && (method == "POST" || method == "GET")) {
    if (method == "POST") {
      rapidjson::Document doc;
      doc.Parse(req.body.c_str(), req.body.size());
      if (doc.HasParseError() || !doc.IsArray()) {
        answer_json(res, 400, json_message("body must be a JSON array of fault SPEC strings"));
        return;
      }
      std::vector<FaultSpec> specs;
      for (const auto& item : doc.GetArray()) {
        std::string error = "not a string";
        std::optional<FaultSpec> spec;
        if (item.IsString()) spec = parse_fault_spec(item.GetString(), &error);
        if (!spec) {
          answer_json(res, 400, json_message("bad fault spec: " + error));
          return;
        }
        specs.push_back(*spec);
      }
      faults_.set(std::move(specs));
    }
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("faults");
    w.StartArray();
    for (const std::string& text : faults_.describe()) w.String(text);
    w.EndArray();
    w.EndObject();
    answer_json(res, 200, buf.GetString());
  } else {
    answer_json(res, 404, json_message("no control route " + method + " " + path));
  }
}

bool EmulatorServer::run(std::string* error) {
  bool tls = !options_.tls_cert.empty();
  if (tls) {
    http_ =
        std::make_unique<httplib::SSLServer>(options_.tls_cert.c_str(), options_.tls_key.c_str());
  } else {
    http_ = std::make_unique<httplib::Server>();
  }
  if (!http_->is_valid()) {
    *error = "cannot load the TLS certificate or key";
    return false;
  }
  live_ = http_.get();
  http_->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  http_->set_payload_max_length(kMaxBodyBytes);
  http_->set_keep_alive_max_count(1000);
  // httplib writes headers and body separately; with Nagle's algorithm on, the body then waits
  // for the client's delayed ACK (40 ms on Linux), which no real API adds to --latency-ms.
  http_->set_tcp_nodelay(true);
  // httplib listens with a backlog of 5, compiled into the distribution's library. A burst of
  // new connections (a mount's first listings, five remotes at once) then overflows the accept
  // queue; the kernel drops those handshakes and the client resends them a second later, a
  // stall no real API adds. So the socket's backlog is raised once it is bound.
  int listening_fd = -1;
  http_->set_socket_options([&listening_fd](socket_t sock) {
    httplib::default_socket_options(sock);
    listening_fd = sock;
  });
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { serve(req, res); };
  // httplib reads the body of a POST, PUT or PATCH sent with neither Content-Length nor chunked
  // encoding until the connection closes, and answers an empty 400 when its read times out.
  // Real APIs take such a request as one with an empty body (NAVER's calls are POSTs that carry
  // only a query string), so it is served before httplib tries to read a body.
  http_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    bool has_body = req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
    if (has_body || (req.method != "POST" && req.method != "PUT" && req.method != "PATCH")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    serve(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  http_->Get(".*", handler);
  http_->Post(".*", handler);
  http_->Put(".*", handler);
  http_->Patch(".*", handler);
  http_->Delete(".*", handler);

  const std::string& host = options_.listen_host;
  int port = options_.listen_port;
  if (port == 0) {
    port = http_->bind_to_any_port(host);
  } else if (!http_->bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0) {
    *error = "cannot listen on " + host + ":" + std::to_string(options_.listen_port);
    return false;
  }
  if (listening_fd < 0 || ::listen(listening_fd, SOMAXCONN) != 0) {
    *error = std::string("cannot raise the listen backlog: ") + std::strerror(errno);
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (stopping_) return true;
  }
  std::string shown_host = host == "0.0.0.0" ? "127.0.0.1" : host;
  std::printf("listening on %s://%s:%d\n", tls ? "https" : "http", shown_host.c_str(), port);
  std::fflush(stdout);
  http_->listen_after_bind();
  return true;
}

void EmulatorServer::stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (httplib::Server* server = live_.load()) server->stop();
}

}  // namespace snapfs::emu
