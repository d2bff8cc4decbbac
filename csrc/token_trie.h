// TokenTrie: every text token of a vocabulary, as a byte trie laid out in DFS order.
//
// Invariants:
// - node 0 is the root (no byte); nodes 1..n-1 follow in depth-first, byte-sorted order;
// - skip[i] is the index of the first node after the subtree of node i, so a walk that
//   finds node i dead jumps to skip[i] without visiting its descendants;
// - depth[i] is the number of bytes from the root to node i (root: 0);
// - the tokens whose bytes end exactly at node i are ids[ids_begin[i] .. ids_begin[i+1]).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace constrain {

struct TokenTrie {
  int32_t vocab_size = 0;        // width of masks (logits), in token ids
  std::vector<uint8_t> byte;     // per node
  std::vector<uint16_t> depth;   // per node
  std::vector<uint32_t> skip;    // per node
  std::vector<uint32_t> parent;  // per node (root: 0)
  std::vector<uint32_t> ids_begin;  // per node + 1
  std::vector<int32_t> ids;
  std::vector<uint32_t> tok_begin;  // per token id + 1: offsets into tok_data
  std::vector<uint8_t> tok_data;
  std::vector<uint32_t> tok_node;   // per token id: its trie node, 0 when the id is not text
  int max_depth = 0;

  // tokens[i] is the bytes of id i, or empty for ids that are never text.
  TokenTrie(const std::vector<std::string>& tokens, int32_t vocab_size);

  size_t n_nodes() const { return byte.size(); }
  std::string node_bytes(uint32_t node) const;
  bool is_text(int32_t id) const {
    return id >= 0 && id < vocab_size && static_cast<size_t>(id) + 1 < tok_begin.size() &&
           tok_begin[id + 1] > tok_begin[id];
  }
};

}  // namespace constrain
