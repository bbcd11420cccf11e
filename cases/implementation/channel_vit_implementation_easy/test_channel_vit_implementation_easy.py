"""Validator for channel_vit_implementation_easy (grading as channel_vit_implementation): only the two open
regions changed; probes and the judge decide (hidden/judge.py); the visible tests (pristine copy) are shown."""
ALLOWED = ["PatchEmbedPerChannel", "ChannelViT.prepare_tokens"]


def test_channel_vit_implementation_easy(grading):
    grading.check_regions("channel_vit.py", ALLOWED)
    grading.observe_and_judge("probes.py", "judge.py", probe_timeout=300)
    visible = grading.run_tests(["test_channel_vit.py"], expect_passed=3, timeout=300)
    grading.note("visible tests (pristine copy)", visible.summary())
