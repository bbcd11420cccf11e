"""adam_evidence (judge side): a real Adam run aligns with its saved moments; forgeries do not."""
import json
import subprocess
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
