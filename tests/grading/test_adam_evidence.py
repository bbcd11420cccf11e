"""adam_evidence (judge side): a real Adam run aligns with its saved moments; forgeries do not; training_files_debug's
evidence holds for correct packages whatever they draw before or around the backbone."""
import json
import os
import subprocess
import tomllib
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "pytest_mldevbench" / "grading" / "scripts"

PROBE = r'''
import json, torch
from adam_evidence import adam_alignment

def net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))

def run(lr):
    model, g = net(), torch.Generator().manual_seed(1)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(50):
        x = torch.randn(32, 20, generator=g)
        loss = (model(x).squeeze(1) - x[:, :3].sum(1)).pow(2).mean()
        opt.zero_grad(); loss.backward(); opt.step()
    sd = opt.state_dict()
    return list(model.parameters()), [sd["state"].get(i) for i in range(4)], sd["param_groups"][0]

init = list(net().parameters())
out = {}
params, states, group = run(1e-2)
out["trained"] = adam_alignment(params, init, states, group)
params, states, group = run(0.0)  # real moments, weights never moved, then noise on every weight
g = torch.Generator().manual_seed(2)
noised = [p.detach() + 0.01 * torch.randn(p.shape, generator=g) for p in params]
out["noised"] = adam_alignment(noised, init, states, group)
random_states = [dict(s, exp_avg=torch.randn(s["exp_avg"].shape, generator=g)) for s in states]
out["random_moments"] = adam_alignment(noised, init, random_states, group)
out["untrained"] = adam_alignment(params, init, states, group)
out["missing_state"] = adam_alignment(noised, init, [None, *states[1:]], group)
bad = [dict(s, exp_avg_sq=-s["exp_avg_sq"] - 1) for s in states]
out["negative_second_moment"] = adam_alignment(noised, init, bad, group)
print(json.dumps(out))
'''


def test_alignment_separates_a_real_run_from_forgeries(task_python):
    proc = subprocess.run([task_python, "-c", PROBE], cwd=SCRIPTS, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["trained"]["alignment"] > 0.2 and out["trained"]["moved_fraction"] == 1.0, out
    assert abs(out["noised"]["alignment"]) < 0.1 and abs(out["random_moments"]["alignment"]) < 0.1, out
    assert out["untrained"] == {"displacement": 0.0, "moved_fraction": 0.0, "alignment": 0.0}, out
    assert out["missing_state"]["alignment"] == 0.0 and out["negative_second_moment"]["alignment"] == 0.0, out


CASE = Path(__file__).resolve().parents[2] / "cases" / "debugging" / "training_files_debug"

# training_files_debug's evidence on correct packages that build the backbone with other random draws around it
# (each keeps mobilenetv2_035, not pretrained, 10 classes, as the prompt asks), seeded as train.py does and trained
# 10 Adam steps at its 1e-3 (measured on real train.py runs: task.toml's min_adam_alignment), and on the cheat untrained-noised-moments' forgery.
VARIANTS = r'''
import json, timm, torch, torch.nn as nn
from eval_ckpt import batchnorm_params, reference_model, training_evidence
torch.set_num_threads(1)

def given():
    return timm.create_model("mobilenetv2_035", pretrained=False, num_classes=10)

def reset_classifier():
    model = timm.create_model("mobilenetv2_035", pretrained=False)
    model.reset_classifier(10)
    return model

def linear_head():
    model = given()
    model.classifier = nn.Linear(model.num_features, 10)
    return model

def example_input_first():
    torch.randn(1, 3, 32, 32)  # a LightningModule's example_input_array, drawn before the backbone
    return given()

def checkpoint(model, steps):
    g = torch.Generator().manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(steps):
        x = torch.randn(16, 3, 32, 32, generator=g)
        y = (x[:, 0].mean((1, 2)) > 0).long() + 2 * (x[:, 1].mean((1, 2)) > 0).long()
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad(); loss.backward(); opt.step()
    return {"optimizer_states": [opt.state_dict()]}

def evidence(model, ckpt):
    judged = reference_model()  # the judge loads the saved state_dict into the reference backbone
    judged.load_state_dict(model.state_dict())
    return training_evidence(ckpt, judged)["alignment"]

out = {}
for build in (given, reset_classifier, linear_head, example_input_first):
    torch.manual_seed(42)  # train.py's seed_everything(42)
    model = build()
    out[build.__name__] = evidence(model, checkpoint(model, 10))
torch.manual_seed(42)
model = given()
ckpt = checkpoint(model, 1)  # for the state's layout
g = torch.Generator().manual_seed(1)
forged = given()  # untrained, BatchNorm +-0.001, moments drawn at random
with torch.no_grad():
    for p, _, _ in batchnorm_params(forged):
        p.add_(0.001 * torch.sign(torch.randn(p.shape, generator=g)))
for state in ckpt["optimizer_states"][0]["state"].values():
    state["exp_avg"] = 1e-3 * torch.randn(state["exp_avg"].shape, generator=g)
    state["exp_avg_sq"] = 1e-6 * torch.rand(state["exp_avg_sq"].shape, generator=g) + 1e-7
out["forged"] = evidence(forged, ckpt)
print(json.dumps(out))
'''


def test_training_files_debug_evidence_holds_for_other_draw_orders(task_python):
    bar = tomllib.loads((CASE / "task.toml").read_text())["thresholds"]["smoke"]["min_adam_alignment"]
    proc = subprocess.run([task_python, "-c", VARIANTS], cwd=CASE / "hidden", capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, PYTHONPATH=str(SCRIPTS)))
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    forged = out.pop("forged")
    assert all(a >= 2 * bar for a in out.values()), out
    assert abs(forged) < bar / 2, forged
