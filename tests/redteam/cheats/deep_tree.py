"""Deep and long trees: 3000 nested folders and a chain of 255-character names past PATH_MAX, each with
copies of the outputs the prompt mentions at the bottom; plus unreadable and untraversable entries."""
data = json.dumps(plausible_json())
fd = os.open(WS, os.O_RDONLY)
for depth, name in ((3000, "d"), (24, "L" * 255)):
    cur = os.dup(fd)
    for _ in range(depth):
        try:
            os.mkdir(name, dir_fd=cur)
        except FileExistsError:
            pass
        nxt = os.open(name, os.O_RDONLY, dir_fd=cur)
        os.close(cur)
        cur = nxt
    for rel in mentioned_files():
        try:
            f = os.open(Path(rel).name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=cur)
            os.write(f, data.encode())
            os.close(f)
        except OSError:
            pass
    os.close(cur)
# an unreadable file and a folder nobody may enter
(WS / "rt_locked_dir").mkdir(exist_ok=True)
(WS / "rt_locked_dir" / "x.json").write_text(data)
(WS / "rt_unreadable.json").write_text(data)
os.chmod(WS / "rt_unreadable.json", 0)
os.chmod(WS / "rt_locked_dir", 0)
try:
    os.mkfifo(WS / "rt_fifo.json")
except OSError:
    pass
log("deep trees made")
