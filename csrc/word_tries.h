// Tries of words as byte DFAs, built by byte class without a byte table. `words_trie`: the
// DFA of exactly the words. `words_excluded`: the language of a byte DFA less a finite set of
// words, built as the DFA with the trie of the words laid over it (each trie node paired with the state its prefix reaches in the
// base; a byte that leaves the trie leads back into the base), without a product
// construction. Used for the keys of a JSON object other than its named properties.
//
// Invariants of words_excluded's result: state 0 is the trie's root; it accepts exactly the base's
// strings (read from `start`) that are not among the words; every state is reachable from
// state 0 and, when the base is trimmed, can reach acceptance (but state 0 when nothing is
// left to accept).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "byte_dfa.h"

namespace constrain {

ByteDFA words_excluded(const ByteDFA& base, int32_t start, const std::vector<std::string_view>& words);

// The trie of `words`: state 0 the root, a state per distinct prefix (so every state is
// reachable and, lying on a word, co-reachable), accepting where a word ends.
ByteDFA words_trie(const std::vector<std::string_view>& words);

}  // namespace constrain
