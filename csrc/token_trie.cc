#include "token_trie.h"

#include "byte_dfa.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string_view>

namespace constrain {

TokenTrie::TokenTrie(const std::vector<std::string>& tokens, int32_t vocab_size_, const std::vector<uint8_t>& slice_of,
                     std::vector<SliceLanguage> languages_)
    : vocab_size(vocab_size_), languages(std::move(languages_)) {
  if (vocab_size < static_cast<int32_t>(tokens.size()))
    throw std::invalid_argument("vocab_size is smaller than the number of tokens");
  if (!slice_of.empty() && slice_of.size() != tokens.size())
    throw std::invalid_argument("slice_of needs one entry per token");
  for (const SliceLanguage& l : languages)
    if (l.n_states <= 0 || l.trans.size() != static_cast<size_t>(l.n_states) * 256 ||
        l.accepting.size() != static_cast<size_t>(l.n_states) ||
        std::any_of(l.trans.begin(), l.trans.end(), [&](int32_t t) { return t < -1 || t >= l.n_states; }))
      throw std::invalid_argument("a slice language must be a (n_states, 256) table with n_states accepting flags");
  for (SliceLanguage& l : languages) l.index_classes();
  for (size_t k = 0; k + 1 < languages.size(); ++k)
    if (!keeps_alive(languages[k], class_table(languages[k + 1].trans.data(), languages[k + 1].n_states), nullptr, 0,
                     SIZE_MAX))
      throw std::invalid_argument("slice languages must be nested");

  tok_begin.assign(tokens.size() + 1, 0);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].size() > 0xFFFF) throw std::invalid_argument("token longer than 65535 bytes");
    tok_begin[i + 1] = tok_begin[i] + static_cast<uint32_t>(tokens[i].size());
  }
  tok_data.reserve(tok_begin.back());
  for (const auto& t : tokens) tok_data.insert(tok_data.end(), t.begin(), t.end());
  tok_node.assign(tokens.size(), 0);

  const size_t n_slices_ = languages.size() + 1;
  std::vector<std::vector<int32_t>> order(n_slices_);
  slice_words.resize(n_slices_);
  slice_chars.assign(n_slices_, 0);
  for (size_t k = 1; k < n_slices_; ++k) slice_words[k].assign(words(), 0);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].empty()) continue;
    const size_t k = slice_of.empty() ? 0 : slice_of[i];
    if (k >= n_slices_) throw std::invalid_argument("slice_of names a slice without a language");
    if (k > 0) {
      const auto* data = reinterpret_cast<const uint8_t*>(tokens[i].data());
      if (!languages[k - 1].accepts(data, tokens[i].size()))
        throw std::invalid_argument("token " + std::to_string(i) + " is not in its slice's language");
      slice_words[k][i >> 5] |= 1u << (i & 31);
      const auto chars = std::count_if(data, data + tokens[i].size(), [](uint8_t b) { return (b & 0xC0) != 0x80; });
      slice_chars[k] = std::max(slice_chars[k], static_cast<int32_t>(chars));
    }
    order[k].push_back(static_cast<int32_t>(i));
  }
  std::vector<std::vector<int32_t>> node_ids;
  for (auto& o : order) {
    std::stable_sort(o.begin(), o.end(), [&](int32_t a, int32_t b) { return tokens[a] < tokens[b]; });
    add_trie(tokens, o, node_ids);
  }
  nodes.emplace_back();
  uint32_t n_ids = 0;
  for (size_t i = 0; i + 1 < nodes.size(); ++i) {
    const auto& here = node_ids[i];
    nodes[i].ids_begin = n_ids;
    nodes[i].id = here.empty() ? -1 : here[0];
    nodes[i].more = static_cast<uint8_t>(here.size() > 1);
    n_ids += static_cast<uint32_t>(here.size());
  }
  nodes.back() = TrieNode{static_cast<uint32_t>(nodes.size() - 1), n_ids, -1, 0, 0, 0};
  ids.reserve(n_ids);
  for (auto& v : node_ids) ids.insert(ids.end(), v.begin(), v.end());
}

void TokenTrie::add_trie(const std::vector<std::string>& tokens, const std::vector<int32_t>& order,
                         std::vector<std::vector<int32_t>>& node_ids) {
  // A root, then one path of new nodes per token below its longest common prefix with the
  // previous token. `path[d]` is the node at depth d on the current path.
  const auto new_node = [&](uint32_t parent_node, uint8_t byte, size_t depth) {
    const auto index = static_cast<uint32_t>(nodes.size());
    nodes.push_back(TrieNode{0, 0, -1, static_cast<uint16_t>(depth), byte, 0});
    parent.push_back(parent_node);
    node_ids.emplace_back();
    return index;
  };
  const uint32_t root = static_cast<uint32_t>(nodes.size());
  roots.push_back(new_node(root, 0, 0));
  std::vector<uint32_t> path{root};
  std::string_view prev;
  for (int32_t id : order) {
    std::string_view cur(tokens[id]);
    size_t lcp = 0;
    while (lcp < prev.size() && lcp < cur.size() && prev[lcp] == cur[lcp]) ++lcp;
    while (path.size() > lcp + 1) {
      nodes[path.back()].skip = static_cast<uint32_t>(nodes.size());
      path.pop_back();
    }
    for (size_t d = lcp; d < cur.size(); ++d) path.push_back(new_node(path.back(), static_cast<uint8_t>(cur[d]), d + 1));
    node_ids[path.back()].push_back(id);
    tok_node[id] = path.back();
    max_depth = std::max<int>(max_depth, static_cast<int>(cur.size()));
    prev = cur;
  }
  while (!path.empty()) {
    nodes[path.back()].skip = static_cast<uint32_t>(nodes.size());
    path.pop_back();
  }
}

std::string TokenTrie::node_bytes(uint32_t node) const {
  std::string out(nodes[node].depth, '\0');
  for (uint32_t n = node; nodes[n].depth != 0; n = parent[n]) out[nodes[n].depth - 1] = static_cast<char>(nodes[n].byte);
  return out;
}

}  // namespace constrain
