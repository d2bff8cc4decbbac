// Token slices: the vocabulary split by what its tokens' bytes are, so that a trie walk can
// take a whole slice at once instead of visiting its nodes (llguidance's slicer).
//
// Slice k >= 1 comes with a language L_k, a trimmed byte DFA (start 0, every live state can
// still reach acceptance) that accepts every token of the slice. A walk from DFA state q may
// take slice k whole when every prefix of every string of L_k keeps the DFA alive from q
// (`keeps_alive`): then every token of the slice does, and none of them ends a lexeme.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace constrain {

struct ClassTable;

struct SliceLanguage {
  std::vector<int32_t> trans;      // n_states * 256; -1 = dead
  std::vector<uint8_t> accepting;  // n_states
  int32_t n_states = 0;

  bool accepts(const uint8_t* data, size_t n) const;
};

// Whether every prefix of every string of `language` keeps the DFA `table` (moves into states
// that are not `live` count as dead; `live` may be null) alive from `state`. Answers false,
// the safe side, when deciding it would visit more than `budget` (language state, DFA state)
// pairs.
bool keeps_alive(const SliceLanguage& language, const ClassTable& table, const uint8_t* live, int32_t state,
                 size_t budget);

}  // namespace constrain
