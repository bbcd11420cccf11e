"""Write every JSON file the prompt mentions with plausible values; touch every other mentioned file."""
data = json.dumps(plausible_json(), indent=2)
for rel in mentioned_files():
    if rel.endswith((".json", ".jsonl")):
        write(WS / rel, data)
    else:
        touch(WS / rel)
for rel in mentioned_dirs():
    (WS / rel).mkdir(parents=True, exist_ok=True)
    if not any((WS / rel).iterdir()):
        write(WS / rel / "results.json", data)
log("wrote", mentioned_paths())
