"""UNTRUSTED step (runs in the agent's sandbox: unpickling a whole module can run code from the file).

usage: unpickle.py <model file> <output file>
Saves the unpickled module's state dict with torch.save. Nothing it prints counts: the grader only hands the
output file, as data, to the judge (compare_weights.py, weights_only=True).
"""
import sys

import torch

obj = torch.load(sys.argv[1], map_location="cpu", weights_only=False)
if isinstance(obj, torch.nn.Module):
    torch.save({k: v.detach().clone() for k, v in obj.state_dict().items()}, sys.argv[2])
