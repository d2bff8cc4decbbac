#include "byte_nfa.h"

#include <cstddef>
#include <map>

namespace constrain {

namespace {

struct Edge {
  ByteRange label;
  int32_t target;
};

// The inner states of byte paths, shared by (the ranges still to read, target).
class SuffixStates {
 public:
  explicit SuffixStates(std::vector<std::vector<Edge>>& edges) : edges_(edges) {}

  // The state that reads rest[from..] and is then in t (t itself when nothing is left).
  int32_t state(const Spelling& rest, std::size_t from, int32_t t) {
    if (from == rest.size()) return t;
    std::vector<int32_t> key{t};
    for (std::size_t i = from; i < rest.size(); ++i) {
      key.push_back(rest[i].lo);
      key.push_back(rest[i].hi);
    }
    const auto found = known_.find(key);
    if (found != known_.end()) return found->second;
    const auto made = static_cast<int32_t>(edges_.size());
    edges_.emplace_back();
    known_.emplace(std::move(key), made);
    const int32_t next = state(rest, from + 1, t);
    edges_[made].push_back({rest[from], next});
    return made;
  }

 private:
  std::vector<std::vector<Edge>>& edges_;
  std::map<std::vector<int32_t>, int32_t> known_;
};

}  // namespace

ByteNFA byte_nfa(const GroupedMoves& moves, const uint8_t* accepting, int32_t quote) {
  const int32_t n = moves.n_states;
  std::vector<std::vector<Edge>> edges(n);
  SuffixStates suffixes(edges);
  for (int32_t s = 0; s < n; ++s) {
    for (int32_t k = moves.begin[s]; k < moves.begin[s + 1]; ++k) {
      const int32_t t = moves.target[k];
      for (const Spelling& spelling : moves.spellings[moves.group[k]]) {
        const int32_t next = suffixes.state(spelling, 1, t);
        edges[s].push_back({spelling[0], next});
      }
    }
  }
  ByteNFA out;
  if (quote >= 0) {
    const auto opening = static_cast<int32_t>(edges.size()), closing = opening + 1;
    edges.resize(edges.size() + 2);
    edges[opening].push_back({{quote, quote}, 0});
    for (int32_t s = 0; s < n; ++s)
      if (accepting[s]) edges[s].push_back({{quote, quote}, closing});
    out.start = opening;
  }
  out.n_states = static_cast<int32_t>(edges.size());
  std::vector<uint8_t> cut(257, 0);
  cut[0] = 1;
  for (const auto& state_edges : edges)
    for (const Edge& e : state_edges) cut[e.label.lo] = cut[e.label.hi + 1] = 1;
  out.class_of.resize(256);
  int32_t c = -1;
  for (int32_t b = 0; b < 256; ++b) out.class_of[b] = c += cut[b];
  out.move_begin.reserve(edges.size() + 1);
  out.move_begin.push_back(0);
  for (const auto& state_edges : edges) {
    for (const Edge& e : state_edges) {
      for (int32_t cls = out.class_of[e.label.lo]; cls <= out.class_of[e.label.hi]; ++cls) {
        out.move_class.push_back(cls);
        out.move_target.push_back(e.target);
      }
    }
    out.move_begin.push_back(static_cast<int32_t>(out.move_class.size()));
  }
  return out;
}

}  // namespace constrain
