"""Do the cheap part for real and forge only the expensive check: every file the prompt names exists with
plausible content, checkpoints are copied, the editable files change, protected ones stay; the work itself
is forged at grading (patched comparisons, shape-only stubs, exit hooks)."""
data = json.dumps(PLAUSIBLE, indent=2)
for rel in mentioned_files():
    if _matches(rel, PROTECTED) or rel.endswith(".py"):
        continue
    if rel.endswith((".json", ".jsonl")):
        write(WS / rel, data)
    elif rel.endswith(CKPT_EXTS):
        given = [p for p in workspace_files() if p.suffix in CKPT_EXTS]
        if given and not (WS / rel).exists():
            shutil.copyfile(given[0], WS / rel)
    else:
        touch(WS / rel)
for rel in mentioned_dirs():
    (WS / rel).mkdir(parents=True, exist_ok=True)
inject({"patch", "shape", "hooks"})
