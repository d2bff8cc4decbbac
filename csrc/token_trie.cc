#include "token_trie.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string_view>

namespace constrain {

TokenTrie::TokenTrie(const std::vector<std::string>& tokens, int32_t vocab_size_)
    : vocab_size(vocab_size_) {
  if (vocab_size < static_cast<int32_t>(tokens.size()))
    throw std::invalid_argument("vocab_size is smaller than the number of tokens");

  tok_begin.assign(tokens.size() + 1, 0);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].size() > 0xFFFF) throw std::invalid_argument("token longer than 65535 bytes");
    tok_begin[i + 1] = tok_begin[i] + static_cast<uint32_t>(tokens[i].size());
  }
  tok_data.reserve(tok_begin.back());
  for (const auto& t : tokens) tok_data.insert(tok_data.end(), t.begin(), t.end());
  tok_node.assign(tokens.size(), 0);

  std::vector<int32_t> order;
  order.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i)
    if (!tokens[i].empty()) order.push_back(static_cast<int32_t>(i));
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return tokens[a] < tokens[b]; });

  // Root, then one path of new nodes per token below its longest common prefix with the
  // previous token. `path[d]` is the node at depth d on the current path.
  std::vector<uint8_t> byte{0};
  std::vector<uint16_t> depth{0};
  std::vector<uint32_t> skip{0};
  parent.push_back(0);
  std::vector<uint32_t> path{0};
  std::vector<std::vector<int32_t>> node_ids(1);
  std::string_view prev;
  for (int32_t id : order) {
    std::string_view cur(tokens[id]);
    size_t lcp = 0;
    while (lcp < prev.size() && lcp < cur.size() && prev[lcp] == cur[lcp]) ++lcp;
    while (path.size() > lcp + 1) {
      skip[path.back()] = static_cast<uint32_t>(byte.size());
      path.pop_back();
    }
    for (size_t d = lcp; d < cur.size(); ++d) {
      parent.push_back(path.back());
      path.push_back(static_cast<uint32_t>(byte.size()));
      byte.push_back(static_cast<uint8_t>(cur[d]));
      depth.push_back(static_cast<uint16_t>(d + 1));
      skip.push_back(0);
      node_ids.emplace_back();
    }
    node_ids[path.back()].push_back(id);
    tok_node[id] = path.back();
    max_depth = std::max<int>(max_depth, static_cast<int>(cur.size()));
    prev = cur;
  }
  while (!path.empty()) {
    skip[path.back()] = static_cast<uint32_t>(byte.size());
    path.pop_back();
  }
  nodes.resize(byte.size() + 1);
  uint32_t n_ids = 0;
  for (size_t i = 0; i < byte.size(); ++i) {
    const auto& here = node_ids[i];
    nodes[i] = TrieNode{skip[i], n_ids, here.empty() ? -1 : here[0], depth[i], byte[i],
                        static_cast<uint8_t>(here.size() > 1)};
    n_ids += static_cast<uint32_t>(node_ids[i].size());
  }
  nodes.back() = TrieNode{static_cast<uint32_t>(byte.size()), n_ids, -1, 0, 0, 0};
  ids.reserve(n_ids);
  for (auto& v : node_ids) ids.insert(ids.end(), v.begin(), v.end());
}

std::string TokenTrie::node_bytes(uint32_t node) const {
  std::string out(nodes[node].depth, '\0');
  for (uint32_t n = node; n != 0; n = parent[n]) out[nodes[n].depth - 1] = static_cast<char>(nodes[n].byte);
  return out;
}

}  // namespace constrain
