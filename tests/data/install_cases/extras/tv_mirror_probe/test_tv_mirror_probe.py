"""Records where torchvision's CIFAR-10 download goes from the task environment (used by tests/test_install.py)."""


def test_tv_mirror_probe(grading):
    url = (grading.snapshot / "url.txt").read_text().strip()
    grading.check("url: " + url, url.startswith("http://127.0.0.1") and url.endswith("/torchvision/cifar-10-python.tar.gz"))
