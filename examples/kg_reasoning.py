"""Graph-constrained reasoning (GCR): the model may only write reasoning paths that exist in a
knowledge graph. Builds a small graph of hand-written facts, asks the default model a question,
and decodes K beams under the KG path constraint; every printed path is grounded in the graph.

    python examples/kg_reasoning.py [--beams 5] [--model PATH_OR_NAME]

transformers 5 ships no group beam search offline (it moved to the Hub), so this uses plain
beam search with K returned sequences; `end_after_close=True` makes each sequence one path
followed by EOS, so K distinct sequences are K distinct paths.
"""
from __future__ import annotations

import argparse

from constrain import KnowledgeGraph, LogitsProcessor, Vocabulary, compile_kg_paths
from constrain.models import load_model

# country: (capital, continent, official language, currency, other cities)
COUNTRIES = {
    "Australia": ("Canberra", "Oceania", "English", "Australian dollar", ["Sydney", "Melbourne", "Perth"]),
    "Brazil": ("Brasília", "South America", "Portuguese", "Brazilian real", ["São Paulo", "Rio de Janeiro"]),
    "Canada": ("Ottawa", "North America", "English", "Canadian dollar", ["Toronto", "Vancouver", "Montreal"]),
    "China": ("Beijing", "Asia", "Mandarin", "Renminbi", ["Shanghai", "Shenzhen"]),
    "Egypt": ("Cairo", "Africa", "Arabic", "Egyptian pound", ["Alexandria", "Giza"]),
    "France": ("Paris", "Europe", "French", "Euro", ["Lyon", "Marseille", "Nice"]),
    "Germany": ("Berlin", "Europe", "German", "Euro", ["Munich", "Hamburg", "Cologne"]),
    "India": ("New Delhi", "Asia", "Hindi", "Indian rupee", ["Mumbai", "Bangalore", "Chennai"]),
    "Italy": ("Rome", "Europe", "Italian", "Euro", ["Milan", "Naples", "Turin"]),
    "Japan": ("Tokyo", "Asia", "Japanese", "Japanese yen", ["Osaka", "Kyoto", "Sapporo"]),
    "Kenya": ("Nairobi", "Africa", "Swahili", "Kenyan shilling", ["Mombasa"]),
    "Mexico": ("Mexico City", "North America", "Spanish", "Mexican peso", ["Guadalajara", "Monterrey"]),
    "Nigeria": ("Abuja", "Africa", "English", "Naira", ["Lagos", "Kano"]),
    "Norway": ("Oslo", "Europe", "Norwegian", "Norwegian krone", ["Bergen"]),
    "Peru": ("Lima", "South America", "Spanish", "Sol", ["Cusco", "Arequipa"]),
    "Russia": ("Moscow", "Europe", "Russian", "Russian ruble", ["Saint Petersburg", "Kazan"]),
    "South Africa": ("Pretoria", "Africa", "Zulu", "South African rand", ["Cape Town", "Johannesburg"]),
    "South Korea": ("Seoul", "Asia", "Korean", "South Korean won", ["Busan"]),
    "Spain": ("Madrid", "Europe", "Spanish", "Euro", ["Barcelona", "Seville", "Valencia"]),
    "Sweden": ("Stockholm", "Europe", "Swedish", "Swedish krona", ["Gothenburg"]),
    "Turkey": ("Ankara", "Asia", "Turkish", "Turkish lira", ["Istanbul", "Izmir"]),
    "United Kingdom": ("London", "Europe", "English", "Pound sterling", ["Manchester", "Edinburgh"]),
    "United States": ("Washington, D.C.", "North America", "English", "United States dollar",
                      ["New York City", "Los Angeles", "Chicago"]),
}
PEOPLE = [
    ("Albert Einstein", "born in", "Ulm"), ("Ulm", "located in", "Germany"),
    ("Albert Einstein", "field", "Physics"), ("Marie Curie", "born in", "Warsaw"),
    ("Warsaw", "capital of", "Poland"), ("Marie Curie", "field", "Chemistry"),
    ("Frida Kahlo", "born in", "Mexico City"), ("Haruki Murakami", "born in", "Kyoto"),
    ("Pablo Picasso", "born in", "Málaga"), ("Málaga", "located in", "Spain"),
    ("Nelson Mandela", "born in", "Mvezo"), ("Mvezo", "located in", "South Africa"),
    ("Leonardo da Vinci", "born in", "Vinci"), ("Vinci", "located in", "Italy"),
]


def facts() -> list[tuple[str, str, str]]:
    out = list(PEOPLE)
    for country, (capital, continent, language, currency, cities) in COUNTRIES.items():
        out += [(country, "capital", capital), (country, "continent", continent),
                (country, "official language", language), (country, "currency", currency)]
        out += [(city, "located in", country) for city in [capital] + cities]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beams", type=int, default=5)
    ap.add_argument("--model", default=None, help="default: constrain's default model")
    ap.add_argument("--hops", type=int, default=3)
    ap.add_argument("--question", default="Which currency is used where Pablo Picasso was born?")
    ap.add_argument("--entity", action="append", help="question entity (repeatable); default: Pablo Picasso")
    args = ap.parse_args()
    entities = args.entity or ["Pablo Picasso"]

    kg = KnowledgeGraph(facts(), add_inverse=True, inverse_relation="{r} (inverse)")
    print(f"{kg}; question entities: {entities}")
    model, tokenizer = load_model(args.model)
    vocab = Vocabulary.from_hf(tokenizer, size=model.config.vocab_size)
    grammar = compile_kg_paths(kg, entities, vocab, tokenizer=tokenizer, max_hops=args.hops, start_inside=True,
                               end_after_close=True)
    print(f"{len(grammar.texts)} candidate paths of <= {args.hops} hops")

    shot = ("Question: Which continent is Nairobi in?\n# Reasoning Path:\n"
            "<PATH>Nairobi -> located in -> Kenya -> continent -> Africa</PATH>\n\n")
    prompt = f"{shot}Question: {args.question}\n# Reasoning Path:\n<PATH>"
    inputs = tokenizer(prompt, return_tensors="pt")
    out = model.generate(**inputs, num_beams=args.beams, num_return_sequences=args.beams, do_sample=False,
                         max_new_tokens=48, logits_processor=[LogitsProcessor(grammar, pad_token_id=tokenizer.pad_token_id)],
                         pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
    found = []
    for row in out[:, inputs["input_ids"].shape[1]:]:
        ids = [int(t) for t in row if int(t) != (tokenizer.pad_token_id or -1)]
        found += [p for p in grammar.paths_in(ids) if p not in found]
    print(f"{len(found)} distinct grounded paths from {args.beams} beams:")
    for path in found:
        assert all(kg.has_triple(*hop) for hop in path)
        print("  " + " -> ".join([path[0][0]] + [f"{r} -> {t}" for _, r, t in path]))


if __name__ == "__main__":
    main()
