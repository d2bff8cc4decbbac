// The union of several byte DFAs as one DFA whose states are the tuples of live component
// states (the product construction, kept sparse: a tuple lists only its live components).
//
// Invariants of the result: state 0 is the tuple of the components' start states; every
// state is reachable from it; a move is kDead iff every component dies on that byte; the
// union is trimmed whenever every component is (a live component can still accept); `tags`
// of a state are the indices of the components that accept there, ascending; `members` of a
// state are its live components and their states, (component, state) pairs by component.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "byte_dfa.h"

namespace constrain {

struct DFAUnion {
  // moves by byte class: state s goes to class_trans[s * n_classes + class_of[b]] on byte b
  std::vector<int32_t> class_trans;    // n_states * n_classes
  std::array<uint8_t, 256> class_of{};
  int n_classes = 0;
  std::vector<uint32_t> tag_begin;     // n_states + 1 (CSR over tags)
  std::vector<int32_t> tags;
  std::vector<uint32_t> member_begin;  // n_states + 1 (CSR over members)
  std::vector<int32_t> members;        // 2 entries per member: component, component state
  int32_t n_states = 0;
  bool too_large = false;              // stopped at max_states

  // the n_states * 256 byte moves into `trans`
  void byte_moves(int32_t* trans) const;
};

// `parts[i]` is component i's class_table (byte_dfa.h) with n_states[i] states, `accepting[i]`
// has n_states[i] entries; starts are state 0.
DFAUnion union_dfa(const std::vector<const ClassTable*>& parts, const std::vector<const uint8_t*>& accepting,
                   const std::vector<int32_t>& n_states, int32_t max_states);

}  // namespace constrain
