// Interned: sequences of items numbered 0, 1, ... in one flat array (sequence i is
// items()[begin()[i] .. begin()[i + 1])), found by content through an IdTable: no allocation
// per sequence. Used for the state sets of the subset construction (int32 items) and the
// member tuples of union DFAs ((component, state) pairs).
//
// Invariant: a sequence added by add() is found by find() under the hash find() gave;
// one added by append() is never looked up by content (its caller finds it by other means).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "id_table.h"

namespace constrain {

inline uint64_t item_bits(int32_t x) { return static_cast<uint32_t>(x); }
inline uint64_t item_bits(const std::pair<int32_t, int32_t>& m) {
  return static_cast<uint64_t>(static_cast<uint32_t>(m.first)) << 32 | static_cast<uint32_t>(m.second);
}

template <class T>
class Interned {
 public:
  Interned() {
    begin_.reserve(1024);  // (not a one-element list: GCC then warns on begin_[id + 1])
    begin_.push_back(0);
  }

  int32_t size() const { return static_cast<int32_t>(begin_.size() - 1); }
  const std::vector<T>& items() const { return items_; }
  const std::vector<std::size_t>& begin() const { return begin_; }
  const T* data(std::size_t i) const { return items_.data() + begin_[i]; }
  const T* end(std::size_t i) const { return items_.data() + begin_[i + 1]; }

  // the id of [first, last), -1 when absent; `slot` and `hash` are for add()
  int32_t find(const T* first, const T* last, std::size_t& slot, uint64_t& hash) const {
    const auto n = static_cast<std::size_t>(last - first);
    uint64_t h = n * 0x9E3779B97F4A7C15ull;
    for (const T* x = first; x != last; ++x) h = (h ^ item_bits(*x)) * 0x9E3779B97F4A7C15ull;
    hash = h ^ (h >> 29);
    return ids_.find(hash, [&](int32_t id) {
      const std::size_t* bounds = begin_.data() + id;
      return bounds[1] - bounds[0] == n && std::equal(first, last, items_.data() + bounds[0]);
    }, slot);
  }

  // appends [first, last), found absent by find() at `slot` with `hash`; returns its id
  int32_t add(const T* first, const T* last, std::size_t slot, uint64_t hash) {
    const int32_t id = append(first, last);
    ids_.add(slot, id, hash);
    return id;
  }

  // appends [first, last) without making it findable; returns its id
  int32_t append(const T* first, const T* last) {
    items_.insert(items_.end(), first, last);
    begin_.push_back(items_.size());
    return size() - 1;
  }

 private:
  std::vector<T> items_;
  std::vector<std::size_t> begin_;
  IdTable ids_;
};

}  // namespace constrain
