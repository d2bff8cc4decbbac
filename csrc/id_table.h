// IdTable: ids 0, 1, ... of items the caller stores, found by a 64-bit hash (open
// addressing over the ids, at most half full, grown by doubling). No allocation per item.
//
// Invariant: hash(id) is the hash the item was added with; an id is in one slot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace constrain {

class IdTable {
 public:
  // The id of the item with hash h for which same(id) holds, or -1 when there is none; then
  // `slot` is where add() puts a new one.
  template <class Same>
  int32_t find(uint64_t h, const Same& same, std::size_t& slot) const {
    const std::size_t mask = slots_.size() - 1;
    for (slot = static_cast<std::size_t>(h) & mask; slots_[slot] >= 0; slot = (slot + 1) & mask) {
      const int32_t id = slots_[slot];
      if (hash_[static_cast<std::size_t>(id)] == h && same(id)) return id;
    }
    return -1;
  }

  // Records id (the next one: ids are added in order) with hash h at `slot` from find().
  void add(std::size_t slot, int32_t id, uint64_t h) {
    if (hash_.size() <= static_cast<std::size_t>(id)) hash_.resize(static_cast<std::size_t>(id) + 1, 0);
    hash_[static_cast<std::size_t>(id)] = h;
    slots_[slot] = id;
    if (2 * ++n_ > slots_.size()) grow();
  }

  void clear() {
    slots_.assign(kFirstSize, -1);
    hash_.clear();
    n_ = 0;
  }

 private:
  static constexpr std::size_t kFirstSize = 1024;

  void grow() {
    std::vector<int32_t> old(slots_.size() * 2, -1);
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (const int32_t id : old) {
      if (id < 0) continue;
      std::size_t slot = static_cast<std::size_t>(hash_[static_cast<std::size_t>(id)]) & mask;
      while (slots_[slot] >= 0) slot = (slot + 1) & mask;
      slots_[slot] = id;
    }
  }

  std::vector<int32_t> slots_ = std::vector<int32_t>(kFirstSize, -1);
  std::vector<uint64_t> hash_;   // by id
  std::size_t n_ = 0;
};

}  // namespace constrain
