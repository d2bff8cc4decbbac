// The byte-level NFA of a DFA over code-point columns: the expansion step of
// constrain/automata/utf8_expand.py (that module states the invariants; this builds the same
// NFA it describes, state for state, as flat arrays for subset_construction, csrc/subset.h).
#pragma once

#include <cstdint>
#include <vector>

namespace constrain {

struct ByteRange {
  int32_t lo, hi;  // inclusive
  bool operator==(const ByteRange& o) const { return lo == o.lo && hi == o.hi; }
};

// One spelling of some characters: byte i of the spelling lies in ranges[i].
using Spelling = std::vector<ByteRange>;

// The character moves, grouped: state s moves to target[k] on the characters of group[k]
// for k in [begin[s], begin[s+1]); `spellings[g]` spells the characters of group g.
struct GroupedMoves {
  int32_t n_states = 0;
  std::vector<int32_t> begin{0}, target, group;
  std::vector<std::vector<Spelling>> spellings;
};

struct ByteNFA {
  int32_t n_states = 0;
  int32_t start = 0;
  std::vector<int32_t> class_of;                        // 256 entries: byte -> byte class
  std::vector<int32_t> move_begin, move_class, move_target;   // CSR over states, as subset.h reads
};

// States 0..n-1 are the character states; each move's spellings become byte paths whose
// inner states are shared by (remaining ranges, target), numbered from n in the order they
// are first needed. With `quote` >= 0, two more states: an opening one (the start) that reads
// the quote into state 0, and a closing one that every `accepting` character state reaches
// on the quote. Byte classes are the maximal byte intervals no edge endpoint splits.
ByteNFA byte_nfa(const GroupedMoves& moves, const uint8_t* accepting, int32_t quote);

}  // namespace constrain
