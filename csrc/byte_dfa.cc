#include "byte_dfa.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace constrain {

namespace {

inline void set_bit(uint32_t* words, int32_t id) {
  words[static_cast<uint32_t>(id) >> 5] |= 1u << (static_cast<uint32_t>(id) & 31);
}

// The one trie walk behind every mask: visits the node range [begin, end) (whole subtrees,
// entered from `state`), skips the subtree of every node whose byte kills the walk, and
// sets the `alive` bit of every token ending at a live node. The bit of a node's first
// token is set without a branch (nodes without tokens write an empty bit into a scratch
// word): whether a node ends a token is unpredictable. The last live node's depth and state
// stay in registers, so a child reads its parent's state without a round trip through
// `stack` (max_depth + 1 entries). `on_dead(node, parent_state)` is called for each node
// whose byte kills the walk; `on_token(id, state)` for every token ending at a live node,
// when kPerToken. With kCount, `counter` also kills a move that leaves the lexeme no
// completion in bounds; the count entering `begin` is `count`, and `counts` holds one per depth.
template <bool kBits, bool kPerToken, bool kCount = false, class OnDead, class OnToken>
void walk_range(const TokenTrie& trie, const ClassTable& table, const uint8_t* live, size_t begin, size_t end,
                int32_t state, int32_t* stack, uint32_t* alive, OnDead on_dead, OnToken on_token,
                const LexemeCounter* counter = nullptr, int32_t count = 0, int32_t* counts = nullptr) {
  const int32_t* moves = table.moves.data();
  const uint8_t* class_of = table.class_of.data();
  const int shift = table.shift;
  const TrieNode* nodes = trie.nodes.data();
  const int32_t* ids = trie.ids.data();
  uint32_t scratch = 0;
  uint32_t prev_depth = 0xFFFFFFFFu;
  int32_t prev_state = kDead;
  int32_t prev_count = 0;
  if (begin < end) {
    stack[nodes[begin].depth - 1] = state;
    if constexpr (kCount) counts[nodes[begin].depth - 1] = count;
  }
  size_t i = begin;
  while (i < end) {
    const TrieNode& node = nodes[i];
    const bool child_of_last = node.depth == prev_depth + 1;
    const int32_t parent = child_of_last ? prev_state : stack[node.depth - 1];
    const int32_t s = moves[(static_cast<size_t>(parent) << shift) + class_of[node.byte]];
    bool dead = s == kDead || (live != nullptr && !live[s]);
    [[maybe_unused]] int32_t e = 0;
    if constexpr (kCount) {
      if (!dead) {
        e = counter->enter(s, child_of_last ? prev_count : counts[node.depth - 1]);
        dead = e < 0;
      }
    }
    if (dead) {
      on_dead(i, parent);
      i = node.skip;
      continue;
    }
    stack[node.depth] = s;
    prev_depth = node.depth;
    prev_state = s;
    if constexpr (kCount) {
      counts[node.depth] = e;
      prev_count = e;
    }
    const uint32_t id = static_cast<uint32_t>(node.id);
    const bool has = node.id >= 0;
    if constexpr (kBits) {
      uint32_t* word = has ? alive + (id >> 5) : &scratch;
      *word |= static_cast<uint32_t>(has) << (id & 31);
      if (node.more)
        for (uint32_t k = node.ids_begin + 1; k < nodes[i + 1].ids_begin; ++k) set_bit(alive, ids[k]);
    }
    if constexpr (kPerToken) {
      if (has)
        for (uint32_t k = node.ids_begin; k < nodes[i + 1].ids_begin; ++k) on_token(ids[k], s);
    }
    ++i;
  }
}

// Every slice of the trie: the masks of slices 1..whole ORed into `alive`, `walk(root)` called
// for the others (slice 0, the rest, always).
template <class Walk>
void for_slices(const TokenTrie& trie, size_t whole, uint32_t* alive, Walk walk) {
  for (size_t k = 0; k < trie.n_slices(); ++k) {
    if (k == 0 || k > whole) {
      walk(trie.roots[k]);
      continue;
    }
    const uint32_t* words = trie.slice_words[k].data();
    for (size_t w = 0; w < trie.words(); ++w) alive[w] |= words[w];
  }
}

}  // namespace

int classes_by_signature(const std::array<uint64_t, 256>& sig, uint8_t* class_of, uint8_t* first) {
  // open addressing by signature (512 slots for at most 256 classes): a class index or -1
  std::array<int16_t, 512> class_at;
  class_at.fill(-1);
  int n = 0;
  for (int b = 0; b < 256; ++b) {
    std::size_t slot = (sig[b] * 0x9E3779B97F4A7C15ull) >> 55;
    while (class_at[slot] >= 0 && sig[first[class_at[slot]]] != sig[b]) slot = (slot + 1) & 511;
    if (class_at[slot] < 0) {
      first[n] = static_cast<uint8_t>(b);
      class_at[slot] = static_cast<int16_t>(n++);
    }
    class_of[b] = static_cast<uint8_t>(class_at[slot]);
  }
  return n;
}

int split_unlike(const std::array<uint8_t, 256>& alike, int n_classes, uint8_t* class_of, uint8_t* first) {
  for (int b = 0; b < 256; ++b)
    if (!alike[b]) {
      first[n_classes] = static_cast<uint8_t>(b);
      class_of[b] = static_cast<uint8_t>(n_classes++);
    }
  return n_classes;
}

ClassTable::ClassTable(const std::array<uint8_t, 256>& class_of_, int n_classes_, const int32_t* rows, size_t n_states)
    : class_of(class_of_), n_classes(n_classes_) {
  while ((1 << shift) < n_classes) ++shift;
  const size_t k = static_cast<size_t>(n_classes);
  moves.assign(n_states << shift, kDead);
  for (size_t s = 0; s < n_states; ++s)
    std::copy(rows + s * k, rows + (s + 1) * k, moves.begin() + static_cast<std::ptrdiff_t>(s << shift));
}

ClassTable class_table(const int32_t* table, int32_t n_states) {
  // a 64-bit signature of each byte's column, then an exact check: a byte whose column
  // differs from its class's first byte gets a class of its own (a collision costs speed,
  // never correctness)
  std::array<uint8_t, 256> class_of{};
  std::array<uint64_t, 256> sig{};
  for (size_t s = 0; s < static_cast<size_t>(n_states); ++s) {
    const int32_t* row = table + s * 256;
    for (int b = 0; b < 256; ++b) sig[b] = (sig[b] + static_cast<uint32_t>(row[b] + 2)) * 0x9E3779B97F4A7C15ull;
  }
  std::array<uint8_t, 256> first{};
  int n = classes_by_signature(sig, class_of.data(), first.data());
  std::array<uint8_t, 256> alike;
  alike.fill(1);
  for (size_t s = 0; s < static_cast<size_t>(n_states); ++s) {
    const int32_t* row = table + s * 256;
    for (int b = 0; b < 256; ++b) alike[b] &= row[b] == row[first[class_of[b]]];
  }
  n = split_unlike(alike, n, class_of.data(), first.data());
  std::vector<int32_t> rows(static_cast<size_t>(n_states) * static_cast<size_t>(n));
  for (size_t s = 0; s < static_cast<size_t>(n_states); ++s)
    for (int k = 0; k < n; ++k) rows[s * static_cast<size_t>(n) + static_cast<size_t>(k)] = table[s * 256 + first[k]];
  return ClassTable(class_of, n, rows.data(), static_cast<size_t>(n_states));
}

void ByteDFA::ensure_predecessors() {
  if (preds) return;
  const size_t n = static_cast<size_t>(n_states);
  const size_t k = static_cast<size_t>(table->n_classes);
  // per state, its distinct successors (a state often sends many classes to the same target)
  std::vector<int32_t> seen_from(n, -1);
  std::vector<uint32_t> begin(n + 1, 0);
  for (size_t s = 0; s < n; ++s)
    for (size_t c = 0; c < k; ++c) {
      const int32_t t = table->row(static_cast<int32_t>(s))[c];
      if (t != kDead && seen_from[static_cast<size_t>(t)] != static_cast<int32_t>(s)) {
        seen_from[static_cast<size_t>(t)] = static_cast<int32_t>(s);
        ++begin[static_cast<size_t>(t) + 1];
      }
    }
  for (size_t s = 0; s < n; ++s) begin[s + 1] += begin[s];
  auto out = std::make_shared<std::vector<int32_t>>(begin[n]);
  std::vector<uint32_t> fill(begin.begin(), begin.end() - 1);
  std::fill(seen_from.begin(), seen_from.end(), -1);
  for (size_t s = 0; s < n; ++s)
    for (size_t c = 0; c < k; ++c) {
      const int32_t t = table->row(static_cast<int32_t>(s))[c];
      if (t != kDead && seen_from[static_cast<size_t>(t)] != static_cast<int32_t>(s)) {
        seen_from[static_cast<size_t>(t)] = static_cast<int32_t>(s);
        (*out)[fill[static_cast<size_t>(t)]++] = static_cast<int32_t>(s);
      }
    }
  pred_begin = std::make_shared<const std::vector<uint32_t>>(std::move(begin));
  preds = std::move(out);
}

ByteDFA ByteDFA::restricted(const uint8_t* accepting_in) const {
  const size_t n = static_cast<size_t>(n_states);
  const std::vector<uint32_t>& begin = *pred_begin;
  const std::vector<int32_t>& from = *preds;
  ByteDFA out;
  out.table = table;
  out.n_states = n_states;
  out.pred_begin = pred_begin;
  out.preds = preds;
  out.counter = counter;
  out.accepting.assign(accepting_in, accepting_in + n);
  out.live.assign(accepting_in, accepting_in + n);
  std::vector<int32_t> todo;
  for (size_t s = 0; s < n; ++s)
    if (out.live[s]) todo.push_back(static_cast<int32_t>(s));
  while (!todo.empty()) {
    const size_t t = static_cast<size_t>(todo.back());
    todo.pop_back();
    for (uint32_t k = begin[t]; k < begin[t + 1]; ++k) {
      const size_t p = static_cast<size_t>(from[k]);
      if (!out.live[p] && (live.empty() || live[p])) {
        out.live[p] = 1;
        todo.push_back(from[k]);
      }
    }
  }
  return out;
}

int32_t ByteDFA::walk_token(const TokenTrie& trie, int32_t state, int32_t id) const {
  if (!trie.is_text(id)) return kDead;
  const char* data = reinterpret_cast<const char*>(trie.tok_data.data());
  return walk(state, std::string_view(data + trie.tok_begin[id], trie.tok_begin[id + 1] - trie.tok_begin[id]));
}

void ByteDFA::token_masks(const TokenTrie& trie, int32_t state, uint32_t* alive, uint32_t* ends_accepting,
                          int32_t* stack) const {
  std::memset(alive, 0, trie.words() * sizeof(uint32_t));
  const auto ignore_dead = [](size_t, int32_t) {};
  if (ends_accepting == nullptr) {
    for_slices(trie, whole_slices(trie, state), alive, [&](uint32_t root) {
      walk_range<true, false>(trie, *table, live_or_null(), root + 1, trie.nodes[root].skip, state, stack, alive,
                              ignore_dead, [](int32_t, int32_t) {});
    });
    return;
  }
  std::memset(ends_accepting, 0, trie.words() * sizeof(uint32_t));
  const uint8_t* acc = accepting.data();
  for (uint32_t root : trie.roots)
    walk_range<true, true>(trie, *table, live_or_null(), root + 1, trie.nodes[root].skip, state, stack, alive,
                           ignore_dead, [&](int32_t id, int32_t s) {
                             if (acc[s]) set_bit(ends_accepting, id);
                           });
}

size_t ByteDFA::whole_slices(const TokenTrie& trie, int32_t state, size_t top) const {
  size_t k = std::min(trie.n_slices() - 1, top);
  const auto budget = [&](size_t slice) {
    const uint32_t root = trie.roots[slice];
    return std::max(kSliceCheckSteps, 2 * static_cast<size_t>(trie.nodes[root].skip - root));
  };
  while (k > 0 && !keeps_alive(trie.languages[k - 1], *table, live_or_null(), state, budget(k))) --k;
  return k;
}

void ByteDFA::lexeme_walk(const TokenTrie& trie, int32_t state, const uint32_t* roots, size_t n_roots,
                          uint32_t* alive, std::vector<int32_t>* alive_ids, std::vector<uint32_t>& boundary_nodes,
                          std::vector<int32_t>& boundary_states, int32_t* stack, int32_t count, int32_t* counts) const {
  const bool counted = count >= 0;
  const uint8_t* acc = accepting.data();
  const auto on_dead = [&](size_t node, int32_t parent) {
    if (acc[parent]) {
      boundary_nodes.push_back(static_cast<uint32_t>(node));
      boundary_states.push_back(parent);
    }
  };
  const auto collect = [&](int32_t id, int32_t) { alive_ids->push_back(id); };
  const auto no_token = [](int32_t, int32_t) {};
  const LexemeCounter* c = counter.get();
  const auto walk_subtree = [&](uint32_t root) {
    const size_t begin = trie.nodes[root].depth == 0 ? root + 1 : root;
    const size_t end = trie.nodes[root].skip;
    const uint8_t* l = live_or_null();
    if (alive_ids != nullptr && counted)
      walk_range<false, true, true>(trie, *table, l, begin, end, state, stack, nullptr, on_dead, collect, c, count, counts);
    else if (alive_ids != nullptr)
      walk_range<false, true>(trie, *table, l, begin, end, state, stack, nullptr, on_dead, collect);
    else if (counted)
      walk_range<true, false, true>(trie, *table, l, begin, end, state, stack, alive, on_dead, no_token, c, count, counts);
    else
      walk_range<true, false>(trie, *table, l, begin, end, state, stack, alive, on_dead, no_token);
  };
  for (size_t r = 0; r < n_roots; ++r) {
    if (roots[r] != 0) {
      walk_subtree(roots[r]);
      continue;
    }
    // the whole trie (slices taken whole: their tokens all stay inside the lexeme; a
    // counted walk takes those whose tokens all fit in the room its count leaves)
    size_t top = alive_ids == nullptr ? trie.n_slices() - 1 : 0;
    if (counted) {
      const int32_t room = c->room_of(state, count);
      while (top > 0 && room < trie.slice_chars[top]) --top;
    }
    for_slices(trie, top > 0 ? whole_slices(trie, state, top) : 0, alive, walk_subtree);
  }
}

}  // namespace constrain
