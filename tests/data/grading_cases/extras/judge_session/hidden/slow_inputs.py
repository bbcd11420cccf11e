"""A judge whose inputs() never returns in time (the judge_session case)."""
import time


def inputs(seed, profile):
    time.sleep(600)


def judge(inputs, observed, profile):
    raise AssertionError("never reached")
