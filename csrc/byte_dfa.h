// ByteDFA: a deterministic automaton over bytes, and the two walks a mask needs.
//
// Invariants: the shared table holds the moves by byte class (ClassTable::move), the next
// state or kDead (-1) (bytes that share a class move alike from every state; a table is
// n_classes / 256 the size of a byte table); `live` is empty or has n_states entries, and a move into a state that is not live
// counts as kDead (a restricted view shares its base's table); the automaton is trimmed
// under that rule (every live state can still reach acceptance), so a token "keeps the DFA
// alive" iff its walk never hits kDead.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "token_trie.h"

namespace constrain {

constexpr int32_t kDead = -1;
// Deciding that a walk can take slice k whole may try max(kSliceCheckSteps, 2 * nodes of the
// slice's trie) moves (slices.h: keeps_alive): about what walking the slice costs at most,
// where the check fails (a long slice against a bounded string)
constexpr size_t kSliceCheckSteps = 1 << 14;

// Bytes grouped by equal 64-bit signature: sets class_of[b] and first[k] (the first byte of
// class k), classes numbered in the order of their first byte; returns the class count.
int classes_by_signature(const std::array<uint64_t, 256>& sig, uint8_t* class_of, uint8_t* first);

// The exact check after classes_by_signature: each byte b with !alike[b] (its columns differ
// from its class's first byte) gets a class of its own; returns the new class count.
int split_unlike(const std::array<uint8_t, 256>& alike, int n_classes, uint8_t* class_of, uint8_t* first);

// A table by byte class: state s goes to moves[(s << shift) + class_of[b]] on byte b (rows
// padded to a power of two, 1 << shift >= n_classes, so that a walk shifts rather than
// multiplies). Bytes that share a class move alike from every state (the classes of
// `class_table` are the coarsest such; a product's may be finer).
struct ClassTable {
  std::array<uint8_t, 256> class_of{};
  int n_classes = 0;
  int shift = 0;
  std::vector<int32_t> moves;

  // rows of n_classes moves each (`rows`, n_states * n_classes entries) as a padded table
  ClassTable(const std::array<uint8_t, 256>& class_of, int n_classes, const int32_t* rows, size_t n_states);

  const int32_t* row(int32_t state) const { return moves.data() + (static_cast<size_t>(state) << shift); }
  int32_t move(int32_t state, uint8_t b) const { return row(state)[class_of[b]]; }
};

// The class table of a byte table (n_states * 256 moves).
ClassTable class_table(const int32_t* table, int32_t n_states);

// A bound on how many marked states one lexeme enters, checked as a walk goes: a JSON
// string's characters counted at run time where a product of its pattern and its length
// would be too large (constrain/automata/counted.py). Per state s of a union: `base[s]`, the
// bit offset in `ok` of the row of its counted member (-1: s has none; a counted member never
// shares a state with another member, past its start), `marked[s]` (entering s counts one),
// `cap[s]` (the row's last column) and `saturate[s]` (counts past cap stay at cap: no upper
// bound). Bit base[s] + e is set when s, entered with count e, can still reach acceptance
// with its count in bounds.
struct LexemeCounter {
  std::vector<int64_t> base;
  std::vector<int32_t> cap;
  std::vector<uint8_t> marked, saturate;
  std::vector<uint64_t> ok;
  // per state: where its counted terminal's `room` row starts (-1 where base is -1); per
  // counted terminal and count e (rows of cap + 1 entries): the most characters of plain
  // text (token slices: no quote, backslash or control) that a walk entered with count e can
  // read with `enter` never failing for the count, whatever states the text enters; -1: none
  std::vector<int64_t> room_at;
  std::vector<int32_t> room;

  // The count after entering s with count e before it (0 outside counted states), or -1
  // when no completion in bounds is left.
  int32_t enter(int32_t s, int32_t e) const {
    const auto i = static_cast<size_t>(s);
    if (base[i] < 0) return 0;
    e += marked[i];
    if (e > cap[i]) {
      if (!saturate[i]) return -1;
      e = cap[i];
    }
    const auto bit = static_cast<uint64_t>(base[i] + e);
    return (ok[bit >> 6] >> (bit & 63)) & 1 ? e : -1;
  }

  // `room` at state s entered with count e (-1 outside counted states).
  int32_t room_of(int32_t s, int32_t e) const {
    const int64_t at = room_at[static_cast<size_t>(s)];
    return at < 0 ? -1 : room[static_cast<size_t>(at + e)];
  }
};

struct ByteDFA {
  std::shared_ptr<const ClassTable> table;
  std::vector<uint8_t> live;
  std::vector<uint8_t> accepting;
  int32_t n_states = 0;
  // predecessor lists (CSR, duplicates removed), built on first use by `restricted`
  std::shared_ptr<const std::vector<uint32_t>> pred_begin;
  std::shared_ptr<const std::vector<int32_t>> preds;
  // the lexeme bound of a union with counted members (shared by its restricted views), or null
  std::shared_ptr<const LexemeCounter> counter;

  const uint8_t* live_or_null() const { return live.empty() ? nullptr : live.data(); }

  int32_t step(int32_t state, uint8_t b) const {
    const int32_t t = table->move(state, b);
    return t == kDead || live.empty() || live[static_cast<size_t>(t)] ? t : kDead;
  }

  int32_t walk(int32_t state, std::string_view data) const {
    for (unsigned char b : data) {
      if (state == kDead) return kDead;
      state = step(state, b);
    }
    return state;
  }

  // Builds the predecessor lists once (not thread-safe: call with the GIL held).
  void ensure_predecessors();

  // A view of this automaton (sharing its table) with `accepting` (n_states entries) as its
  // accepting states and the states that cannot reach one of them cut off (not live).
  // Needs ensure_predecessors(); linear in the predecessor edges.
  ByteDFA restricted(const uint8_t* accepting) const;

  // State after token `id` from `state`; kDead when the token is not text or dies.
  int32_t walk_token(const TokenTrie& trie, int32_t state, int32_t id) const;

  // One DFS walk of the trie from `state`, skipping dead subtrees. Sets bit id in `alive`
  // for every token whose walk stays live, and in `ends_accepting` (may be null) for those
  // that end in an accepting state. Without `ends_accepting`, the slices that keep the DFA
  // alive (whole_slices) are taken whole instead of walked. Both outputs hold
  // ceil(vocab_size/32) words and are overwritten. `stack` must hold trie.max_depth + 1 entries.
  void token_masks(const TokenTrie& trie, int32_t state, uint32_t* alive, uint32_t* ends_accepting,
                   int32_t* stack) const;

  // The largest k <= top such that slices 1..k keep this DFA alive from `state` (token_trie.h:
  // the languages are nested, so the check goes down from the last slice); 0 for none.
  size_t whole_slices(const TokenTrie& trie, int32_t state, size_t top = SIZE_MAX) const;

  // The lexer walk of a context-free grammar. Walks the subtrees of `roots` (node 0 = the
  // whole trie: every slice, those of `whole_slices` taken at once when `alive` is given),
  // entering each root's byte from `state`. ORs into `alive` (or, when
  // `alive_ids` is not null, appends to it) the tokens whose bytes all stay live; for each node whose byte kills the walk right after an accepting
  // state p (a lexeme may end before that byte), appends (node, p) to the boundary lists
  // and skips the node's subtree. `stack` must hold trie.max_depth + 1 entries. With
  // `count` >= 0 (needs `counter`: the pending lexeme's count), a move whose count leaves no
  // completion in bounds kills the walk too (`counts`: max_depth + 1 entries), and a slice is
  // taken whole only where the counter's `room` holds its longest token (slice_chars).
  void lexeme_walk(const TokenTrie& trie, int32_t state, const uint32_t* roots, size_t n_roots, uint32_t* alive,
                   std::vector<int32_t>* alive_ids, std::vector<uint32_t>& boundary_nodes, std::vector<int32_t>& boundary_states,
                   int32_t* stack, int32_t count = -1, int32_t* counts = nullptr) const;
};

}  // namespace constrain
