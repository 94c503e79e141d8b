// snapfs-bench: figure 9, the official clients on the same data (bench/README.md).
#include "bench/bench_rig.h"

namespace snapfs::bench {
namespace {

// ---------------------------------------------------------------------------------------------
// Figure 9: the official clients (@scaleway/sdk, @ovhcloud/node-ovh) listing every snapshot
// with its date on the same data, as a user's script would, against snapfs's cold crawl.

struct PeerRun {
  bool ok = false;
  std::string error;
  double seconds = 0;  // the script's own time, from its first call to its last answer
  double process_s = 0;
  double snapshots = 0, dated = 0, calls = 0;
};

// Installs the locked packages under the build tree once (npm ci); empty when ready.
std::string prepare_peers() {
  if (run_command("command -v node && command -v npm").exit_code != 0) {
    return "node and npm are not installed (scripts/install-deps.sh installs them)";
  }
  namespace fs = std::filesystem;
  const fs::path source = fs::path(SNAPFS_SOURCE_DIR) / "bench" / "peers";
  const fs::path dir = SNAPFS_BENCH_PEERS_DIR;
  std::error_code ec;
  fs::create_directories(dir, ec);
  for (const char* file : {"package.json", "package-lock.json", "list_snapshots.mjs"}) {
    fs::copy_file(source / file, dir / file, fs::copy_options::overwrite_existing, ec);
    if (ec) return std::string("cannot copy bench/peers/") + file + ": " + ec.message();
  }
  const std::string lock = read_text_file((dir / "package-lock.json").string());
  const fs::path stamp = dir / "node_modules" / ".snapfs-bench-lock";
  if (read_text_file(stamp.string()) == lock) return "";
  std::fprintf(stderr, "snapfs-bench: installing the official clients (npm ci in %s)\n",
               dir.c_str());
  CommandResult install = run_command(
      "cd " + shell_quote(dir.string()) + " && npm ci --no-audit --no-fund --loglevel=error",
      std::chrono::minutes(10));
  if (install.exit_code != 0) return "npm ci failed: " + first_line(install.err);
  std::ofstream(stamp) << lock;
  return "";
}

PeerRun run_peer(const EmulatorProcess& emulator, int concurrency, const std::string& apis,
                 const DataShape& shape) {
  PeerRun r;
  std::string zones;
  for (int i = 0; i < shape.services; ++i) zones += (i ? "," : "") + scaleway_zone(i);
  const Clock::time_point start = Clock::now();
  CommandResult run =
      run_command("cd " + shell_quote(SNAPFS_BENCH_PEERS_DIR) +
                      " && NODE_EXTRA_CA_CERTS=" + shell_quote(emulator.ca_file()) +
                      " node list_snapshots.mjs " + shell_quote(emulator.base_url()) + " " +
                      std::to_string(concurrency) + " " + apis + " " + zones,
                  std::chrono::minutes(15));
  r.process_s = seconds_since(start);
  rapidjson::Document doc;
  const std::string out = first_line(run.out);
  doc.Parse(out.c_str());
  if (run.exit_code != 0 || doc.HasParseError() || !doc.IsObject() || !doc.HasMember("seconds")) {
    r.error = "the script failed (" + std::to_string(run.exit_code) + "): " + first_line(run.err);
    return r;
  }
  r.ok = true;
  r.seconds = doc["seconds"].GetDouble();
  r.snapshots = doc["snapshots"].GetDouble();
  r.dated = doc["dated"].GetDouble();
  r.calls = doc["calls"].GetDouble();
  return r;
}

}  // namespace

// `ids`: the figure ids of the sequential and the concurrent run; `apis`: what the script lists
// (instance, block, nasha, netapp), `api_count` of them; `snapfs_s`: snapfs's cold crawl of the
// same data (0 when it failed).
void peer_figures(const Options& o, Report* report, const std::string& tree,
                  const std::pair<std::string, std::string>& ids, const DataShape& shape,
                  const std::string& apis, int api_count, double snapfs_s,
                  const std::string& note) {
  const std::vector<std::pair<int, std::string>> runs = {{1, ids.first},
                                                         {o.peer_concurrency, ids.second}};
  const std::string target = "snapfs cold; ratio >= 10";
  auto name = [&](int c) {
    return tree + ", clients " +
           (c == 1 ? std::string("1 call at a time") : std::to_string(c) + " calls at a time");
  };
  auto fail_all = [&](const std::string& why) {
    for (const auto& [c, id] : runs) report->add(error_figure(id, name(c), "s", target, why));
  };
  if (std::string why = prepare_peers(); !why.empty()) return fail_all(why);
  EmulatorProcess emulator({"--seed", shape.seed(), "--latency-ms", std::to_string(o.latency_ms)},
                           /*tls=*/true);
  if (!emulator.ok()) return fail_all("snapfs-emulator did not start");
  const double expected = static_cast<double>(shape.snapshots_per_remote()) * api_count;
  for (const auto& [c, id] : runs) {
    emulator.reset_stats();
    PeerRun r = run_peer(emulator, c, apis, shape);
    if (!r.ok) {
      report->add(error_figure(id, name(c), "s", target, r.error));
      continue;
    }
    const long long requests = emulator.total_requests();
    Figure& f = report->add(
        make_figure(id, name(c), r.seconds, "s",
                    snapfs_s > 0 ? std::optional<double>(snapfs_s) : std::nullopt, target));
    if (snapfs_s > 0) f.ratio = r.seconds / snapfs_s;
    f.verdict = r.snapshots != expected || snapfs_s <= 0 ? Verdict::kError
                : *f.ratio >= 10                         ? Verdict::kPass
                                                         : Verdict::kMiss;
    f.raw = {{"concurrency", c},
             {"snapshots_listed", r.snapshots},
             {"snapshots_expected", expected},
             {"snapshots_with_a_date", r.dated},
             {"calls", r.calls},
             {"api_requests", static_cast<double>(requests)},
             {"process_wall_s", r.process_s},
             {"snapfs_cold_crawl_s", snapfs_s}};
    if (snapfs_s <= 0) {
      f.note = "snapfs's cold crawl of this tree was not measured";
    } else if (r.snapshots != expected) {
      f.note = "listed " + std::to_string(static_cast<long long>(r.snapshots)) +
               " snapshots, the data set has " + std::to_string(static_cast<long long>(expected));
    } else if (c == 1) {
      f.note = note;
    }
  }
}

}  // namespace snapfs::bench
