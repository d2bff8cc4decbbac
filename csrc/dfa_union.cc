#include "dfa_union.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <unordered_map>
#include <utility>

namespace constrain {

namespace {

constexpr int32_t kDeadState = -1;
constexpr int32_t kTooLarge = -2;

// a product state: (component, component state) pairs of its live components, by component
using Tuple = std::vector<std::pair<int32_t, int32_t>>;

struct TupleHash {
  std::size_t operator()(const Tuple& t) const {
    std::size_t h = t.size();
    for (const auto& [c, s] : t) h = h * 1000003u ^ (static_cast<std::size_t>(c) << 20 ^ static_cast<std::size_t>(s));
    return h;
  }
};

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

}  // namespace

DFAUnion union_dfa(const std::vector<const ClassTable*>& parts, const std::vector<const uint8_t*>& accepting,
                   const std::vector<int32_t>& n_states, int32_t max_states) {
  DFAUnion out;
  // product states of one live component are found by array (most of them: inside a
  // string or a key), the others by hashing their tuple
  std::vector<std::vector<int32_t>> single(parts.size());
  for (std::size_t c = 0; c < parts.size(); ++c) single[c].assign(static_cast<std::size_t>(n_states[c]), kDeadState);
  std::unordered_map<Tuple, int32_t, TupleHash> ids;
  std::vector<Tuple> states;
  const auto id_of = [&](Tuple& t) -> int32_t {
    int32_t* slot = nullptr;
    if (t.size() == 1) {
      slot = &single[static_cast<std::size_t>(t[0].first)][static_cast<std::size_t>(t[0].second)];
      if (*slot != kDeadState) return *slot;
    } else {
      auto it = ids.find(t);
      if (it != ids.end()) return it->second;
    }
    if (static_cast<int32_t>(states.size()) >= max_states) return kTooLarge;
    const auto id = static_cast<int32_t>(states.size());
    if (slot != nullptr)
      *slot = id;
    else
      ids.emplace(t, id);
    states.push_back(t);
    return id;
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
    return part.moves.data() + static_cast<std::size_t>(s) * static_cast<std::size_t>(part.n_classes);
  };
  std::vector<int32_t> class_target(static_cast<std::size_t>(n_classes));
  // per multi-component state: column k holds the members' targets on class k; classes with
  // equal columns (found by hash, compared exactly) share one lookup of the target tuple
  std::vector<int32_t> columns, components;
  std::vector<uint64_t> column_hash(static_cast<std::size_t>(n_classes));
  std::array<int16_t, 512> class_at;  // open addressing by column hash: a class index or -1
  class_at.fill(-1);
  std::vector<std::size_t> used_slots;
  for (std::size_t i = 0; i < states.size(); ++i) {
    for (const auto& [c, s] : states[i])
      if (accepting[static_cast<std::size_t>(c)][s]) out.tags.push_back(c);
    out.tag_begin.push_back(static_cast<uint32_t>(out.tags.size()));
    if (states[i].size() == 1) {
      // one component: its row, renamed
      const auto [c, s] = states[i][0];
      const int32_t* row = row_of(c, s);
      const uint8_t* cls = part_class.data() + static_cast<std::size_t>(c) * nk;
      for (int k = 0; k < n_classes; ++k) {
        int32_t id = kDeadState;
        if (row[cls[k]] != kDeadState) {
          next.assign(1, {c, row[cls[k]]});
          id = id_of(next);
        }
        if (id == kTooLarge) {
          out.too_large = true;
          return out;
        }
        class_target[static_cast<std::size_t>(k)] = id;
      }
      out.class_trans.insert(out.class_trans.end(), class_target.begin(), class_target.end());
      continue;
    }
    // several components: one move per byte class
    const std::size_t m = states[i].size();
    components.clear();
    columns.assign(m * static_cast<std::size_t>(n_classes), kDeadState);
    std::fill(column_hash.begin(), column_hash.end(), m);
    for (std::size_t j = 0; j < m; ++j) {
      const auto [c, s] = states[i][j];
      components.push_back(c);
      const int32_t* row = row_of(c, s);
      const uint8_t* cls = part_class.data() + static_cast<std::size_t>(c) * nk;
      for (int k = 0; k < n_classes; ++k) {
        const int32_t t = row[cls[k]];
        columns[static_cast<std::size_t>(k) * m + j] = t;
        uint64_t& h = column_hash[static_cast<std::size_t>(k)];
        h = (h ^ static_cast<uint32_t>(t + 2)) * 0x9E3779B97F4A7C15ull;
      }
    }
    for (int k = 0; k < n_classes; ++k) {
      const int32_t* column = columns.data() + static_cast<std::size_t>(k) * m;
      const uint64_t h = column_hash[static_cast<std::size_t>(k)];
      std::size_t slot = h >> 55;
      int shared = -1;
      for (; class_at[slot] >= 0; slot = (slot + 1) & 511) {
        const auto k2 = static_cast<std::size_t>(class_at[slot]);
        if (column_hash[k2] == h && std::equal(column, column + m, columns.data() + k2 * m)) {
          shared = static_cast<int>(k2);
          break;
        }
      }
      if (shared >= 0) {
        class_target[static_cast<std::size_t>(k)] = class_target[static_cast<std::size_t>(shared)];
        continue;
      }
      class_at[slot] = static_cast<int16_t>(k);
      used_slots.push_back(slot);
      next.clear();
      for (std::size_t j = 0; j < m; ++j)
        if (column[j] != kDeadState) next.emplace_back(components[j], column[j]);
      const int32_t id = next.empty() ? kDeadState : id_of(next);
      if (id == kTooLarge) {
        out.too_large = true;
        return out;
      }
      class_target[static_cast<std::size_t>(k)] = id;
    }
    for (const std::size_t slot : used_slots) class_at[slot] = -1;
    used_slots.clear();
    out.class_trans.insert(out.class_trans.end(), class_target.begin(), class_target.end());
  }
  out.n_states = static_cast<int32_t>(states.size());
  out.member_begin.push_back(0);
  for (const Tuple& t : states) {
    for (const auto& [c, s] : t) {
      out.members.push_back(c);
      out.members.push_back(s);
    }
    out.member_begin.push_back(static_cast<uint32_t>(out.members.size() / 2));
  }
  return out;
}

void DFAUnion::byte_moves(int32_t* trans) const {
  const auto k = static_cast<std::size_t>(n_classes);
  for (std::size_t s = 0; s < static_cast<std::size_t>(n_states); ++s)
    for (int b = 0; b < 256; ++b) trans[s * 256 + static_cast<std::size_t>(b)] = class_trans[s * k + class_of[b]];
}

}  // namespace constrain
