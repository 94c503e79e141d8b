// snapfs-emulator's Scaleway wire behaviour (shared/specs/scaleway-api.md), checked over real
// HTTP(S) with the project's HTTP client (one attempt per request, so every answer is the
// emulator's own).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "providers/http/http_client.h"
#include "tests/support/process.h"

namespace snapfs::test {
namespace {

using namespace std::chrono_literals;

constexpr char kSecret[] = "00000000-0000-4000-8000-000000000001";
constexpr char kProject[] = "00000000-0000-4000-8000-0000000000aa";

// Demo seed objects (fixed ids), fr-par-1.
constexpr char kWebRootVolume[] = "1a000000-0000-4000-8000-000000000101";
constexpr char kWebRootSnapshot[] = "1b000000-0000-4000-8000-000000000101";
constexpr char kSnapshottingSnapshot[] = "1b000000-0000-4000-8000-000000000106";
constexpr char kLogsBlockVolume[] = "2a000000-0000-4000-8000-000000000102";
constexpr char kPreMigrationBlockSnapshot[] = "2b000000-0000-4000-8000-000000000103";
constexpr char kInUseBlockSnapshot[] = "2b000000-0000-4000-8000-000000000106";
constexpr int kDemoInstanceSnapshotsParis = 6;
constexpr int kDemoBlockSnapshotsParis = 6;

const std::string kInstance = "/instance/v1/zones/fr-par-1";
const std::string kBlock = "/block/v1/zones/fr-par-1";

// Requests to the emulator through HttpClient, without retries.
class Wire {
 public:
  explicit Wire(const EmulatorProcess& emu, std::string ca_file = "")
      : base_(emu.base_url()), client_(options(ca_file.empty() ? emu.ca_file() : ca_file)) {}

  Result<HttpResponse> send(const std::string& method, const std::string& path,
                            const std::string& body = "", const std::string& token = kSecret) {
    HttpRequest request;
    request.method = method;
    request.url = base_ + path;
    request.idempotent = method != "POST";
    if (!token.empty()) request.headers.push_back({"X-Auth-Token", token});
    if (!body.empty()) {
      request.headers.push_back({"Content-Type", "application/json"});
      request.body = body;
    }
    return client_.send(std::move(request), OpContext(10s));
  }

  // The answer, or an empty response (status 0) after recording a failure.
  HttpResponse call(const std::string& method, const std::string& path,
                    const std::string& body = "", const std::string& token = kSecret) {
    Result<HttpResponse> r = send(method, path, body, token);
    EXPECT_TRUE(r.ok()) << method << " " << path << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : HttpResponse{};
  }

 private:
  static HttpOptions options(const std::string& ca_file) {
    HttpOptions o;
    o.ca_file = ca_file;
    o.retry.max_attempts = 1;
    return o;
  }

  std::string base_;
  HttpClient client_;
};

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << "not JSON: " << text;
  return doc;
}

std::string str(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject() || !v.HasMember(key) || !v[key].IsString())
    return "<missing " + std::string(key) + ">";
  return v[key].GetString();
}

// Polls `probe` until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& probe, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (probe()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return probe();
}

void expect_not_found(const HttpResponse& r, const std::string& resource, const std::string& id) {
  EXPECT_EQ(r.status, 404);
  rapidjson::Document body = parse(r.body);
  EXPECT_EQ(str(body, "type"), "not_found");
  EXPECT_EQ(str(body, "message"), "resource is not found");
  EXPECT_EQ(str(body, "resource"), resource);
  EXPECT_EQ(str(body, "resource_id"), id);
}

// Count of one (method, route, status) line of /_emulator/stats, 0 when absent.
long long stats_count(const std::string& stats, const std::string& method, const std::string& route,
                      int status) {
  rapidjson::Document doc = parse(stats);
  if (!doc.IsObject() || !doc.HasMember("requests")) return -1;
  for (const auto& line : doc["requests"].GetArray()) {
    if (str(line, "api") == "scaleway" && str(line, "method") == method &&
        str(line, "route") == route && line["status"].GetInt() == status) {
      return line["count"].GetInt64();
    }
  }
  return 0;
}

TEST(EmulatorCommandLine, VersionAndHelpExitZero) {
  CommandResult version = run_command(std::string(SNAPFS_EMULATOR_PATH) + " --version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("snapfs-emulator ", 0), 0u) << version.out;
  CommandResult help = run_command(std::string(SNAPFS_EMULATOR_PATH) + " --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--version"), std::string::npos) << help.out;
  CommandResult bad = run_command(std::string(SNAPFS_EMULATOR_PATH) + " --no-such-option");
  EXPECT_NE(bad.exit_code, 0);
}

// Connections the emulator has not accepted yet wait in the kernel's queue, up to the listen
// backlog; past it, handshakes are dropped and clients send them again a second later, a stall
// no real API adds. A mount opens many connections at once, so the queue must hold a burst:
// with the emulator stopped, accepting none, every one of 64 connections still completes.
TEST(EmulatorCommandLine, ABurstOfConnectionsWaitsToBeAcceptedInsteadOfBeingDropped) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  ASSERT_EQ(kill(emu.pid(), SIGSTOP), 0);
  struct Resume {
    pid_t pid;
    ~Resume() { kill(pid, SIGCONT); }
  } resume{emu.pid()};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(emu.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  constexpr int kBurst = 64;
  std::vector<pollfd> sockets;
  for (int i = 0; i < kBurst; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    int rc = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    ASSERT_TRUE(rc == 0 || errno == EINPROGRESS) << std::strerror(errno);
    sockets.push_back({fd, POLLOUT, 0});
  }
  // On loopback a queued handshake completes at once; a dropped one would wait a second for
  // its resend, and be dropped again while the emulator stays stopped.
  int connected = 0;
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (connected < kBurst && std::chrono::steady_clock::now() < deadline) {
    if (poll(sockets.data(), sockets.size(), 100) < 0) break;
    for (pollfd& p : sockets) {
      if (p.fd < 0 || (p.revents & (POLLOUT | POLLERR | POLLHUP)) == 0) continue;
      int error = 0;
      socklen_t len = sizeof error;
      getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &error, &len);
      EXPECT_EQ(error, 0) << std::strerror(error);
      if (error == 0) ++connected;
      close(p.fd);
      p.fd = -1;
    }
  }
  for (pollfd& p : sockets) {
    if (p.fd >= 0) close(p.fd);
  }
  EXPECT_EQ(connected, kBurst);
}

// tests/scaleway/emulator_state.json is a state file (every API) written by an earlier build of
// the emulator, its clock set ten years ahead so that nothing in it (a custom snapshot's
// expiration, Scaleway transitions) comes due while this test can run. Loaded and dumped again,
// it comes back byte for byte: the state file keeps its members, their order and their values.
TEST(EmulatorCommandLine, AStateFileOfAnEarlierBuildLoadsAndDumpsTheSame) {
  std::ifstream in(std::string(SNAPFS_SOURCE_DIR) + "/tests/scaleway/emulator_state.json");
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  std::string fixture = text.str();
  while (!fixture.empty() && fixture.back() == '\n') fixture.pop_back();
  TempDir dir;
  EmulatorProcess emu({"--state", dir.write_file("state.json", fixture)});
  ASSERT_TRUE(emu.ok());
  EXPECT_EQ(emu.state_json(), fixture);
}

TEST(EmulatorScaleway, UnknownOrMissingTokenIsDeniedWith401) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  Wire wire(emu);
  for (const std::string token : {"11111111-2222-4333-8444-555555555555", ""}) {
    HttpResponse r = wire.call("GET", kInstance + "/snapshots", "", token);
    EXPECT_EQ(r.status, 401) << "token '" << token << "'";
    EXPECT_EQ(r.header("content-type"), "application/json");
    rapidjson::Document body = parse(r.body);
    EXPECT_EQ(str(body, "message"), "authentication is denied");
    EXPECT_EQ(str(body, "method"), "api_key");
    EXPECT_EQ(str(body, "reason"), "not_found");
    EXPECT_EQ(str(body, "type"), "denied_authentication");
  }
  EXPECT_EQ(wire.call("GET", kInstance + "/snapshots").status, 200);
}

TEST(EmulatorScaleway, InstanceListsCarryTotalCountAndLinkHeaders) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  Wire wire(emu);

  HttpResponse first = wire.call("GET", kInstance + "/snapshots?per_page=4");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.header("x-total-count"), std::to_string(kDemoInstanceSnapshotsParis));
  EXPECT_EQ(first.header("link"),
            "</snapshots?page=2&per_page=4&>; rel=\"next\",</snapshots?page=2&per_page=4&>; "
            "rel=\"last\"");
  rapidjson::Document page1 = parse(first.body);
  ASSERT_TRUE(page1.HasMember("snapshots"));
  EXPECT_EQ(page1["snapshots"].Size(), 4u);
  EXPECT_FALSE(page1.HasMember("total_count"));

  HttpResponse second = wire.call("GET", kInstance + "/snapshots?page=2&per_page=4");
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.header("link"),
            "</snapshots?page=1&per_page=4&>; rel=\"first\",</snapshots?page=1&per_page=4&>; "
            "rel=\"previous\",</snapshots?page=2&per_page=4&>; rel=\"last\"");
  rapidjson::Document page2 = parse(second.body);
  EXPECT_EQ(page2["snapshots"].Size(), 2u);
  // The two pages share no snapshot.
  for (const auto& a : page1["snapshots"].GetArray()) {
    for (const auto& b : page2["snapshots"].GetArray()) EXPECT_NE(str(a, "id"), str(b, "id"));
  }

  // Filters stay in the links; the default per_page is 50.
  HttpResponse named = wire.call("GET", kInstance + "/snapshots?name=before-upgrade");
  EXPECT_EQ(named.header("x-total-count"), "2");
  EXPECT_EQ(named.header("link"),
            "</snapshots?page=1&per_page=50&name=before-upgrade>; rel=\"last\"");

  HttpResponse empty = wire.call("GET", kInstance + "/snapshots?name=no-such-snapshot");
  EXPECT_EQ(empty.header("x-total-count"), "0");
  EXPECT_EQ(parse(empty.body)["snapshots"].Size(), 0u);

  HttpResponse volumes = wire.call("GET", kInstance + "/volumes?per_page=1");
  EXPECT_EQ(volumes.header("x-total-count"), "3");
  EXPECT_EQ(parse(volumes.body)["volumes"].Size(), 1u);

  EXPECT_EQ(wire.call("GET", kInstance + "/snapshots?per_page=101").status, 400);
  EXPECT_EQ(wire.call("GET", kInstance + "/snapshots?per_page=0").status, 400);
}

TEST(EmulatorScaleway, BlockListsCarryTotalCountInTheBody) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  Wire wire(emu);

  HttpResponse r = wire.call("GET", kBlock + "/snapshots?page_size=4");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("x-total-count"), "");
  rapidjson::Document page1 = parse(r.body);
  EXPECT_EQ(page1["total_count"].GetInt(), kDemoBlockSnapshotsParis);
  EXPECT_EQ(page1["snapshots"].Size(), 4u);
  rapidjson::Document page2 =
      parse(wire.call("GET", kBlock + "/snapshots?page_size=4&page=2").body);
  EXPECT_EQ(page2["snapshots"].Size(), 2u);

  // Oldest first by default, newest first with created_at_desc.
  rapidjson::Document asc = parse(wire.call("GET", kBlock + "/snapshots").body);
  rapidjson::Document desc =
      parse(wire.call("GET", kBlock + "/snapshots?order_by=created_at_desc").body);
  ASSERT_EQ(asc["snapshots"].Size(), static_cast<unsigned>(kDemoBlockSnapshotsParis));
  EXPECT_EQ(str(asc["snapshots"][0], "id"), kPreMigrationBlockSnapshot);
  EXPECT_EQ(str(desc["snapshots"][kDemoBlockSnapshotsParis - 1], "id"), kPreMigrationBlockSnapshot);
  EXPECT_LT(str(asc["snapshots"][0], "created_at"), str(asc["snapshots"][1], "created_at"));

  rapidjson::Document logs = parse(
      wire.call("GET", kBlock + "/snapshots?volume_id=" + std::string(kLogsBlockVolume)).body);
  EXPECT_EQ(logs["total_count"].GetInt(), 3);
  for (const auto& s : logs["snapshots"].GetArray()) {
    EXPECT_EQ(str(s["parent_volume"], "id"), kLogsBlockVolume);
  }
  rapidjson::Document tagged =
      parse(wire.call("GET", kBlock + "/snapshots?tags=keep&tags=weekly").body);
  EXPECT_EQ(tagged["total_count"].GetInt(), 3);

  EXPECT_EQ(wire.call("GET", kBlock + "/snapshots?order_by=size_asc").status, 400);
  EXPECT_EQ(wire.call("GET", kBlock + "/snapshots?page_size=101").status, 400);
  EXPECT_EQ(wire.call("GET", "/block/v1alpha1/zones/fr-par-1/snapshots").status, 200);
}

TEST(EmulatorScaleway, InstanceCreateIsWrapped201AndBecomesAvailable) {
  EmulatorProcess emu({"--seed", "demo", "--async-ms", "400"});
  ASSERT_TRUE(emu.ok());
  Wire wire(emu);
  HttpResponse created =
      wire.call("POST", kInstance + "/snapshots",
                std::string(R"({"name":"before-deploy","volume_id":")") + kWebRootVolume +
                    R"(","project":")" + kProject + R"(","tags":["manual"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  rapidjson::Document body = parse(created.body);
  ASSERT_TRUE(body.HasMember("snapshot") && body.HasMember("task"));
  const rapidjson::Value& snap = body["snapshot"];
  const std::string id = str(snap, "id");
  EXPECT_EQ(str(snap, "name"), "before-deploy");
  EXPECT_EQ(str(snap, "state"), "snapshotting");
  EXPECT_EQ(str(snap["base_volume"], "id"), kWebRootVolume);
  EXPECT_EQ(str(snap["base_volume"], "name"), "web-01-root");
  EXPECT_EQ(snap["size"].GetInt64(), 20000000000);
  EXPECT_TRUE(snap["error_reason"].IsNull());
  EXPECT_TRUE(snap["error_details"].IsNull());
  EXPECT_NE(str(snap, "creation_date").find("+00:00"), std::string::npos);
  EXPECT_EQ(str(body["task"], "status"), "pending");

  rapidjson::Document volume =
      parse(wire.call("GET", kInstance + "/volumes/" + std::string(kWebRootVolume)).body);
  EXPECT_EQ(str(volume["volume"], "state"), "snapshotting");

  EXPECT_TRUE(eventually([&] {
    rapidjson::Document got = parse(wire.call("GET", kInstance + "/snapshots/" + id).body);
    return str(got["snapshot"], "state") == "available";
  }));
  volume = parse(wire.call("GET", kInstance + "/volumes/" + std::string(kWebRootVolume)).body);
  EXPECT_EQ(str(volume["volume"], "state"), "available");

  HttpResponse missing =
      wire.call("POST", kInstance + "/snapshots",
                R"({"name":"x","volume_id":"1a000000-0000-4000-8000-00000000ffff"})");
  expect_not_found(missing, "instance_volume", "1a000000-0000-4000-8000-00000000ffff");
}

TEST(EmulatorScaleway, BlockCreateIsBare200AndBecomesAvailable) {
  EmulatorProcess emu({"--seed", "demo", "--async-ms", "400"});
  ASSERT_TRUE(emu.ok());
  Wire wire(emu);
  HttpResponse created =
      wire.call("POST", kBlock + "/snapshots",
                std::string(R"({"volume_id":")") + kLogsBlockVolume + R"(","name":"logs-now"})");
  ASSERT_EQ(created.status, 200) << created.body;
  rapidjson::Document snap = parse(created.body);
  EXPECT_EQ(str(snap, "status"), "creating");
  EXPECT_EQ(str(snap["parent_volume"], "id"), kLogsBlockVolume);
  EXPECT_EQ(str(snap, "created_at").back(), 'Z');
  const std::string id = str(snap, "id");
  EXPECT_TRUE(eventually([&] {
    return str(parse(wire.call("GET", kBlock + "/snapshots/" + id).body), "status") == "available";
  }));
  // Block names must not be empty.
  EXPECT_EQ(wire.call("POST", kBlock + "/snapshots",
                      std::string(R"({"volume_id":")") + kLogsBlockVolume + R"(","name":""})")
                .status,
            400);
}

TEST(EmulatorScaleway, DeleteIs204ThenGetIs404) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  Wire wire(emu);
  const std::string instance_path = kInstance + "/snapshots/" + kWebRootSnapshot;
  HttpResponse deleted = wire.call("DELETE", instance_path);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(deleted.body, "");
  EXPECT_EQ(deleted.header("content-type"), "application/json");
  expect_not_found(wire.call("GET", instance_path), "instance_snapshot", kWebRootSnapshot);
  expect_not_found(wire.call("DELETE", instance_path), "instance_snapshot", kWebRootSnapshot);
  // Still in progress: refused.
  EXPECT_EQ(wire.call("DELETE", kInstance + "/snapshots/" + kSnapshottingSnapshot).status, 400);

  const std::string block_path = kBlock + "/snapshots/" + kPreMigrationBlockSnapshot;
  EXPECT_EQ(wire.call("DELETE", block_path).status, 204);
  HttpResponse gone = wire.call("GET", block_path);
  EXPECT_EQ(gone.status, 404);
  rapidjson::Document body = parse(gone.body);
  EXPECT_EQ(str(body, "resource"), "snapshot");
  EXPECT_EQ(str(body, "type"), "not_found");
  EXPECT_EQ(str(body, "resource_id"), kPreMigrationBlockSnapshot);

  HttpResponse in_use = wire.call("DELETE", kBlock + "/snapshots/" + kInUseBlockSnapshot);
  EXPECT_EQ(in_use.status, 412);
  EXPECT_EQ(str(parse(in_use.body), "precondition"), "resource_still_in_use");
}

TEST(EmulatorScaleway, PatchRenamesAndRetags) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  Wire wire(emu);
  const std::string path = kInstance + "/snapshots/" + kWebRootSnapshot;
  std::string before = str(parse(wire.call("GET", path).body)["snapshot"], "modification_date");
  HttpResponse patched = wire.call("PATCH", path, R"({"name":"renamed/one","tags":["a","b"]})");
  ASSERT_EQ(patched.status, 200);
  rapidjson::Document got = parse(wire.call("GET", path).body);
  EXPECT_EQ(str(got["snapshot"], "name"), "renamed/one");
  ASSERT_EQ(got["snapshot"]["tags"].Size(), 2u);
  EXPECT_EQ(std::string(got["snapshot"]["tags"][1].GetString()), "b");
  EXPECT_GT(str(got["snapshot"], "modification_date"), before);

  const std::string block_path = kBlock + "/snapshots/" + kPreMigrationBlockSnapshot;
  ASSERT_EQ(wire.call("PATCH", block_path, R"({"name":"migrated"})").status, 200);
  EXPECT_EQ(str(parse(wire.call("GET", block_path).body), "name"), "migrated");

  EXPECT_EQ(wire.call("PATCH", path, "{not json").status, 400);
  EXPECT_EQ(wire.call("PATCH", path, R"({"name":42})").status, 400);
}

TEST(EmulatorScaleway, RateLimitFaultIsEmptyWithEnvoyHeader) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  Wire wire(emu);
  emu.set_faults({"status=429,count=1,route=/block/*"});
  HttpResponse limited = wire.call("GET", kBlock + "/snapshots");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body, "");
  EXPECT_EQ(limited.header("content-type"), "");
  EXPECT_EQ(limited.header("x-envoy-ratelimited"), "true");
  EXPECT_EQ(limited.header("retry-after"), "");
  EXPECT_EQ(wire.call("GET", kBlock + "/snapshots").status, 200);  // count=1 is used up

  emu.set_faults({"status=503,retry-after=2,route=/instance/*"});
  HttpResponse unavailable = wire.call("GET", kInstance + "/snapshots");
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(unavailable.header("retry-after"), "2");
  EXPECT_EQ(wire.call("GET", kBlock + "/snapshots").status, 200);  // other routes untouched
  emu.clear_faults();
  EXPECT_EQ(wire.call("GET", kInstance + "/snapshots").status, 200);
}

TEST(EmulatorScaleway, ResetFaultAppliesTheCreateBeforeDropping) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  Wire wire(emu);
  emu.reset_stats();
  emu.set_faults({"reset,count=1,method=POST"});
  Result<HttpResponse> r = wire.send(
      "POST", kBlock + "/snapshots",
      std::string(R"({"volume_id":")") + kLogsBlockVolume + R"(","name":"made-despite-reset"})");
  EXPECT_FALSE(r.ok()) << "status " << (r.ok() ? r->status : 0);
  EXPECT_NE(emu.state_json().find("made-despite-reset"), std::string::npos);
  rapidjson::Document listed =
      parse(wire.call("GET", kBlock + "/snapshots?name=made-despite-reset").body);
  EXPECT_EQ(listed["total_count"].GetInt(), 1);
  EXPECT_EQ(stats_count(emu.stats_json(), "POST", "/block/v1/zones/{zone}/snapshots", 0), 1);
}

TEST(EmulatorScaleway, StatsCountRouteTemplates) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  Wire wire(emu);
  wire.call("GET", kInstance + "/snapshots");
  emu.reset_stats();
  EXPECT_EQ(emu.total_requests(), 0);
  wire.call("GET", kInstance + "/snapshots");
  wire.call("GET", "/instance/v1/zones/nl-ams-1/snapshots?page=2");
  wire.call("GET", kInstance + "/snapshots/1b000000-0000-4000-8000-00000000ffff");
  wire.call("GET", "/instance/v1/zones/fr-par-1/no-such-thing");
  std::string stats = emu.stats_json();
  EXPECT_EQ(stats_count(stats, "GET", "/instance/v1/zones/{zone}/snapshots", 200), 2);
  EXPECT_EQ(stats_count(stats, "GET", "/instance/v1/zones/{zone}/snapshots/{snapshot_id}", 404), 1);
  EXPECT_EQ(stats_count(stats, "GET", "unmatched", 404), 1);
  EXPECT_EQ(emu.total_requests(), 4);  // control routes are not counted
}

TEST(EmulatorScaleway, StateFileSurvivesRestart) {
  TempDir dir;
  const std::string state = dir.path() + "/state.json";
  EmulatorProcess emu({"--seed", "demo", "--state", state});
  ASSERT_TRUE(emu.ok());
  std::string created_id;
  {
    Wire wire(emu);
    HttpResponse created = wire.call(
        "POST", kBlock + "/snapshots",
        std::string(R"({"volume_id":")") + kLogsBlockVolume + R"(","name":"kept-on-disk"})");
    ASSERT_EQ(created.status, 200);
    created_id = str(parse(created.body), "id");
    ASSERT_EQ(wire.call("PATCH", kInstance + "/snapshots/" + kWebRootSnapshot,
                        R"({"name":"renamed-before-restart"})")
                  .status,
              200);
    ASSERT_EQ(wire.call("DELETE", kBlock + "/snapshots/" + kPreMigrationBlockSnapshot).status, 204);
  }
  const int port = emu.port();
  emu.restart();
  ASSERT_TRUE(emu.ok());
  EXPECT_EQ(emu.port(), port);
  Wire wire(emu);
  EXPECT_EQ(str(parse(wire.call("GET", kBlock + "/snapshots/" + created_id).body), "name"),
            "kept-on-disk");
  EXPECT_EQ(
      str(parse(wire.call("GET", kInstance + "/snapshots/" + kWebRootSnapshot).body)["snapshot"],
          "name"),
      "renamed-before-restart");
  EXPECT_EQ(wire.call("GET", kBlock + "/snapshots/" + kPreMigrationBlockSnapshot).status, 404);
}

TEST(EmulatorScaleway, SyntheticSeedHasTheRequestedCounts) {
  EmulatorProcess emu({"--seed", "synthetic:services=2,volumes=3,snapshots=4,big=25"});
  ASSERT_TRUE(emu.ok());
  Wire wire(emu);
  auto total = [&](const std::string& path) {
    return wire.call("GET", path).header("x-total-count");
  };
  EXPECT_EQ(total("/instance/v1/zones/fr-par-1/volumes"), "4");  // 3 + big
  EXPECT_EQ(total("/instance/v1/zones/fr-par-2/volumes"), "3");
  EXPECT_EQ(total("/instance/v1/zones/fr-par-3/volumes"), "0");
  EXPECT_EQ(total("/instance/v1/zones/fr-par-1/snapshots"), "37");  // 3 * 4 + 25
  EXPECT_EQ(total("/instance/v1/zones/fr-par-2/snapshots"), "12");

  rapidjson::Document big =
      parse(wire.call("GET", "/instance/v1/zones/fr-par-1/volumes?name=big").body);
  ASSERT_EQ(big["volumes"].Size(), 1u);
  EXPECT_EQ(
      total("/instance/v1/zones/fr-par-1/snapshots?base_volume_id=" + str(big["volumes"][0], "id")),
      "25");

  rapidjson::Document block = parse(wire.call("GET", "/block/v1/zones/fr-par-1/snapshots").body);
  EXPECT_EQ(block["total_count"].GetInt(), 37);
  rapidjson::Document block_big =
      parse(wire.call("GET", "/block/v1/zones/fr-par-1/volumes?name=big").body);
  ASSERT_EQ(block_big["volumes"].Size(), 1u);
  rapidjson::Document big_snaps =
      parse(wire.call("GET", "/block/v1/zones/fr-par-1/snapshots?page_size=10&volume_id=" +
                                 str(block_big["volumes"][0], "id"))
                .body);
  EXPECT_EQ(big_snaps["total_count"].GetInt(), 25);
  EXPECT_EQ(big_snaps["snapshots"].Size(), 10u);
}

TEST(EmulatorScaleway, ServesHttpsWithTheGeneratedCertificate) {
  EmulatorProcess emu({"--seed", "demo"}, /*tls=*/true);
  ASSERT_TRUE(emu.ok());
  EXPECT_EQ(emu.base_url(), "https://127.0.0.1:" + std::to_string(emu.port()));
  Wire wire(emu);
  HttpResponse r = wire.call("GET", kInstance + "/snapshots");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("x-total-count"), std::to_string(kDemoInstanceSnapshotsParis));
  std::string stats;
  EXPECT_EQ(emu.get("/_emulator/stats", &stats), 200);
  EXPECT_EQ(stats_count(stats, "GET", "/instance/v1/zones/{zone}/snapshots", 200), 1);

  // Without the certificate's CA the handshake must fail: this is real TLS.
  TempDir dir;
  std::string other_ca, other_key;
  ASSERT_TRUE(make_self_signed_cert(dir.path(), &other_ca, &other_key));
  Wire untrusting(emu, other_ca);
  EXPECT_FALSE(untrusting.send("GET", kInstance + "/snapshots").ok());
}

TEST(EmulatorScaleway, UnknownZoneAndMalformedBodiesGetJsonErrors) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  Wire wire(emu);
  HttpResponse zone = wire.call("GET", "/instance/v1/zones/xx-nowhere-1/snapshots");
  EXPECT_EQ(zone.status, 404);
  EXPECT_FALSE(str(parse(zone.body), "message").empty());
  // it-mil-1 has Instance but no Block.
  EXPECT_EQ(wire.call("GET", "/instance/v1/zones/it-mil-1/snapshots").status, 200);
  EXPECT_EQ(wire.call("GET", "/block/v1/zones/it-mil-1/snapshots").status, 404);

  for (const std::string body : {"{", "[]", R"({"volume_id": 7})", R"({"tags": "x"})"}) {
    HttpResponse r = wire.call("POST", kInstance + "/snapshots", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(str(parse(r.body), "type"), "invalid_arguments") << body;
  }
}

// Sends `request` as is on a new connection and returns the answer's status line, headers and
// as much body as Content-Length announces ("" when no answer came within 20 s).
std::string raw_exchange(const EmulatorProcess& emu, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  timeval timeout{20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(emu.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 &&
      send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    // The connection stays open (keep-alive), as a client's would while it waits.
    char buf[4096];
    for (;;) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      answer.append(buf, static_cast<std::size_t>(n));
      std::size_t end = answer.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      std::size_t length = 0;
      std::size_t at = answer.find("Content-Length: ");
      if (at != std::string::npos && at < end) length = std::stoul(answer.substr(at + 16));
      if (answer.size() >= end + 4 + length) break;
    }
  }
  close(fd);
  return answer;
}

// A POST with no body at all (no Content-Length, as NAVER's query-string calls are sent) is a
// request with an empty body, answered by the API module, not an empty 400 from the server.
TEST(EmulatorScaleway, APostWithoutContentLengthIsServedWithAnEmptyBody) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  std::string control =
      raw_exchange(emu, "POST /_emulator/reset-stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(control.rfind("HTTP/1.1 200", 0), 0u) << control;
  std::string api = raw_exchange(emu, "POST " + kInstance +
                                          "/snapshots HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                          "X-Auth-Token: " +
                                          std::string(kSecret) + "\r\n\r\n");
  EXPECT_EQ(api.rfind("HTTP/1.1 400", 0), 0u) << api;
  // The module's own answer: the create lacks its volume_id.
  EXPECT_NE(api.find("invalid_arguments"), std::string::npos) << api;
  EXPECT_EQ(stats_count(emu.stats_json(), "POST", "/instance/v1/zones/{zone}/snapshots", 400), 1);
}

}  // namespace
}  // namespace snapfs::test
