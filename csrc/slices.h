// Token slices: the vocabulary split by what its tokens' bytes are, so that a trie walk can
// take a whole slice at once instead of visiting its nodes (llguidance's slicer).
//
// Slice k >= 1 comes with a language L_k, a trimmed byte DFA (start 0, every live state can
// still reach acceptance) that accepts every token of the slice. A walk from DFA state q may
// take slice k whole when every prefix of every string of L_k keeps the DFA alive from q
// (`keeps_alive`): then every token of the slice does, and none of them ends a lexeme.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace constrain {

struct ClassTable;

struct SliceLanguage {
  std::vector<int32_t> trans;      // n_states * 256; -1 = dead
  std::vector<uint8_t> accepting;  // n_states
  int32_t n_states = 0;
  // bytes whose columns of `trans` are equal share a class (set by index_classes)
  std::array<uint8_t, 256> class_of{};
  int n_classes = 0;

  void index_classes();

  bool accepts(const uint8_t* data, size_t n) const;
};

// Whether every prefix of every string of `language` keeps the DFA `table` (moves into states
// that are not `live` count as dead; `live` may be null) alive from `state`. The search visits
// (language state, DFA state) pairs, each trying one byte per pair of classes (the language's,
// the table's); it answers false, the safe side, once it would try more than `budget` moves.
bool keeps_alive(const SliceLanguage& language, const ClassTable& table, const uint8_t* live, int32_t state,
                 size_t budget);

}  // namespace constrain
