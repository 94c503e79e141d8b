// An index of objects by a key they carry: one pointer per slot (open addressing, linear
// probing), at least three slots in eight in use. A mount may hold hundreds of thousands of
// inodes, and this costs 11 to 22 bytes an entry against about 40 for a node-based hash map.
// The index owns nothing, and an object's hash must not change while it is indexed.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace snapfs {

// `Hash` gives an indexed object's hash: hash(const T&). Equal keys may be indexed more than
// once.
template <class T, class Hash>
class PointerIndex {
 public:
  explicit PointerIndex(Hash hash = Hash()) : hash_(std::move(hash)) {}

  // The first indexed object for which `matches(const T&)` holds among those of hash `hash`
  // (the hash of the key sought, as `Hash` gives it for an object with that key), or null.
  template <class Match>
  T* find(std::size_t hash, const Match& matches) const {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = hash & mask(); slots_[i] != nullptr; i = next(i)) {
      if (matches(*slots_[i])) return slots_[i];
    }
    return nullptr;
  }

  void insert(T* item) {
    // At most three quarters full: a search that misses stops at a free slot within a few.
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    place(item);
    ++size_;
  }

  // Removes `item` itself (not another object with the same key); false when it is not indexed.
  bool erase(const T* item) {
    if (slots_.empty()) return false;
    std::size_t hole = home(*item);
    while (slots_[hole] != item) {
      if (slots_[hole] == nullptr) return false;
      hole = next(hole);
    }
    // Moves back each later entry of the run whose search would otherwise stop at the hole:
    // one whose home slot is not between the hole and where it sits.
    for (std::size_t i = next(hole); slots_[i] != nullptr; i = next(i)) {
      if (distance(home(*slots_[i]), i) >= distance(hole, i)) {
        slots_[hole] = slots_[i];
        hole = i;
      }
    }
    slots_[hole] = nullptr;
    --size_;
    return true;
  }

  std::size_t size() const { return size_; }

 private:
  std::size_t mask() const { return slots_.size() - 1; }
  std::size_t next(std::size_t i) const { return (i + 1) & mask(); }
  std::size_t home(const T& item) const { return hash_(item) & mask(); }
  // Slots from `from` forward to `to`, wrapping around the end.
  std::size_t distance(std::size_t from, std::size_t to) const { return (to - from) & mask(); }

  void place(T* item) {
    std::size_t i = home(*item);
    while (slots_[i] != nullptr) i = next(i);
    slots_[i] = item;
  }

  void grow() {
    std::vector<T*> old(std::max<std::size_t>(16, slots_.size() * 2), nullptr);
    old.swap(slots_);
    for (T* item : old) {
      if (item != nullptr) place(item);
    }
  }

  Hash hash_;
  std::vector<T*> slots_;  // a power of two of them, or none; null: free
  std::size_t size_ = 0;
};

}  // namespace snapfs
