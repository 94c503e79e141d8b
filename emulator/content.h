// The files of the emulated NAS volumes (`--content-root DIR`): each volume's exported tree in a
// plain local directory, DIR/<host>/<export path>/, seeded with files, and each snapshot's copy
// in the provider's snapshot directory under it (".zfs/snapshot/<name>", ".snapshot/<dir>"), made
// when the snapshot is created and removed when it is deleted. Modules say which volumes and
// snapshot directories their state holds (ApiModule::content_volumes); this store brings the
// trees in line with that, in one worker thread, so that no copy runs on the request path.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "emulator/api_module.h"

namespace snapfs::emu {

class ContentStore {
 public:
  // `files`: the seed of a new volume's tree; kDemoFiles for the demo tree (a few files and
  // folders, a root-only file, a symlink), else that many files spread over folders.
  static constexpr int kDemoFiles = -1;

  ContentStore(std::string root, int files);
  ~ContentStore();  // finishes the queued work, then stops the worker
  ContentStore(const ContentStore&) = delete;
  ContentStore& operator=(const ContentStore&) = delete;

  // DIR/<host>/<path> for an export "host:/path"; empty when the text is not of that form or
  // its path would leave DIR.
  std::string volume_dir(const std::string& nfs_export) const;

  // Queues what makes the trees match `volumes`: seeds volumes not seen before (when their
  // directory does not exist yet), copies snapshot directories that appeared, removes those that
  // went away. Called under the emulator's state lock after every request; cheap when nothing
  // changed.
  void reconcile(const std::vector<ContentVolume>& volumes);

  // Jobs queued or running (GET /_emulator/content): 0 once the trees match the last reconcile.
  std::size_t pending() const;
  const std::string& root() const { return root_; }

 private:
  struct Job {
    enum class Kind { Seed, Copy, Remove } kind = Kind::Seed;
    std::string volume;                  // the export's root directory
    std::string dir;                     // the snapshot directory, relative to it
    std::vector<std::string> hidden;     // top-level names a copy leaves out (snapshot dirs)
    std::vector<std::string> automatic;  // Seed: snapshot directories the API does not list
  };

  void run();
  void perform(const Job& job);
  void seed(const Job& job);

  std::string root_;
  int files_;
  std::set<std::string> volumes_;                         // roots seen
  std::set<std::pair<std::string, std::string>> copies_;  // (root, snapshot dir) expected

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::thread worker_;
};

// A copy of the tree at `from` into `to` (which must not exist): directories, regular files
// (cloned where the filesystem can, else copied; never hard-linked) and symlinks, with their
// modes, owners and times. Top-level entries named in `hidden` are left out. Made in a temporary
// sibling and renamed into place, so `to` appears complete or not at all. False on failure
// (nothing left behind), with the reason in *error.
bool copy_tree(const std::string& from, const std::string& to,
               const std::vector<std::string>& hidden, std::string* error);
// Removes `path` and everything under it (renamed aside first, so it disappears at once).
bool remove_tree(const std::string& path, std::string* error);

}  // namespace snapfs::emu
