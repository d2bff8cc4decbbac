#include "word_tries.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

namespace constrain {

namespace {

// A trie of words, each node paired with the state its prefix reaches in a base automaton
// (0 without one): nodes in creation order (a parent before its children), node 0 the root;
// a node's children are a linked list.
struct PairedTrie {
  std::vector<int32_t> parent;      // -1 for the root
  std::vector<uint8_t> byte;        // the byte into the node (unused for the root)
  std::vector<int32_t> base_state;  // the state the node's prefix reaches in the base
  std::vector<uint8_t> word_end;    // whether a word ends at the node
  std::vector<int32_t> first_child, next_sibling;  // -1 ends a list

  int32_t add_node(int32_t p, uint8_t b, int32_t q) {
    const auto id = static_cast<int32_t>(parent.size());
    parent.push_back(p);
    byte.push_back(b);
    base_state.push_back(q);
    word_end.push_back(0);
    first_child.push_back(-1);
    next_sibling.push_back(p < 0 ? -1 : first_child[static_cast<std::size_t>(p)]);
    if (p >= 0) first_child[static_cast<std::size_t>(p)] = id;
    return id;
  }

  int32_t child(int32_t node, uint8_t b) const {
    int32_t c = first_child[static_cast<std::size_t>(node)];
    while (c >= 0 && byte[static_cast<std::size_t>(c)] != b) c = next_sibling[static_cast<std::size_t>(c)];
    return c;
  }

  // Adds `word`, each new node paired with `reach(parent, byte)`, and marks its end; stops
  // (nothing marked) where that is kDead. `used[b]` is set for the byte of each new edge.
  template <class Reach>
  void insert(std::string_view word, std::array<uint8_t, 256>& used, Reach reach) {
    int32_t node = 0;
    for (const unsigned char b : word) {
      int32_t next = child(node, b);
      if (next < 0) {
        const int32_t q = reach(node, b);
        if (q == kDead) return;
        next = add_node(node, b, q);
        used[b] = 1;
      }
      node = next;
    }
    word_end[static_cast<std::size_t>(node)] = 1;
  }
};

}  // namespace

ByteDFA words_excluded(const ByteDFA& base, int32_t start, const std::vector<std::string_view>& words) {
  const ClassTable& table = *base.table;
  PairedTrie trie;
  trie.add_node(-1, 0, start);
  std::array<uint8_t, 256> in_trie{};
  // a word the base never reads has nothing to exclude: its insertion stops where it dies
  for (const std::string_view word : words)
    trie.insert(word, in_trie,
                [&](int32_t node, uint8_t b) { return table.move(trie.base_state[static_cast<std::size_t>(node)], b); });
  // byte classes: the base's, with each byte that labels a trie edge in a class of its own
  std::array<uint64_t, 256> sig{};
  for (int b = 0; b < 256; ++b) sig[b] = in_trie[b] ? 256u + static_cast<uint64_t>(b) : table.class_of[b];
  std::array<uint8_t, 256> class_of{}, first{};
  const int n_classes = classes_by_signature(sig, class_of.data(), first.data());
  const auto nk = static_cast<std::size_t>(n_classes);
  // a trie node that is not an accepting state and has no way on is cut (children first:
  // they come after their parents)
  const std::size_t n_trie = trie.parent.size();
  std::vector<uint8_t> kept(n_trie, 0);
  std::vector<uint8_t> has_live_child(n_trie, 0);
  for (std::size_t t = n_trie; t-- > 0;) {
    const int32_t q = trie.base_state[t];
    bool keep = has_live_child[t] || (base.accepting[static_cast<std::size_t>(q)] && !trie.word_end[t]);
    for (int k = 0; k < n_classes && !keep; ++k) {
      const uint8_t b = first[k];
      const bool leaves_trie = !in_trie[b] || trie.child(static_cast<int32_t>(t), b) < 0;
      keep = leaves_trie && table.move(q, b) != kDead;
    }
    kept[t] = keep;
    if (keep && trie.parent[t] >= 0) has_live_child[static_cast<std::size_t>(trie.parent[t])] = 1;
  }
  // states: the kept trie nodes, then the base states that are reached (numbered on first
  // reach, breadth first)
  kept[0] = 1;  // the start, even with nothing to accept (an empty language)
  std::vector<int32_t> node_id(n_trie, kDead);
  int32_t n_states = 0;
  for (std::size_t t = 0; t < n_trie; ++t)
    if (kept[t]) node_id[t] = n_states++;
  const int32_t n_kept = n_states;
  std::vector<int32_t> base_id(static_cast<std::size_t>(base.n_states), kDead);
  std::vector<int32_t> base_order;
  const auto base_target = [&](int32_t q) {
    if (q == kDead) return kDead;
    int32_t& id = base_id[static_cast<std::size_t>(q)];
    if (id == kDead) {
      id = n_states++;
      base_order.push_back(q);
    }
    return id;
  };
  std::vector<int32_t> rows;
  rows.reserve(static_cast<std::size_t>(n_kept) * nk);
  ByteDFA out;
  for (std::size_t t = 0; t < n_trie; ++t) {
    if (!kept[t]) continue;
    const int32_t q = trie.base_state[t];
    for (std::size_t k = 0; k < nk; ++k) {
      const uint8_t b = first[k];
      const int32_t c = in_trie[b] ? trie.child(static_cast<int32_t>(t), b) : -1;
      rows.push_back(c >= 0 ? node_id[static_cast<std::size_t>(c)] : base_target(table.move(q, b)));
    }
    out.accepting.push_back(base.accepting[static_cast<std::size_t>(q)] && !trie.word_end[t]);
  }
  for (std::size_t i = 0; i < base_order.size(); ++i) {  // grows while it is read
    const int32_t q = base_order[i];
    for (std::size_t k = 0; k < nk; ++k) rows.push_back(base_target(table.move(q, first[k])));
    out.accepting.push_back(base.accepting[static_cast<std::size_t>(q)]);
  }
  out.n_states = n_states;
  out.table = std::make_shared<const ClassTable>(class_of, n_classes, rows.data(), static_cast<std::size_t>(n_states));
  return out;
}

ByteDFA words_trie(const std::vector<std::string_view>& words) {
  PairedTrie trie;
  trie.add_node(-1, 0, 0);
  std::array<uint8_t, 256> used{};
  for (const std::string_view word : words) trie.insert(word, used, [](int32_t, uint8_t) { return 0; });
  // byte classes: each byte of the words its own, the others (if any) class 0
  std::array<uint8_t, 256> class_of{};
  int n_classes = std::find(used.begin(), used.end(), 0) != used.end() ? 1 : 0;
  for (int b = 0; b < 256; ++b)
    if (used[b]) class_of[b] = static_cast<uint8_t>(n_classes++);
  const std::size_t n = trie.parent.size();
  const auto nk = static_cast<std::size_t>(n_classes);
  std::vector<int32_t> rows(n * nk, kDead);
  for (std::size_t t = 1; t < n; ++t)
    rows[static_cast<std::size_t>(trie.parent[t]) * nk + class_of[trie.byte[t]]] = static_cast<int32_t>(t);
  ByteDFA out;
  out.n_states = static_cast<int32_t>(n);
  out.accepting = trie.word_end;
  out.table = std::make_shared<const ClassTable>(class_of, n_classes, rows.data(), n);
  return out;
}

}  // namespace constrain
