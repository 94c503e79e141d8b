// A listed snapshot as the caches keep it. A mount may list hundreds of thousands of snapshots,
// so each is one small object: strings that every snapshot of a volume repeats (volume id, state,
// type) are interned, the others are packed into one buffer, and the provider's JSON, by far the
// largest part, is deflated against the JSON of a sibling from the same listing, with which it
// shares most of its text (a 500-byte Scaleway object keeps 30 to 70 bytes).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "providers/provider.h"

namespace snapfs {

class StoredSnapshot {
 public:
  // `dictionary`: the JSON of another snapshot of the same listing, or null; shared, not copied.
  StoredSnapshot(const SnapshotInfo& info, std::shared_ptr<const std::string> dictionary);

  std::string_view id() const;
  std::string_view name() const;
  const std::string& volume_id() const { return *common_->volume_id; }
  const std::string& state() const { return *common_->state; }
  const std::string& type() const { return *common_->type; }
  std::int64_t created_us() const { return created_us_; }
  std::optional<std::uint64_t> size() const;
  // Everything the provider said about the snapshot, its JSON inflated.
  SnapshotInfo expand() const;
  // The JSON this snapshot's own JSON was deflated against (null when none): siblings reuse it.
  const std::shared_ptr<const std::string>& dictionary() const { return dictionary_; }

 private:
  // The fields most snapshots of a volume share, interned together: one pointer for three.
  struct CommonFields {
    const std::string* volume_id;
    const std::string* state;
    const std::string* type;
    struct Less {
      bool operator()(const CommonFields& a, const CommonFields& b) const;
    };
  };
  static const CommonFields* intern_common(const SnapshotInfo& info);

  std::int64_t created_us_ = 0;
  std::uint64_t size_ = 0;
  const CommonFields* common_;
  std::shared_ptr<const std::string> dictionary_;
  // id, name, then the rarely read fields and the deflated JSON; see stored_snapshot.cc.
  std::unique_ptr<char[]> packed_;
  std::uint32_t json_size_ = 0;  // of the JSON text, before deflation
  std::uint8_t flags_ = 0;
};

using SnapshotPtr = std::shared_ptr<const StoredSnapshot>;

// One snapshot, its JSON deflated against `dictionary` (may be null).
SnapshotPtr store_snapshot(const SnapshotInfo& info,
                           std::shared_ptr<const std::string> dictionary = nullptr);
// The snapshots of one listing, each JSON deflated against the first one's. Consumes `infos`
// one by one, so the full objects and the stored ones do not both stay in memory.
std::vector<SnapshotPtr> store_snapshots(std::vector<SnapshotInfo> infos);

}  // namespace snapfs
