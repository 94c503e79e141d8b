// File managers browsing a mount the way people use them: Midnight Commander driven through tmux
// (enter directories, F7 creates a snapshot, F8 deletes it) and PCManFM under Xvfb (Ctrl+H shows
// the hidden .snapshots directory, which it then opens), with a screenshot kept as a test
// artifact. Neither may show an error dialog, and the emulator's counters must show no probe
// storm: file managers look up many names that do not exist (.hidden, .directory, desktop.ini,
// autorun.inf ...), which snapfs must answer from its cached listings.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <regex>

#include "tests/ecosystem/ecosystem_support.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"

namespace snapfs::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Generous bounds for a loaded 2-core machine; every wait is a poll that ends as soon as it can.
constexpr seconds kUiTimeout{30};
constexpr seconds kCommandTimeout{20};

// Words of the error and warning dialogs of both file managers ("Error", "Cannot create target
// directory", "Warning" ...); none of them is part of a demo name.
const std::regex kErrorWords(R"(error|cannot|warning|failed|problem|unable)", std::regex::icase);

// A terminal program on a private tmux server, read with capture-pane and typed into with
// send-keys.
class TmuxSession {
 public:
  TmuxSession(const std::string& dir, const std::string& command, int columns, int rows)
      : socket_(dir + "/tmux.sock") {
    CommandResult r =
        run_command(tmux() + " -f /dev/null new-session -d -x " + std::to_string(columns) + " -y " +
                        std::to_string(rows) + " " + shell_quote(command),
                    kCommandTimeout);
    if (r.exit_code != 0) ADD_FAILURE() << "tmux new-session failed: " << r.out << r.err;
    std::string pid = run_command(tmux() + " display-message -p '#{pane_pid}'").out;
    if (std::regex_match(pid, std::regex(R"(\d+\n)"))) pane_pid_ = std::stoi(pid);
  }
  // Ends the program too, and waits for it: it may be working in the mount.
  ~TmuxSession() {
    run_command(tmux() + " kill-server", kCommandTimeout);
    if (pane_pid_ > 0) poll_until([&] { return process_gone(pane_pid_); }, kCommandTimeout);
  }
  TmuxSession(const TmuxSession&) = delete;
  TmuxSession& operator=(const TmuxSession&) = delete;

  std::string screen() const {
    return run_command(tmux() + " capture-pane -p", kCommandTimeout).out;
  }
  // Key names as tmux spells them ("C-s", "F7", "Enter"), one argument each.
  void keys(const std::string& names) const {
    run_command(tmux() + " send-keys " + names, kCommandTimeout);
  }
  void type(const std::string& text) const {
    run_command(tmux() + " send-keys -l " + shell_quote(text), kCommandTimeout);
  }
  // Polls the screen until `wanted` holds for it; *last gets the last screen seen.
  bool wait_for(const std::function<bool(const std::string&)>& wanted, std::string* last) const {
    return poll_until(
        [&] {
          *last = screen();
          return wanted(*last);
        },
        kUiTimeout, milliseconds(150));
  }

 private:
  std::string tmux() const { return "tmux -S " + shell_quote(socket_); }
  std::string socket_;
  pid_t pane_pid_ = -1;
};

// A directory entry as Midnight Commander's panel shows it: "/name" followed by padding.
bool shows_entry(const std::string& screen, const std::string& name) {
  return screen.find("/" + name + " ") != std::string::npos;
}

std::string error_word(const std::string& screen) {
  std::smatch m;
  return std::regex_search(screen, m, kErrorWords) ? m.str() : "";
}

// An X server of its own (Xvfb picks a free display number and prints it).
class VirtualDisplay {
 public:
  explicit VirtualDisplay(const std::string& log_path) {
    process_ = std::make_unique<Subprocess>(
        std::vector<std::string>{"Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24",
                                 "-nolisten", "tcp", "-noreset"},
        std::vector<std::string>{}, log_path);
    std::string line;
    if (process_->read_line(&line, kUiTimeout) && std::regex_match(line, std::regex(R"(\d+)"))) {
      display_ = ":" + line;
    } else {
      ADD_FAILURE() << "Xvfb did not start: " << read_file_text(log_path);
    }
  }
  bool ok() const { return !display_.empty(); }
  const std::string& display() const { return display_; }
  // Runs an X client command on this display.
  CommandResult run(const std::string& command) const {
    return run_command("DISPLAY=" + display_ + " " + command, kCommandTimeout);
  }

 private:
  std::unique_ptr<Subprocess> process_;
  std::string display_;
};

std::string percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

class FileManagerTest : public ::testing::Test {
 protected:
  void StartEmulatorAndMount() {
    emulator_ = std::make_unique<EmulatorProcess>(std::vector<std::string>{"--seed", "demo"});
    ASSERT_TRUE(emulator_->ok());
    target_ = instance_volume_with_snapshot(*emulator_);
    ASSERT_FALSE(target_.volume.empty()) << "the demo data set has no plain fr-par-1 volume";
    // A cache longer than the test, so that no refresh of an expired listing adds to the counts
    // on a slow machine; everything else as a user mounts it.
    mount_ = std::make_unique<SnapfsMount>(demo_config(emulator_->base_url()),
                                           std::vector<std::string>{"cache_ttl=300"});
    ASSERT_TRUE(mount_->ok()) << mount_->log();
    home_ = dir_.path() + "/home";
    ASSERT_EQ(run_command("mkdir -p " + shell_quote(home_ + "/.config")).exit_code, 0);
  }

  std::string VolumePath() const { return mount_->path() + "/scw/fr-par-1/" + target_.volume; }

  // Directories a browse of the tree may list: remotes, services and volumes.
  int DirectoriesDownToVolumes() const {
    CommandResult r = mount_->sh("find . -mindepth 1 -maxdepth 3 -type d | wc -l");
    return r.exit_code == 0 ? std::stoi(r.out) : -1;
  }

  TempDir dir_;
  std::string home_;
  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<SnapfsMount> mount_;
  VolumeWithSnapshot target_;
};

TEST_F(FileManagerTest, MidnightCommanderCreatesAndDeletesASnapshotWithF7AndF8) {
  SNAPFS_REQUIRE_FUSE();
  SNAPFS_REQUIRE_COMMANDS({"mc", "tmux"});
  ASSERT_NO_FATAL_FAILURE(StartEmulatorAndMount());
  // No hint line (its rotating tips could hold any word); hidden files keep mc's default.
  ASSERT_EQ(
      run_command("mkdir -p " + shell_quote(home_ + "/.config/mc") + " && printf '%s\\n' " +
                  "'[Midnight-Commander]' confirm_exit=false auto_save_setup=false " +
                  "'[Layout]' message_visible=false > " + shell_quote(home_ + "/.config/mc/ini"))
          .exit_code,
      0);
  std::string other = dir_.path() + "/other-panel";  // an empty right panel: names seen are ours
  ASSERT_EQ(mkdir(other.c_str(), 0755), 0);

  emulator_->reset_stats();
  TmuxSession mc(dir_.path(),
                 "exec env HOME=" + shell_quote(home_) + " TERM=xterm LANG=C.UTF-8 " +
                     "mc --nosubshell --nocolor " + shell_quote(mount_->path()) + " " +
                     shell_quote(other),
                 120, 40);
  std::string screen;
  ASSERT_TRUE(mc.wait_for([](const std::string& s) { return shows_entry(s, "scw"); }, &screen))
      << screen;

  // Enter each directory with mc's quick search (C-s NAME Enter), as a keyboard user does; each
  // step waits for the next level's entry. `.snapshots` shows with mc's default settings.
  const std::vector<std::pair<std::string, std::string>> steps = {{"scw", "fr-par-1"},
                                                                  {"fr-par-1", target_.volume},
                                                                  {target_.volume, ".snapshots"},
                                                                  {".snapshots", target_.snapshot}};
  for (const auto& [enter, expect] : steps) {
    mc.keys("C-s");
    mc.type(enter);
    mc.keys("Enter");
    ASSERT_TRUE(mc.wait_for([&](const std::string& s) { return shows_entry(s, expect); }, &screen))
        << "after entering " << enter << ", no " << expect << " on the screen:\n"
        << screen;
    EXPECT_EQ(error_word(screen), "") << screen;
  }
  save_artifact("filemanager-mc-snapshots.txt", screen);
  RequestCounts browse = settled_request_counts(*emulator_, seconds(1), seconds(15));
  int directories = DirectoriesDownToVolumes();
  ASSERT_GT(directories, 0);
  std::fprintf(stderr, "mc browse: %lld requests (%d directories down to volumes): %s\n",
               browse.total, directories, browse.json.c_str());
  // Each remote, service and volume directory is listed at most once (prefetch included), plus
  // one authentication-side request (OVH clock) per remote; one request per probed name would
  // be several times more.
  // Enterprise File Storage also reads each share's accessPath list once (its NFS export).
  EXPECT_EQ(browse.total, browse.by_method["GET"]) << browse.json;
  EXPECT_LE(browse.total -
                browse.by_route["GET /1.0/storage/netapp/{serviceName}/share/{shareId}/accessPath"],
            directories + 5)
      << browse.json;

  // F7 in .snapshots: mc's "Create a new Directory" dialog; the line may hold the name under the
  // cursor, so it is cleared first.
  settled_request_counts(*emulator_, seconds(1), seconds(15));  // the find above has settled
  emulator_->reset_stats();
  const std::string name = "mc-f7-snapshot";
  mc.keys("F7");
  ASSERT_TRUE(mc.wait_for(
      [](const std::string& s) { return s.find("Create a new Directory") != std::string::npos; },
      &screen))
      << screen;
  mc.keys("Home C-k");
  mc.type(name);
  mc.keys("Enter");
  ASSERT_TRUE(
      poll_until([&] { return instance_snapshot_state(*emulator_, name).has_value(); }, kUiTimeout))
      << "no snapshot " << name << " in the emulator; screen:\n"
      << mc.screen() << "\nsnapfs log:\n"
      << mount_->log();
  ASSERT_TRUE(mc.wait_for([&](const std::string& s) { return shows_entry(s, name); }, &screen))
      << screen;
  EXPECT_EQ(error_word(screen), "") << screen;
  save_artifact("filemanager-mc-after-f7.txt", screen);

  // F8 on it once the provider has finished creating it (a snapshot still being created is
  // busy, and mc would rightly show that error).
  ASSERT_TRUE(poll_until(
      [&] { return instance_snapshot_state(*emulator_, name).value_or("") == "available"; },
      kUiTimeout));
  mc.keys("C-s");
  mc.type(name);
  mc.keys("F8");
  ASSERT_TRUE(mc.wait_for(
      [&](const std::string& s) {
        return s.find("Delete directory") != std::string::npos &&
               s.find("\"" + name + "\"") != std::string::npos;
      },
      &screen))
      << screen;
  mc.keys("y");
  ASSERT_TRUE(poll_until([&] { return !instance_snapshot_state(*emulator_, name).has_value(); },
                         kUiTimeout))
      << "snapshot " << name << " still in the emulator; screen:\n"
      << mc.screen() << "\nsnapfs log:\n"
      << mount_->log();
  ASSERT_TRUE(mc.wait_for(
      [&](const std::string& s) {
        return !shows_entry(s, name) && shows_entry(s, target_.snapshot);
      },
      &screen))
      << screen;
  EXPECT_EQ(error_word(screen), "") << screen;
  save_artifact("filemanager-mc-after-f8.txt", screen);

  // mc re-reads the directory and stats every entry after each change: all of that is answered
  // from the cache. One create, one delete, and at most two listings (the state check of the
  // delete re-lists a snapshot it last saw in progress; one more for a background refresh).
  RequestCounts edit = settled_request_counts(*emulator_, seconds(1), seconds(15));
  std::fprintf(stderr, "mc F7 + F8: %lld requests: %s\n", edit.total, edit.json.c_str());
  EXPECT_EQ(edit.by_method["POST"], 1) << edit.json;
  EXPECT_EQ(edit.by_method["DELETE"], 1) << edit.json;
  EXPECT_LE(edit.by_method["GET"], 2) << edit.json;
  EXPECT_EQ(edit.total, edit.by_api["scaleway"]) << edit.json;
}

TEST_F(FileManagerTest, PcmanfmShowsHiddenSnapshotsWithCtrlHAndOpensThem) {
  SNAPFS_REQUIRE_FUSE();
  SNAPFS_REQUIRE_COMMANDS({"Xvfb", "pcmanfm", "xdotool", "xclip", "import"});
  ASSERT_NO_FATAL_FAILURE(StartEmulatorAndMount());
  VirtualDisplay x(dir_.path() + "/xvfb.log");
  ASSERT_TRUE(x.ok());
  // The detailed list view shows whole names in the screenshot; hidden files keep the default.
  ASSERT_EQ(
      run_command("mkdir -p " + shell_quote(home_ + "/.config/pcmanfm/default") +
                  " && printf '%s\\n' '[ui]' win_width=1000 win_height=600 view_mode=list > " +
                  shell_quote(home_ + "/.config/pcmanfm/default/pcmanfm.conf"))
          .exit_code,
      0);
  std::string runtime = dir_.path() + "/run";
  ASSERT_EQ(mkdir(runtime.c_str(), 0700), 0);

  emulator_->reset_stats();
  const std::string volume = VolumePath();
  const std::string snapshots = volume + "/.snapshots";
  Subprocess pcmanfm(
      {"pcmanfm", volume},
      {"DISPLAY=" + x.display(), "HOME=" + home_, "XDG_CONFIG_HOME=" + home_ + "/.config",
       "XDG_CACHE_HOME=" + home_ + "/.cache", "XDG_DATA_HOME=" + home_ + "/.local/share",
       "XDG_RUNTIME_DIR=" + runtime, "DBUS_SESSION_BUS_ADDRESS=disabled:", "NO_AT_BRIDGE=1",
       "LANG=C.UTF-8"},
      dir_.path() + "/pcmanfm.log");
  auto log = [&] { return read_file_text(dir_.path() + "/pcmanfm.log"); };

  // The main window appears titled with the folder's name.
  std::string window;
  ASSERT_TRUE(poll_until(
      [&] {
        std::vector<std::string> ids =
            split_lines(x.run("xdotool search --onlyvisible --class pcmanfm").out);
        if (ids.size() != 1) return false;
        window = ids[0];
        return split_lines(x.run("xdotool getwindowname " + window).out) ==
               std::vector<std::string>{target_.volume};
      },
      kUiTimeout))
      << "no PCManFM window for " << volume << "; its log:\n"
      << log();

  // Select all + copy puts the view's entries on the clipboard as file URIs: the listing as the
  // window holds it. Accepted once two reads agree and every entry is inside `folder`.
  auto listed_names = [&](const std::string& folder, std::vector<std::string>* names) {
    std::vector<std::string> previous;
    return poll_until(
        [&] {
          x.run("xdotool windowfocus --sync " + window + " key --clearmodifiers ctrl+a ctrl+c");
          CommandResult clip = x.run("xclip -o -selection clipboard -t text/uri-list");
          std::vector<std::string> current;
          for (std::string line : split_lines(clip.out)) {
            // Lines end in CRLF (RFC 2483), the list in a NUL.
            while (!line.empty() && (line.back() == '\r' || line.back() == '\0')) line.pop_back();
            if (line.empty()) continue;
            std::string path = percent_decode(line.rfind("file://", 0) == 0 ? line.substr(7) : "");
            if (path.rfind(folder + "/", 0) != 0) return false;
            current.push_back(path.substr(folder.size() + 1));
          }
          std::sort(current.begin(), current.end());
          bool stable = !current.empty() && current == previous;
          previous = current;
          *names = current;
          return stable;
        },
        kUiTimeout, milliseconds(300));
  };

  // Ctrl+H (as the README says) shows the volume's one entry, .snapshots.
  x.run("xdotool windowfocus --sync " + window + " key --clearmodifiers ctrl+h");
  std::vector<std::string> names;
  ASSERT_TRUE(listed_names(volume, &names)) << "after Ctrl+H the view shows no .snapshots";
  EXPECT_EQ(names, std::vector<std::string>{".snapshots"});

  // Down selects it, Enter opens it; the window takes the folder's name.
  x.run("xdotool windowfocus --sync " + window + " key --clearmodifiers Down Return");
  ASSERT_TRUE(poll_until(
      [&] {
        return split_lines(x.run("xdotool getwindowname " + window).out) ==
               std::vector<std::string>{".snapshots"};
      },
      kUiTimeout))
      << "PCManFM did not open " << snapshots << "; its log:\n"
      << log();
  ASSERT_TRUE(listed_names(snapshots, &names)) << "PCManFM lists nothing in " << snapshots;

  // The window holds exactly what ls shows (cached by now), the demo's snapshot among them.
  CommandResult ls = run_command("ls -A " + shell_quote(snapshots));
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  std::vector<std::string> expected = split_lines(ls.out);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);
  EXPECT_NE(std::find(names.begin(), names.end(), target_.snapshot), names.end());

  std::string png = artifacts_dir() + "/filemanager-pcmanfm.png";
  CommandResult shot = x.run("import -window " + window + " " + shell_quote(png));
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  EXPECT_EQ(read_file_text(png).substr(0, 4), "\x89PNG") << png;
  std::fprintf(stderr, "screenshot: %s\n", png.c_str());

  // No dialog: PCManFM has exactly one visible window, and no visible window speaks of errors.
  save_artifact("filemanager-pcmanfm-windows.txt", x.run("xwininfo -root -tree").out);
  std::vector<std::string> own =
      split_lines(x.run("xdotool search --onlyvisible --class pcmanfm").out);
  EXPECT_EQ(own, std::vector<std::string>{window}) << x.run("xwininfo -root -tree").out;
  for (const std::string& id : split_lines(x.run("xdotool search --onlyvisible --name .").out)) {
    std::string title = x.run("xdotool getwindowname " + id).out;
    EXPECT_EQ(error_word(title), "") << "a window titled " << title;
  }

  // Opening the folder from a cold mount lists the zone's volumes and the zone's snapshots; the
  // bound is one listing per directory on the path (root, remote, zone, volume, .snapshots) plus
  // one. One request per probed name (.hidden, .directory, desktop.ini ... in each directory)
  // would pass it several times over.
  RequestCounts gui = settled_request_counts(*emulator_, seconds(1), seconds(15));
  std::fprintf(stderr, "pcmanfm browse: %lld requests: %s\n", gui.total, gui.json.c_str());
  EXPECT_EQ(gui.total, gui.by_method["GET"]) << gui.json;
  EXPECT_EQ(gui.total, gui.by_api["scaleway"]) << gui.json;
  EXPECT_LE(gui.total, 6) << gui.json;
  EXPECT_GE(gui.total, 1) << "the folder was shown without any listing: " << gui.json;
}

// Snapshot directories that show files: an HA-NAS partition of the demo, whose export a fake
// mount table (SNAPFS_MOUNTINFO) places on the emulator's content root, as an NFS mount would.
class FileManagerContentTest : public FileManagerTest {
 protected:
  void StartWithContent() {
    const std::string files = dir_.path() + "/files";
    emulator_ = std::make_unique<EmulatorProcess>(
        std::vector<std::string>{"--seed", "demo", "--content-root", files});
    ASSERT_TRUE(emulator_->ok());
    live_ = files + "/10.16.101.42/zpool-123456/partition1";
    const std::string mountinfo = dir_.write_file(
        "mountinfo",
        "40 1 0:50 / " + live_ + " rw - nfs4 10.16.101.42:/zpool-123456/partition1 rw\n", 0644);
    mount_ = std::make_unique<SnapfsMount>(
        demo_config(emulator_->base_url()), std::vector<std::string>{"cache_ttl=300"},
        std::vector<std::string>{"SNAPFS_MOUNTINFO=" + mountinfo});
    ASSERT_TRUE(mount_->ok()) << mount_->log();
    home_ = dir_.path() + "/home";
    ASSERT_EQ(run_command("mkdir -p " + shell_quote(home_ + "/.config")).exit_code, 0);
    snapshot_ = mount_->path() + "/ovh-nas/zpool-123456/partition1/.snapshots/snap-daily-backup";
    // The demo's snapshot copy is made in the background: wait until its files are there.
    const std::string copy = live_ + "/.zfs/snapshot/snap-daily-backup/README.txt";
    ASSERT_TRUE(poll_until([&] { return read_file_text(copy) != ""; }, kUiTimeout));
  }

  std::string live_;
  std::string snapshot_;
};

TEST_F(FileManagerContentTest, MidnightCommanderViewsAFileInASnapshotWithF3) {
  SNAPFS_REQUIRE_FUSE();
  SNAPFS_REQUIRE_COMMANDS({"mc", "tmux"});
  ASSERT_NO_FATAL_FAILURE(StartWithContent());
  ASSERT_EQ(
      run_command("mkdir -p " + shell_quote(home_ + "/.config/mc") + " && printf '%s\\n' " +
                  "'[Midnight-Commander]' confirm_exit=false auto_save_setup=false " +
                  "'[Layout]' message_visible=false > " + shell_quote(home_ + "/.config/mc/ini"))
          .exit_code,
      0);
  const std::string text = read_file_text(live_ + "/docs/report.txt");
  ASSERT_NE(text.find("All systems nominal."), std::string::npos) << text;
  TmuxSession mc(dir_.path(),
                 "exec env HOME=" + shell_quote(home_) + " TERM=xterm LANG=C.UTF-8 " +
                     "mc --nosubshell --nocolor " + shell_quote(snapshot_ + "/docs") + " " +
                     shell_quote(dir_.path()),
                 120, 40);
  std::string screen;
  ASSERT_TRUE(mc.wait_for(
      [](const std::string& s) { return s.find("report.txt") != std::string::npos; }, &screen))
      << screen << "\nsnapfs log:\n"
      << mount_->log();
  // Quick search puts the cursor on the file; F3 opens mc's viewer on it.
  mc.keys("C-s");
  mc.type("report");
  mc.keys("F3");
  ASSERT_TRUE(mc.wait_for(
      [](const std::string& s) {
        return s.find("Quarterly report") != std::string::npos &&
               s.find("All systems nominal.") != std::string::npos;
      },
      &screen))
      << screen;
  EXPECT_EQ(error_word(screen), "") << screen;
  save_artifact("filemanager-mc-snapshot-f3.txt", screen);
}

TEST_F(FileManagerContentTest, PcmanfmShowsTheFilesOfASnapshot) {
  SNAPFS_REQUIRE_FUSE();
  SNAPFS_REQUIRE_COMMANDS({"Xvfb", "pcmanfm", "xdotool", "xclip", "import"});
  ASSERT_NO_FATAL_FAILURE(StartWithContent());
  VirtualDisplay x(dir_.path() + "/xvfb.log");
  ASSERT_TRUE(x.ok());
  ASSERT_EQ(
      run_command("mkdir -p " + shell_quote(home_ + "/.config/pcmanfm/default") +
                  " && printf '%s\\n' '[ui]' win_width=1000 win_height=400 view_mode=list > " +
                  shell_quote(home_ + "/.config/pcmanfm/default/pcmanfm.conf"))
          .exit_code,
      0);
  std::string runtime = dir_.path() + "/run";
  ASSERT_EQ(mkdir(runtime.c_str(), 0700), 0);
  Subprocess pcmanfm(
      {"pcmanfm", snapshot_},
      {"DISPLAY=" + x.display(), "HOME=" + home_, "XDG_CONFIG_HOME=" + home_ + "/.config",
       "XDG_CACHE_HOME=" + home_ + "/.cache", "XDG_DATA_HOME=" + home_ + "/.local/share",
       "XDG_RUNTIME_DIR=" + runtime, "DBUS_SESSION_BUS_ADDRESS=disabled:", "NO_AT_BRIDGE=1",
       "LANG=C.UTF-8"},
      dir_.path() + "/pcmanfm.log");
  auto log = [&] { return read_file_text(dir_.path() + "/pcmanfm.log"); };
  std::string window;
  ASSERT_TRUE(poll_until(
      [&] {
        std::vector<std::string> ids =
            split_lines(x.run("xdotool search --onlyvisible --class pcmanfm").out);
        if (ids.size() != 1) return false;
        window = ids[0];
        return split_lines(x.run("xdotool getwindowname " + window).out) ==
               std::vector<std::string>{"snap-daily-backup"};
      },
      kUiTimeout))
      << "no PCManFM window for " << snapshot_ << "; its log:\n"
      << log();

  // Select all + copy: the view's entries as file URIs, once two reads agree.
  std::vector<std::string> names, previous;
  ASSERT_TRUE(poll_until(
      [&] {
        x.run("xdotool windowfocus --sync " + window + " key --clearmodifiers ctrl+a ctrl+c");
        std::vector<std::string> current;
        for (std::string line :
             split_lines(x.run("xclip -o -selection clipboard -t text/uri-list").out)) {
          while (!line.empty() && (line.back() == '\r' || line.back() == '\0')) line.pop_back();
          if (line.empty()) continue;
          std::string path = percent_decode(line.rfind("file://", 0) == 0 ? line.substr(7) : "");
          if (path.rfind(snapshot_ + "/", 0) != 0) return false;
          current.push_back(path.substr(snapshot_.size() + 1));
        }
        std::sort(current.begin(), current.end());
        bool stable = !current.empty() && current == previous;
        previous = names = current;
        return stable;
      },
      kUiTimeout, milliseconds(300)))
      << "PCManFM lists nothing in " << snapshot_ << "; its log:\n"
      << log();
  // The snapshot's visible files, as on the NFS mount (PCManFM hides dot files by default).
  std::vector<std::string> expected = split_lines(run_command("ls " + shell_quote(snapshot_)).out);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);
  EXPECT_NE(std::find(names.begin(), names.end(), "README.txt"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "docs"), names.end());

  // A click below the last row drops the selection, so that the screenshot shows the files
  // plainly.
  x.run("xdotool mousemove --window " + window + " 600 340 click 1");
  std::string png = artifacts_dir() + "/filemanager-pcmanfm-snapshot-files.png";
  CommandResult shot = x.run("import -window " + window + " " + shell_quote(png));
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  EXPECT_EQ(read_file_text(png).substr(0, 4), "\x89PNG") << png;
  std::fprintf(stderr, "screenshot: %s\n", png.c_str());
  std::vector<std::string> own =
      split_lines(x.run("xdotool search --onlyvisible --class pcmanfm").out);
  EXPECT_EQ(own, std::vector<std::string>{window}) << x.run("xwininfo -root -tree").out;
}

}  // namespace
}  // namespace snapfs::test
