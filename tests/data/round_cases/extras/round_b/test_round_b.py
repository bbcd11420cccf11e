"""Passes when the agent wrote done.txt (tests/report/test_sequential.py runs these in rounds)."""


def test_round_b(grading):
    done = grading.grading_dir / "done.txt"
    grading.check("done.txt says done", done.is_file() and not done.is_symlink() and done.read_text() == "done")
