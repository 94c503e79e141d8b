// The open-addressing index the inode table finds children with: every indexed object stays
// findable through growth and removals, also when many share a hash.
#include "fs/pointer_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <random>
#include <vector>

namespace snapfs {
namespace {

struct Item {
  int key = 0;
  std::size_t hash = 0;
};

struct ItemHash {
  std::size_t operator()(const Item& item) const { return item.hash; }
};

using Index = PointerIndex<Item, ItemHash>;

Item* find(const Index& index, const Item& like) {
  return index.find(like.hash, [&](const Item& i) { return i.key == like.key; });
}

TEST(PointerIndex, EmptyFindsNothing) {
  Index index;
  Item item{1, 1};
  EXPECT_EQ(find(index, item), nullptr);
  EXPECT_FALSE(index.erase(&item));
  EXPECT_EQ(index.size(), 0U);
}

TEST(PointerIndex, FindsEachAfterGrowing) {
  std::deque<Item> items;
  Index index;
  for (int k = 0; k < 1000; ++k) {
    items.push_back({k, static_cast<std::size_t>(k) * 0x9e3779b97f4a7c15ULL});
    index.insert(&items.back());
  }
  EXPECT_EQ(index.size(), 1000U);
  for (const Item& item : items) EXPECT_EQ(find(index, item), &item);
  EXPECT_EQ(find(index, Item{1000, 1000}), nullptr);
}

TEST(PointerIndex, ErasesOnlyTheObjectGiven) {
  // Same key, same hash: two objects, as two inodes may briefly share a name.
  Item first{7, 3};
  Item second{7, 3};
  Index index;
  index.insert(&first);
  index.insert(&second);
  EXPECT_TRUE(index.erase(&first));
  EXPECT_FALSE(index.erase(&first));
  EXPECT_EQ(find(index, second), &second);
  EXPECT_TRUE(index.erase(&second));
  EXPECT_EQ(find(index, second), nullptr);
  EXPECT_EQ(index.size(), 0U);
}

TEST(PointerIndex, RunsAcrossTheEndSurviveRemovals) {
  // Hashes that all land on the last slots, so that runs wrap to the start of the table.
  std::deque<Item> items;
  Index index;
  for (int k = 0; k < 10; ++k) {
    items.push_back({k, 14 + static_cast<std::size_t>(k % 3)});
    index.insert(&items.back());
  }
  std::vector<int> erased;
  for (int k : {0, 4, 8, 1}) {
    ASSERT_TRUE(index.erase(&items[k]));
    erased.push_back(k);
    for (const Item& item : items) {
      bool gone = std::count(erased.begin(), erased.end(), item.key) > 0;
      EXPECT_EQ(find(index, item), gone ? nullptr : &item) << "key " << item.key;
    }
  }
}

TEST(PointerIndex, MatchesAMultimapUnderRandomChanges) {
  std::mt19937 random(12345);
  std::deque<Item> items;
  for (int k = 0; k < 2000; ++k) {
    // Few distinct hashes: long runs, and many moves on removal.
    items.push_back({k, static_cast<std::size_t>(random() % 64)});
  }
  std::vector<Item*> indexed;
  Index index;
  for (int step = 0; step < 20000; ++step) {
    Item* item = &items[random() % items.size()];
    auto at = std::find(indexed.begin(), indexed.end(), item);
    if (at == indexed.end()) {
      index.insert(item);
      indexed.push_back(item);
    } else {
      ASSERT_TRUE(index.erase(item));
      indexed.erase(at);
    }
    if (step % 1000 == 0) {
      for (const Item& i : items) {
        bool in = std::find(indexed.begin(), indexed.end(), &i) != indexed.end();
        ASSERT_EQ(find(index, i), in ? &i : nullptr) << "step " << step << " key " << i.key;
      }
    }
  }
  EXPECT_EQ(index.size(), indexed.size());
}

}  // namespace
}  // namespace snapfs
