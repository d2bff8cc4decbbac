// TokenTrie: every text token of a vocabulary, as a byte trie laid out in DFS order.
//
// Invariants:
// - node 0 is the root (no byte); nodes 1..n-1 follow in depth-first, byte-sorted order;
// - nodes[i].skip is the index of the first node after the subtree of node i, so a walk
//   that finds node i dead jumps there without visiting its descendants;
// - nodes[i].depth is the number of bytes from the root to node i (root: 0);
// - the tokens whose bytes end exactly at node i are ids[nodes[i].ids_begin .. nodes[i+1].ids_begin);
//   nodes has one sentinel entry past the last node for that purpose. nodes[i].id is the
//   first of them (-1 when none) and nodes[i].more is set when there are several (tokens
//   with equal bytes), so the common case needs no second read.
// The node fields sit in one packed array so the per-node walk reads one cache stream.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace constrain {

struct TrieNode {
  uint32_t skip;
  uint32_t ids_begin;
  int32_t id;
  uint16_t depth;
  uint8_t byte;
  uint8_t more;
};

struct TokenTrie {
  int32_t vocab_size = 0;        // width of masks (logits), in token ids
  std::vector<TrieNode> nodes;   // per node, plus one sentinel
  std::vector<uint32_t> parent;  // per node (root: 0)
  std::vector<int32_t> ids;
  std::vector<uint32_t> tok_begin;  // per token id + 1: offsets into tok_data
  std::vector<uint8_t> tok_data;
  std::vector<uint32_t> tok_node;   // per token id: its trie node, 0 when the id is not text
  int max_depth = 0;

  // tokens[i] is the bytes of id i, or empty for ids that are never text.
  TokenTrie(const std::vector<std::string>& tokens, int32_t vocab_size);

  size_t n_nodes() const { return nodes.size() - 1; }
  std::string node_bytes(uint32_t node) const;
  // Entries of the state stack a walk needs.
  size_t stack_size() const { return static_cast<size_t>(max_depth) + 1; }
  bool is_text(int32_t id) const {
    return id >= 0 && id < vocab_size && static_cast<size_t>(id) + 1 < tok_begin.size() &&
           tok_begin[id + 1] > tok_begin[id];
  }
};

}  // namespace constrain
