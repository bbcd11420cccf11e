"""Judge of nan_loss_debug (trusted: runs no agent code). From the recorded weights, inputs and targets it
recomputes every loss and every gradient, so the losses must come from a real, stable gradient-descent run on
the given data, from the module's own initialisation and from initialisations drawn at grading time."""
import torch
from mldb_judge import Checks, close, import_pristine

STEPS = 20
INITS = 3


def inputs(seed, profile):
    generator = torch.Generator().manual_seed(seed)
    inits = [(torch.rand(2, generator=generator, dtype=torch.float64) * 2 - 1).tolist() for _ in range(INITS)]
    return {"probes": ["structure", "own_init", *(f"init_{i}" for i in range(INITS))], "inits": inits}


def correlation(a, b):
    a, b = a.double() - a.double().mean(), b.double() - b.double().mean()
    return float((a * b).sum() / (a.norm() * b.norm() + 1e-300))


def check_run(run, X, y, init=None):
    """Assert that `run` is a real, stable training run on (a rescaling of) X and y; returns the last loss."""
    returned, weights = run["returned"], run["weights"].double()
    assert len(returned) == STEPS, f"train() returned {len(returned)} losses, expected {STEPS}"
    assert len(run["criterion"]) == STEPS, f"the criterion was called {len(run['criterion'])} times, expected {STEPS}"
    close(returned, run["criterion"], rtol=1e-6, what="returned losses vs the criterion's values")
    close(run["callback"], run["criterion"], rtol=1e-6, what="callback losses vs the criterion's values")
    assert weights.shape == (STEPS, 2), f"recorded weights of shape {tuple(weights.shape)}, expected ({STEPS}, 2)"
    x, t = run["x"].double(), run["t"].double()
    assert x.shape == (STEPS, 50) and t.shape == (STEPS, 50), "the model and criterion must see all 50 points each step"
    assert all(torch.equal(x[0], x[i]) and torch.equal(t[0], t[i]) for i in range(STEPS)), "the data changes between steps"
    assert correlation(x[0], X) > 0.9999 and correlation(t[0], y) > 0.9999, \
        "the inputs and targets are not the given X and y (up to rescaling)"
    if init is not None:
        close(weights[0], init, rtol=0, atol=1e-6, what="the starting weights vs the initialisation given")
    w, b = weights[:, :1], weights[:, 1:]
    residual = w * x + b - t
    recomputed = (residual ** 2).mean(dim=1)
    close(returned, recomputed, rtol=1e-3, atol=1e-6, what="returned losses vs the losses recomputed from the weights")
    gradients = torch.stack([(2 * residual * x).mean(dim=1), (2 * residual).mean(dim=1)], dim=1)
    steps = torch.cat([weights[1:], run["final"].double().reshape(1, 2)]) - weights
    descent = (steps * gradients).sum(dim=1)
    bad = [i for i in range(STEPS) if not descent[i] < 0]
    assert not bad, f"steps {bad[:5]} are not gradient-descent steps on the recorded loss"
    assert recomputed[19] < recomputed[10] < recomputed[0], \
        f"losses do not decrease: {float(recomputed[0]):.4g}, {float(recomputed[10]):.4g}, {float(recomputed[19]):.4g}"
    return float(recomputed[19])


def judge(inputs, observed, profile):
    given = import_pristine("train.py")
    X, y = given.X.flatten().double(), given.y.flatten().double()
    checks = Checks()
    with checks.check("train.py keeps SimpleModel with one nn.Linear(1, 1) and train(callback)"):
        s = observed.need("structure")
        assert s["is_simple_model"] and s["linears"] == [[1, 1]] and s["num_params"] == 2, f"found {s}"
        assert s["train_takes_callback"], "train() has no callback parameter"
    with checks.check("train() returns the 20 real, finite, decreasing losses of gradient descent on the given "
                      "data (recomputed from the recorded weights)") as c:
        c.value = check_run(observed.need("own_init"), X, y)
    with checks.check(f"training is stable from {INITS} initialisations drawn at grading time"):
        for i, init in enumerate(inputs["inits"]):
            try:
                check_run(observed.need(f"init_{i}"), X, y, torch.tensor(init, dtype=torch.float64))
            except AssertionError as exc:
                raise AssertionError(f"initialisation {i}: {exc}") from None
    return checks
