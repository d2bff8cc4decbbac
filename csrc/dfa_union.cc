#include "dfa_union.h"

#include <cstddef>
#include <unordered_map>
#include <utility>

namespace constrain {

namespace {

constexpr int32_t kDeadState = -1;

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
                   int32_t max_states) {
  DFAUnion out;
  std::unordered_map<Tuple, int32_t, TupleHash> ids;
  std::vector<Tuple> states;
  Tuple start;
  for (int32_t c = 0; c < static_cast<int32_t>(tables.size()); ++c) start.emplace_back(c, 0);
  ids.emplace(start, 0);
  states.push_back(std::move(start));
  out.tag_begin.push_back(0);
  Tuple next;
  for (std::size_t i = 0; i < states.size(); ++i) {
    for (const auto& [c, s] : states[i])
      if (accepting[static_cast<std::size_t>(c)][s]) out.tags.push_back(c);
    out.tag_begin.push_back(static_cast<uint32_t>(out.tags.size()));
    for (int32_t b = 0; b < 256; ++b) {
      next.clear();
      for (const auto& [c, s] : states[i]) {
        const int32_t t = tables[static_cast<std::size_t>(c)][static_cast<std::size_t>(s) * 256 + static_cast<std::size_t>(b)];
        if (t != kDeadState) next.emplace_back(c, t);
      }
      int32_t id = kDeadState;
      if (!next.empty()) {
        auto it = ids.find(next);
        if (it == ids.end()) {
          if (static_cast<int32_t>(states.size()) >= max_states) {
            out.too_large = true;
            return out;
          }
          id = static_cast<int32_t>(states.size());
          ids.emplace(next, id);
          states.push_back(next);
        } else {
          id = it->second;
        }
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
