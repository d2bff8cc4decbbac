// TokenTrie: every text token of a vocabulary, as byte tries laid out in DFS order, one per
// token slice (slices.h).
//
// Invariants:
// - the trie of slice k is the node range [roots[k], nodes[roots[k]].skip): its root (no byte,
//   depth 0) then its nodes in depth-first, byte-sorted order; roots[0] = 0 is the trie of
//   the tokens in no slice, and the slice tries follow it in slice order;
// - nodes[i].skip is the index of the first node after the subtree of node i, so a walk
//   that finds node i dead jumps there without visiting its descendants;
// - nodes[i].depth is the number of bytes from its root to node i (roots: 0);
// - the tokens whose bytes end exactly at node i are ids[nodes[i].ids_begin .. nodes[i+1].ids_begin);
//   nodes has one sentinel entry past the last node for that purpose. nodes[i].id is the
//   first of them (-1 when none) and nodes[i].more is set when there are several (tokens
//   with equal bytes), so the common case needs no second read;
// - slice k >= 1 has a language (languages[k - 1]) accepting each of its tokens, the languages
//   are nested (every prefix of a string of L_k is a prefix of one of L_k+1), and
//   slice_words[k] is the bit mask of the slice's tokens (ceil(vocab_size/32) words).
// The node fields sit in one packed array so the per-node walk reads one cache stream.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "slices.h"

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
  std::vector<uint32_t> parent;  // per node (a root: itself)
  std::vector<int32_t> ids;
  std::vector<uint32_t> tok_begin;  // per token id + 1: offsets into tok_data
  std::vector<uint8_t> tok_data;
  std::vector<uint32_t> tok_node;   // per token id: its trie node, 0 when the id is not text
  std::vector<uint32_t> roots;      // per slice
  std::vector<SliceLanguage> languages;             // per slice k >= 1, at k - 1
  std::vector<std::vector<uint32_t>> slice_words;   // per slice (slice 0: empty)
  // per slice: the most characters (UTF-8 lead bytes) of one of its tokens (slice 0: 0)
  std::vector<int32_t> slice_chars;
  int max_depth = 0;

  // tokens[i] is the bytes of id i, or empty for ids that are never text; slice_of[i] (empty:
  // all 0) is its slice, 0 or k for languages[k - 1]. Throws invalid_argument when a token is
  // not in its slice's language or the languages are not nested.
  TokenTrie(const std::vector<std::string>& tokens, int32_t vocab_size, const std::vector<uint8_t>& slice_of = {},
            std::vector<SliceLanguage> languages = {});

  size_t n_nodes() const { return nodes.size() - 1; }
  size_t n_slices() const { return roots.size(); }
  size_t words() const { return (static_cast<size_t>(vocab_size) + 31) / 32; }
  std::string node_bytes(uint32_t node) const;
  // Entries of the state stack a walk needs.
  size_t stack_size() const { return static_cast<size_t>(max_depth) + 1; }
  bool is_text(int32_t id) const {
    return id >= 0 && id < vocab_size && static_cast<size_t>(id) + 1 < tok_begin.size() &&
           tok_begin[id + 1] > tok_begin[id];
  }

 private:
  // Appends the trie of the tokens `order` (sorted by bytes) below a new root.
  void add_trie(const std::vector<std::string>& tokens, const std::vector<int32_t>& order,
                std::vector<std::vector<int32_t>>& node_ids);
};

}  // namespace constrain
