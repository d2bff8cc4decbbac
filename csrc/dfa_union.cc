#include "dfa_union.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <unordered_map>
#include <utility>

#include "interned.h"

namespace constrain {

namespace {

constexpr int32_t kDeadState = -1;
constexpr int32_t kTooLarge = -2;
// product states with at least this many members split their classes by interned partitions
constexpr std::size_t kShareFrom = 8;

// a product state: (component, component state) pairs of its live components, by component
using Member = std::pair<int32_t, int32_t>;
using Tuple = std::vector<Member>;

// Byte classes of the union: the common refinement of the components' classes (bytes b and
// b' are alike when every component puts them in one class). Found by a 64-bit signature per
// byte over the components' class ids, then checked exactly (a byte whose classes differ
// from its union class's first byte gets a class of its own). Returns the class count;
// `class_of[b]` is b's class and `first[k]` the first byte of class k.
int union_classes(const std::vector<const ClassTable*>& parts, std::array<uint8_t, 256>& class_of,
                  std::array<uint8_t, 256>& first) {
  std::array<uint64_t, 256> sig{};
  for (const ClassTable* part : parts)
    for (int b = 0; b < 256; ++b) sig[b] = (sig[b] + part->class_of[b] + 1u) * 0x9E3779B97F4A7C15ull;
  int n = classes_by_signature(sig, class_of.data(), first.data());
  std::array<uint8_t, 256> alike;
  alike.fill(1);
  for (const ClassTable* part : parts)
    for (int b = 0; b < 256; ++b) alike[b] &= part->class_of[b] == part->class_of[first[class_of[b]]];
  return split_unlike(alike, n, class_of.data(), first.data());
}

// How one component state moves on the union classes, as a partition of the classes (block
// ids numbered by first class: two classes share a block iff the state moves alike on them),
// computed on first use and interned, so that the states moving alike share one id.
class MovePartitions {
 public:
  MovePartitions(std::size_t n_parts, const std::vector<int32_t>& n_states, std::size_t n_classes)
      : n_classes_(n_classes), first_state_(n_parts + 1, 0) {
    for (std::size_t c = 0; c < n_parts; ++c)
      first_state_[c + 1] = first_state_[c] + static_cast<std::size_t>(n_states[c]);
    id_.assign(first_state_.back(), -1);
  }

  // the partition id of component c's state s (`part`'s row s), where union class k is the
  // component's class cls[k]; the blocks are found on the component's own classes, then
  // numbered by first union class
  int32_t of(int32_t c, int32_t s, const ClassTable& part, const uint8_t* cls) {
    int32_t& id = id_[first_state_[static_cast<std::size_t>(c)] + static_cast<std::size_t>(s)];
    if (id >= 0) return id;
    const auto n_own = static_cast<std::size_t>(part.n_classes);
    const int32_t* row = part.row(s);
    targets_.clear();
    own_block_.resize(n_own);
    for (std::size_t j = 0; j < n_own; ++j) {
      const std::size_t b = std::find(targets_.begin(), targets_.end(), row[j]) - targets_.begin();
      if (b == targets_.size()) targets_.push_back(row[j]);
      own_block_[j] = static_cast<int32_t>(b);
    }
    renumbered_.assign(targets_.size(), -1);
    const std::size_t at = storage_.size();
    storage_.resize(at + n_classes_);
    int32_t n_blocks = 0;
    uint64_t hash = 0;
    for (std::size_t k = 0; k < n_classes_; ++k) {
      int32_t& b = renumbered_[static_cast<std::size_t>(own_block_[cls[k]])];
      if (b < 0) b = n_blocks++;
      storage_[at + k] = static_cast<uint8_t>(b);
      hash = (hash ^ static_cast<uint64_t>(b)) * 0x100000001B3ull;
    }
    // an equal partition seen before (by hash, compared exactly) keeps its id; a new one (or
    // a hash collision, which only costs a refinement more) gets the next id
    const auto seen = first_with_hash_.find(hash);
    if (seen != first_with_hash_.end() &&
        std::equal(storage_.begin() + static_cast<std::ptrdiff_t>(at), storage_.end(), blocks(seen->second))) {
      storage_.resize(at);
      return id = seen->second;
    }
    id = static_cast<int32_t>(n_blocks_.size());
    n_blocks_.push_back(n_blocks);
    first_with_hash_.emplace(hash, id);
    return id;
  }

  const uint8_t* blocks(int32_t p) const { return storage_.data() + static_cast<std::size_t>(p) * n_classes_; }
  int32_t n_blocks(int32_t p) const { return n_blocks_[static_cast<std::size_t>(p)]; }

 private:
  std::size_t n_classes_;
  std::vector<std::size_t> first_state_;  // component c's states start at first_state_[c] in id_
  std::vector<int32_t> id_;               // partition id per (component, state), -1 until computed
  std::unordered_map<uint64_t, int32_t> first_with_hash_;  // partition hash -> the first id with it
  std::vector<uint8_t> storage_;          // partition p's block per class at p * n_classes_
  std::vector<int32_t> n_blocks_;
  std::vector<int32_t> targets_, own_block_, renumbered_;  // scratch of `of`
};

}  // namespace

DFAUnion union_dfa(const std::vector<const ClassTable*>& parts, const std::vector<const uint8_t*>& accepting,
                   const std::vector<int32_t>& n_states, int32_t max_states) {
  DFAUnion out;
  // product states of one live component are found by array (most of them: inside a
  // string or a key), the others by hashing their tuple
  std::vector<std::vector<int32_t>> single(parts.size());
  for (std::size_t c = 0; c < parts.size(); ++c) single[c].assign(static_cast<std::size_t>(n_states[c]), kDeadState);
  // the product states found so far: state s's members are states.data(s) .. states.end(s)
  Interned<Member> states;
  const auto single_id = [&](int32_t c, int32_t s) -> int32_t {
    int32_t& known = single[static_cast<std::size_t>(c)][static_cast<std::size_t>(s)];
    if (known != kDeadState) return known;
    if (states.size() >= max_states) return kTooLarge;
    const Member only{c, s};
    return known = states.append(&only, &only + 1);
  };
  const auto id_of = [&](const Tuple& t) -> int32_t {
    if (t.size() == 1) return single_id(t[0].first, t[0].second);
    std::size_t slot = 0;
    uint64_t hash = 0;
    const int32_t found = states.find(t.data(), t.data() + t.size(), slot, hash);
    if (found >= 0) return found;
    if (states.size() >= max_states) return kTooLarge;
    return states.add(t.data(), t.data() + t.size(), slot, hash);
  };
  Tuple start;
  for (int32_t c = 0; c < static_cast<int32_t>(parts.size()); ++c) start.emplace_back(c, 0);
  id_of(start);
  out.tag_begin.push_back(0);
  Tuple next;
  std::array<uint8_t, 256> first{};
  std::array<uint8_t, 256>& class_of = out.class_of;
  const int n_classes = out.n_classes = union_classes(parts, class_of, first);
  const auto nk = static_cast<std::size_t>(n_classes);
  // part_class[c * nk + k]: component c's class of the bytes of union class k
  std::vector<uint8_t> part_class(parts.size() * nk);
  for (std::size_t c = 0; c < parts.size(); ++c)
    for (std::size_t k = 0; k < nk; ++k) part_class[c * nk + k] = parts[c]->class_of[first[k]];
  const auto row_of = [&](int32_t c, int32_t s) {
    const ClassTable& part = *parts[static_cast<std::size_t>(c)];
    return part.row(s);
  };
  std::vector<int32_t> class_target(static_cast<std::size_t>(n_classes));
  std::vector<int32_t> own_target;  // a one-component state's targets by the component's classes
  MovePartitions partitions(parts.size(), n_states, nk);
  // per state of several components: the union classes are split into groups on which every
  // member moves alike, numbered by first class; one target tuple is built per group, from
  // its first class
  std::vector<uint8_t> group(nk);
  std::vector<int32_t> group_first, group_target, columns;
  std::vector<uint64_t> column_hash(nk);
  std::array<int16_t, 512> class_at;  // open addressing by column hash: a class index or -1
  class_at.fill(-1);
  std::vector<std::size_t> used_slots;
  // (group, block) -> its refined group while one partition is applied, else -1
  std::vector<int32_t> pair_group(nk * nk, -1);
  std::vector<std::size_t> paired;
  std::vector<int32_t> refined_at;  // per partition id: 1 + the last state refined by it
  Tuple here;  // state i's members (copied: appending states may move the table's array)
  for (int32_t i = 0; i < states.size(); ++i) {
    here.assign(states.data(static_cast<std::size_t>(i)), states.end(static_cast<std::size_t>(i)));
    for (const auto& [c, s] : here)
      if (accepting[static_cast<std::size_t>(c)][s]) out.tags.push_back(c);
    out.tag_begin.push_back(static_cast<uint32_t>(out.tags.size()));
    if (here.size() == 1) {
      // one component (most states: inside a string or a key): its row, renamed, one
      // lookup per class of its own
      const auto [c, s] = here[0];
      const ClassTable& part = *parts[static_cast<std::size_t>(c)];
      const int32_t* row = part.row(s);
      own_target.resize(static_cast<std::size_t>(part.n_classes));
      for (std::size_t j = 0; j < own_target.size(); ++j) {
        const int32_t id = row[j] == kDeadState ? kDeadState : single_id(c, row[j]);
        if (id == kTooLarge) {
          out.too_large = true;
          return out;
        }
        own_target[j] = id;
      }
      const uint8_t* cls = part_class.data() + static_cast<std::size_t>(c) * nk;
      for (std::size_t k = 0; k < nk; ++k) class_target[k] = own_target[cls[k]];
      out.class_trans.insert(out.class_trans.end(), class_target.begin(), class_target.end());
      continue;
    }
    // several components: classes split into groups on which every member moves alike
    const std::size_t m = here.size();
    int32_t n_groups = 0;
    group_first.clear();
    if (m < kShareFrom) {
      // few members: by the column of the members' targets per class (hashed, compared exactly)
      columns.resize(m * nk);
      std::fill(column_hash.begin(), column_hash.end(), m);
      for (std::size_t j = 0; j < m; ++j) {
        const auto [c, s] = here[j];
        const int32_t* row = row_of(c, s);
        const uint8_t* cls = part_class.data() + static_cast<std::size_t>(c) * nk;
        for (std::size_t k = 0; k < nk; ++k) {
          const int32_t t = row[cls[k]];
          columns[k * m + j] = t;
          column_hash[k] = (column_hash[k] ^ static_cast<uint32_t>(t + 2)) * 0x9E3779B97F4A7C15ull;
        }
      }
      for (std::size_t k = 0; k < nk; ++k) {
        const int32_t* column = columns.data() + k * m;
        std::size_t slot = column_hash[k] >> 55;
        for (; class_at[slot] >= 0; slot = (slot + 1) & 511) {
          const auto k2 = static_cast<std::size_t>(class_at[slot]);
          if (column_hash[k2] == column_hash[k] && std::equal(column, column + m, columns.data() + k2 * m)) break;
        }
        if (class_at[slot] >= 0) {
          group[k] = group[static_cast<std::size_t>(class_at[slot])];
        } else {
          class_at[slot] = static_cast<int16_t>(k);
          used_slots.push_back(slot);
          group[k] = static_cast<uint8_t>(n_groups++);
          group_first.push_back(static_cast<int32_t>(k));
        }
      }
      for (const std::size_t slot : used_slots) class_at[slot] = -1;
      used_slots.clear();
    } else {
      // many members (often moving alike, as in many key automata inside a string): the
      // common refinement of the members' partitions, each distinct partition applied once
      std::fill(group.begin(), group.end(), 0);
      n_groups = 1;
      for (const auto& [c, s] : here) {
        const uint8_t* cls = part_class.data() + static_cast<std::size_t>(c) * nk;
        const auto p = static_cast<std::size_t>(partitions.of(c, s, *parts[static_cast<std::size_t>(c)], cls));
        if (p >= refined_at.size()) refined_at.resize(p + 1, 0);
        if (refined_at[p] == i + 1) continue;
        refined_at[p] = i + 1;
        const uint8_t* block = partitions.blocks(static_cast<int32_t>(p));
        const auto n_blocks = static_cast<std::size_t>(partitions.n_blocks(static_cast<int32_t>(p)));
        if (n_blocks == 1) continue;
        int32_t refined = 0;
        for (std::size_t k = 0; k < nk; ++k) {
          const std::size_t pair = static_cast<std::size_t>(group[k]) * n_blocks + block[k];
          if (pair_group[pair] < 0) {
            pair_group[pair] = refined++;
            paired.push_back(pair);
          }
          group[k] = static_cast<uint8_t>(pair_group[pair]);
        }
        for (const std::size_t pair : paired) pair_group[pair] = -1;
        paired.clear();
        n_groups = refined;
      }
      group_first.assign(static_cast<std::size_t>(n_groups), -1);
      for (std::size_t k = 0; k < nk; ++k)
        if (group_first[group[k]] < 0) group_first[group[k]] = static_cast<int32_t>(k);
    }
    group_target.resize(static_cast<std::size_t>(n_groups));
    for (int32_t g = 0; g < n_groups; ++g) {
      const auto k = static_cast<std::size_t>(group_first[static_cast<std::size_t>(g)]);
      next.clear();
      for (std::size_t j = 0; j < m; ++j) {
        const auto [c, s] = here[j];
        const int32_t t =
            m < kShareFrom ? columns[k * m + j] : row_of(c, s)[part_class[static_cast<std::size_t>(c) * nk + k]];
        if (t != kDeadState) next.emplace_back(c, t);
      }
      const int32_t id = next.empty() ? kDeadState : id_of(next);
      if (id == kTooLarge) {
        out.too_large = true;
        return out;
      }
      group_target[static_cast<std::size_t>(g)] = id;
    }
    for (std::size_t k = 0; k < nk; ++k) class_target[k] = group_target[group[k]];
    out.class_trans.insert(out.class_trans.end(), class_target.begin(), class_target.end());
  }
  out.n_states = states.size();
  out.member_begin.assign(states.begin().begin(), states.begin().end());
  out.members.reserve(2 * states.items().size());
  for (const auto& [c, s] : states.items()) {
    out.members.push_back(c);
    out.members.push_back(s);
  }
  return out;
}

void DFAUnion::byte_moves(int32_t* trans) const {
  const auto k = static_cast<std::size_t>(n_classes);
  for (std::size_t s = 0; s < static_cast<std::size_t>(n_states); ++s)
    for (int b = 0; b < 256; ++b) trans[s * 256 + static_cast<std::size_t>(b)] = class_trans[s * k + class_of[b]];
}

}  // namespace constrain
