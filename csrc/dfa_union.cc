#include "dfa_union.h"

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

}  // namespace

DFAUnion union_dfa(const std::vector<const int32_t*>& tables, const std::vector<const uint8_t*>& accepting,
                   const std::vector<int32_t>& n_states, int32_t max_states) {
  DFAUnion out;
  // product states of one live component are found by array (most of them: inside a
  // string or a key), the others by hashing their tuple
  std::vector<std::vector<int32_t>> single(tables.size());
  for (std::size_t c = 0; c < tables.size(); ++c) single[c].assign(static_cast<std::size_t>(n_states[c]), kDeadState);
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
  for (int32_t c = 0; c < static_cast<int32_t>(tables.size()); ++c) start.emplace_back(c, 0);
  id_of(start);
  out.tag_begin.push_back(0);
  Tuple next;
  std::vector<Tuple> buckets(256);
  for (std::size_t i = 0; i < states.size(); ++i) {
    for (const auto& [c, s] : states[i])
      if (accepting[static_cast<std::size_t>(c)][s]) out.tags.push_back(c);
    out.tag_begin.push_back(static_cast<uint32_t>(out.tags.size()));
    if (states[i].size() == 1) {
      // one component: its row, renamed
      const auto [c, s] = states[i][0];
      const int32_t* row = tables[static_cast<std::size_t>(c)] + static_cast<std::size_t>(s) * 256;
      for (int32_t b = 0; b < 256; ++b) {
        int32_t id = kDeadState;
        if (row[b] != kDeadState) {
          id = single[static_cast<std::size_t>(c)][static_cast<std::size_t>(row[b])];
          if (id == kDeadState) {
            next.assign(1, {c, row[b]});
            id = id_of(next);
          }
        }
        if (id == kTooLarge) {
          out.too_large = true;
          return out;
        }
        out.trans.push_back(id);
      }
      continue;
    }
    // several components: each member's row scanned once into per-byte buckets (a member
    // lives on few bytes), the buckets filled in component order
    for (auto& bucket : buckets) bucket.clear();
    for (const auto& [c, s] : states[i]) {
      const int32_t* row = tables[static_cast<std::size_t>(c)] + static_cast<std::size_t>(s) * 256;
      for (int32_t b = 0; b < 256; ++b)
        if (row[b] != kDeadState) buckets[static_cast<std::size_t>(b)].emplace_back(c, row[b]);
    }
    for (int32_t b = 0; b < 256; ++b) {
      Tuple& next_b = buckets[static_cast<std::size_t>(b)];
      const int32_t id = next_b.empty() ? kDeadState : id_of(next_b);
      if (id == kTooLarge) {
        out.too_large = true;
        return out;
      }
      out.trans.push_back(id);
    }
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

}  // namespace constrain
