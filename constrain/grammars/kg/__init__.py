"""Knowledge-graph constrained reasoning (GCR's KG-Trie): graphs, paths, and the path grammar."""
from constrain.grammars.kg.graph import KnowledgeGraph, PathSet
from constrain.grammars.kg.matcher import KGPathGrammar, compile_kg_paths
from constrain.grammars.kg.synthetic import synthetic_graph

__all__ = ["KGPathGrammar", "KnowledgeGraph", "PathSet", "compile_kg_paths", "synthetic_graph"]
