"""Validator for channel_vit_implementation: only the two open regions changed; probes run the agent's model on
grading-time weights and inputs and a judge compares with the reference (hidden/judge.py); the visible tests,
run from their pristine copy, are shown."""
ALLOWED = ["PatchEmbedPerChannel", "ChannelViT.prepare_tokens"]


def test_channel_vit_implementation(grading):
    grading.check_regions("channel_vit.py", ALLOWED)
    grading.observe_and_judge("probes.py", "judge.py", probe_timeout=300)
    visible = grading.run_tests(["test_channel_vit.py"], expect_passed=3, timeout=300)
    grading.note("visible tests (pristine copy)", visible.summary())
