"""A judge whose judge() never returns in time (the judge_session case)."""
import time


def inputs(seed, profile):
    return {"probes": ["echo"], "x": [1.0]}


def judge(inputs, observed, profile):
    time.sleep(600)
