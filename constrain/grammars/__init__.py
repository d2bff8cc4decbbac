"""constrain.grammars: front ends (regex, Lark, JSON Schema, KG paths) that compile to Matchers."""
