// Subset construction (NFA -> DFA over symbol classes) and Hopcroft's partition refinement:
// the two costly steps of compiling a regex (constrain/automata/determinize.py and
// minimize.py prepare the inputs and shape the outputs).
//
// NFA layout, every list in CSR form (`x_begin` has n_states + 1 entries):
// - moves: state s reads class move_class[k] into move_target[k], k in [move_begin[s], move_begin[s+1]);
// - eps: free moves; bos: moves allowed only before any symbol (^); eos: moves allowed only at
//   the end of the input ($), followed only when deciding acceptance;
// - tags: the tags accepted on reaching a state.
// A DFA state is identified by its kernel (closure states that have moves) and its tags;
// state 0 is the start's closure (the only one that follows bos moves); a move is -1 when its
// target closure has neither kernel nor tags.
#pragma once

#include <cstdint>
#include <vector>

namespace constrain {

struct CSR {
  const int32_t* begin;
  const int32_t* value;
  const int32_t* end_of(int32_t s) const { return value + begin[s + 1]; }
  const int32_t* start_of(int32_t s) const { return value + begin[s]; }
};

struct NFAView {
  int32_t n_states = 0;
  int32_t start = 0;
  CSR move_class, move_target;  // share move_class.begin
  CSR eps, bos, eos, tags;
};

struct SubsetResult {
  std::vector<int32_t> trans;       // n_states * n_classes, -1 = dead
  std::vector<int32_t> tag_begin;   // n_states + 1
  std::vector<int32_t> tags;        // ascending per state
  int32_t n_states = 0;
  bool too_large = false;           // stopped when the state count passed max_states
};

SubsetResult subset_construction(const NFAView& nfa, int32_t n_classes, int32_t max_states);

// Coarsest partition of the states of a complete DFA (trans: n * k, values in [0, n)) that
// separates states of different `group` ids and is compatible with the moves; block per state.
std::vector<int32_t> hopcroft(const int32_t* trans, int32_t n, int32_t k, const int32_t* group);

// Per state of a DFA (`trans`: n x k, -1 = dead), whether it can reach an accepting state:
// a backward search over the predecessor lists, linear in the moves.
std::vector<uint8_t> coreachable(const int32_t* trans, int32_t n, int32_t k, const uint8_t* accepting);

}  // namespace constrain
