"""Validator for channel_vit_implementation_no_test (grading as channel_vit_implementation; the agent got no
tests): only the two open regions changed; probes and the judge decide (hidden/judge.py)."""
ALLOWED = ["PatchEmbedPerChannel", "ChannelViT.prepare_tokens"]


def test_channel_vit_implementation_no_test(grading):
    grading.check_regions("channel_vit.py", ALLOWED)
    grading.observe_and_judge("probes.py", "judge.py", probe_timeout=300)
