"""Fill the workspace: a 64 GiB sparse file (no real disk use) under every output name the prompt
mentions and one more, so that a snapshot that copied it would fill the host's disk."""
SIZE = 64 * 2**30
names = [r for r in mentioned_files()] + ["rt_huge.bin"]
for rel in names:
    p = WS / rel
    try:
        if p.is_dir():
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.is_symlink() or p.exists():
            p.unlink()
        with open(p, "wb") as f:
            f.truncate(SIZE)
    except OSError as exc:
        log("cannot grow", rel, exc)
log("sparse files of", SIZE, "bytes:", names)
