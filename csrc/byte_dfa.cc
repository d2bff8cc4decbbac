#include "byte_dfa.h"

#include <cstring>

namespace constrain {

int32_t ByteDFA::walk_token(const TokenTrie& trie, int32_t state, int32_t id) const {
  if (!trie.is_text(id)) return kDead;
  const char* data = reinterpret_cast<const char*>(trie.tok_data.data());
  return walk(state, std::string_view(data + trie.tok_begin[id], trie.tok_begin[id + 1] - trie.tok_begin[id]));
}

void ByteDFA::token_masks(const TokenTrie& trie, int32_t state, uint32_t* alive, uint32_t* ends_accepting,
                          int32_t* stack) const {
  const size_t words = (static_cast<size_t>(trie.vocab_size) + 31) / 32;
  std::memset(alive, 0, words * sizeof(uint32_t));
  if (ends_accepting) std::memset(ends_accepting, 0, words * sizeof(uint32_t));
  const size_t n = trie.n_nodes();
  const uint8_t* byte = trie.byte.data();
  const uint16_t* depth = trie.depth.data();
  const uint32_t* skip = trie.skip.data();
  const uint32_t* ids_begin = trie.ids_begin.data();
  const int32_t* ids = trie.ids.data();
  const int32_t* trans = this->trans.data();
  stack[0] = state;
  size_t i = 1;
  while (i < n) {
    const int32_t s = trans[static_cast<size_t>(stack[depth[i] - 1]) * 256 + byte[i]];
    if (s == kDead) {
      i = skip[i];
      continue;
    }
    stack[depth[i]] = s;
    for (uint32_t k = ids_begin[i]; k < ids_begin[i + 1]; ++k) {
      const uint32_t id = static_cast<uint32_t>(ids[k]);
      alive[id >> 5] |= 1u << (id & 31);
      if (ends_accepting && accepting[s]) ends_accepting[id >> 5] |= 1u << (id & 31);
    }
    ++i;
  }
}

void ByteDFA::lexeme_walk(const TokenTrie& trie, int32_t state, const uint32_t* roots, size_t n_roots,
                          uint32_t* alive, std::vector<uint32_t>& boundary_nodes,
                          std::vector<int32_t>& boundary_states, int32_t* stack) const {
  const uint8_t* byte = trie.byte.data();
  const uint16_t* depth = trie.depth.data();
  const uint32_t* skip = trie.skip.data();
  const uint32_t* ids_begin = trie.ids_begin.data();
  const int32_t* ids = trie.ids.data();
  const int32_t* trans = this->trans.data();
  const uint8_t* acc = accepting.data();
  for (size_t r = 0; r < n_roots; ++r) {
    const uint32_t root = roots[r];
    size_t i = root == 0 ? 1 : root;
    const size_t end = skip[root];
    stack[root == 0 ? 0 : depth[root] - 1] = state;
    while (i < end) {
      const int32_t parent = stack[depth[i] - 1];
      const int32_t s = trans[static_cast<size_t>(parent) * 256 + byte[i]];
      if (s == kDead) {
        if (acc[parent]) {
          boundary_nodes.push_back(static_cast<uint32_t>(i));
          boundary_states.push_back(parent);
        }
        i = skip[i];
        continue;
      }
      stack[depth[i]] = s;
      for (uint32_t k = ids_begin[i]; k < ids_begin[i + 1]; ++k) {
        const uint32_t id = static_cast<uint32_t>(ids[k]);
        alive[id >> 5] |= 1u << (id & 31);
      }
      ++i;
    }
  }
}

}  // namespace constrain
