// The changes a mount makes at its providers: mkdir (create a snapshot), rmdir (delete one) and
// rename, in a .snapshots directory. Each is sent once; when its outcome is unclear (no answer,
// an unreadable one, a 5xx) the directory is listed anew and that listing decides what happened,
// never a second request sent blind. What was done is laid over the cached listing (Listings'
// pending changes and aliases) and shown to the kernel.
//
// Owns no mutable state, and so no lock: the read-only settings are fixed at construction. It
// works through the other rooms' interfaces and holds none of their locks across a provider
// call.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "fs/attributes.h"
#include "fs/namespace/contents.h"
#include "fs/namespace/inode_table.h"
#include "fs/namespace/listings.h"
#include "fs/namespace/tree.h"
#include "providers/common/thread_annotations.h"

namespace snapfs::ns {

class Mutations {
 public:
  // Every reference outlives this.
  Mutations(const std::vector<Remote>& remotes, const FsOptions& options, KernelNotifier* notifier,
            InodeTable& inodes, Listings& listings, Contents& contents,
            const Attributes& attributes);
  Mutations(const Mutations&) = delete;
  Mutations& operator=(const Mutations&) = delete;

  // Each returns 0 or an errno value. mkdir sets the new entry's inode (with one more lookup)
  // and timeout in `out`, not its attributes: the caller fills those.
  int mkdir(std::uint64_t parent, const std::string& name, const OpContext& ctx, EntryReply* out)
      EXCLUDES(inodes_.mu());
  int rmdir(std::uint64_t parent, const std::string& name, const OpContext& ctx)
      EXCLUDES(inodes_.mu());
  int rename(std::uint64_t parent, const std::string& name, std::uint64_t new_parent,
             const std::string& new_name, unsigned int flags, const OpContext& ctx)
      EXCLUDES(inodes_.mu());
  // Whether changes under `node` are refused with EROFS: `-o ro`, or its remote's read_only key.
  bool read_only_at(const Node& node) const;

 private:
  struct MutationTarget;

  double entry_timeout() const;
  Provider* provider_of(const Node& node) const;
  int mutation_precheck(std::uint64_t parent, Node** dir) const REQUIRES(inodes_.mu());
  // The .snapshots directory `parent` for a mkdir, rmdir or rename: 0, or the precheck's errno.
  int mutation_target(std::uint64_t parent, MutationTarget* target) EXCLUDES(inodes_.mu());
  // After a mutation with an unclear outcome: the directory listed anew, or null.
  ListingPtr listing_after_unclear(const MutationTarget& target, std::uint64_t parent,
                                   const std::string& what, const Error& error,
                                   const OpContext& ctx);
  int recheck_in_progress(const MutationTarget& target, std::uint64_t parent,
                          const std::string& name, const std::string& id, const OpContext& ctx,
                          Result<ListingPtr>* list, const Child** child);
  void follow_rename(std::uint64_t parent, const std::string& old_id,
                     const ListingPtr& renamed_listing, const std::string& new_id)
      EXCLUDES(inodes_.mu());
  int show_created(std::uint64_t parent, const std::string& name, const std::string& requested_name,
                   const std::string& key, SnapshotInfo snapshot, const std::string& remote_name,
                   EntryReply* out) EXCLUDES(inodes_.mu());
  // The context for a mutation's request: the operation's deadline less the time kept back to
  // check a listing should the answer be lost or unreadable.
  OpContext keeping_check_time(const OpContext& ctx) const;
  // Whether a failed create may still have made its snapshot, so that a fresh listing decides.
  static bool create_may_have_applied(const Error& error);
  // After a create whose answer was lost: the snapshot of `fresh` (a new listing of the
  // .snapshots directory `key`) that the create made, or null. `known` holds the ids listed
  // before the create; `started_us` is when it was sent.
  const Child* made_by_create(const DirListing& fresh,
                              const std::set<std::string, std::less<>>& known,
                              const std::string& key, const std::string& name, bool server_names,
                              std::int64_t started_us) const;

  const std::vector<Remote>& remotes_;
  std::vector<bool> read_only_remotes_;  // by remote index: the section's read_only key
  const FsOptions options_;
  KernelNotifier* notifier_;
  InodeTable& inodes_;
  Listings& listings_;
  Contents& contents_;
  const Attributes& attributes_;
};

}  // namespace snapfs::ns
