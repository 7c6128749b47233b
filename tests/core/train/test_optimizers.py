"""Optimizers against hand-written update rules, on a quadratic, and through state round trips."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from digitlab.core.train.optimizers import (
    OPTIMIZERS,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    MomentumSGD,
    NesterovSGD,
    Optimizer,
    RMSprop,
    make_optimizer,
    optimizer_from_state,
)

# -- references: each rule written out on plain arrays, one parameter at a time --------


def ref_sgd(p, grads, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    v = np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        if momentum == 0.0:
            p = p - lr * g
            continue
        v = momentum * v + g
        p = p - lr * (g + momentum * v) if nesterov else p - lr * v
    return p


def ref_adam(p, grads, lr, beta1, beta2, eps, weight_decay=0.0):
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        p = p - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return p


def ref_rmsprop(p, grads, lr, rho, eps, weight_decay=0.0):
    s = np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        s = rho * s + (1 - rho) * g**2
        p = p - lr * g / (np.sqrt(s) + eps)
    return p


def ref_adagrad(p, grads, lr, eps, weight_decay=0.0):
    s = np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        s = s + g**2
        p = p - lr * g / (np.sqrt(s) + eps)
    return p


def ref_adadelta(p, grads, lr, rho, eps, weight_decay=0.0):
    s, u = np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        s = rho * s + (1 - rho) * g**2
        d = np.sqrt(u + eps) / np.sqrt(s + eps) * g
        u = rho * u + (1 - rho) * d**2
        p = p - lr * d
    return p


CASES = {  # id: (class, constructor arguments without weight decay, reference)
    "sgd": (SGD, {"lr": 0.1}, ref_sgd),
    "momentum": (SGD, {"lr": 0.1, "momentum": 0.9}, ref_sgd),
    "nesterov": (SGD, {"lr": 0.1, "momentum": 0.8, "nesterov": True}, ref_sgd),
    "momentum_sgd": (MomentumSGD, {"lr": 0.1, "momentum": 0.7}, ref_sgd),
    "nesterov_sgd": (NesterovSGD, {"lr": 0.1, "momentum": 0.7}, ref_sgd),
    "adam": (Adam, {"lr": 0.01, "beta1": 0.8, "beta2": 0.9, "eps": 1e-3}, ref_adam),
    "rmsprop": (RMSprop, {"lr": 0.01, "rho": 0.7, "eps": 1e-3}, ref_rmsprop),
    "adagrad": (Adagrad, {"lr": 0.1, "eps": 1e-3}, ref_adagrad),
    "adadelta": (Adadelta, {"lr": 0.5, "rho": 0.8, "eps": 1e-2}, ref_adadelta),
}
REF_EXTRA = {"momentum_sgd": {}, "nesterov_sgd": {"nesterov": True}}  # defaults the class fixes


def make_params(dtype=np.float64):
    return {
        "dense1.kernel": np.array([[0.5, -1.0, 2.0], [0.25, 0.0, -3.0]], dtype=dtype),
        "dense1.bias": np.array([0.1, -0.4], dtype=dtype),
    }


def make_grads(steps, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [
        {k: rng.standard_normal(p.shape).astype(dtype) for k, p in make_params().items()}
        for _ in range(steps)
    ]


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
@pytest.mark.parametrize("case", list(CASES))
def test_three_steps_match_the_rule_written_out(case, weight_decay):
    cls, kwargs, ref = CASES[case]
    params, grads = make_params(), make_grads(3)
    grads_before = [{k: g.copy() for k, g in step.items()} for step in grads]
    opt = cls(**kwargs, weight_decay=weight_decay)
    for g in grads:
        opt.step(params, g)

    ref_kwargs = {**kwargs, **REF_EXTRA.get(case, {})}
    for name, p0 in make_params().items():
        decay = weight_decay if name.endswith("kernel") else 0.0  # biases are never decayed
        expected = ref(p0, [g[name] for g in grads], **ref_kwargs, weight_decay=decay)
        assert_allclose(params[name], expected, rtol=1e-12, atol=1e-14, err_msg=name)
    if weight_decay:  # the bias check above would have caught a decayed bias
        decayed = ref(
            make_params()["dense1.bias"],
            [g["dense1.bias"] for g in grads],
            **ref_kwargs,
            weight_decay=weight_decay,
        )
        assert not np.allclose(params["dense1.bias"], decayed)
    assert opt.iterations == 3
    for before, after in zip(grads_before, grads, strict=True):
        for name in before:
            assert_array_equal(after[name], before[name])  # grads are never modified


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_float32_params_keep_float32_state(name):
    params = make_params(np.float32)
    opt = make_optimizer(name, weight_decay=0.01)
    opt.step(params, make_grads(1, dtype=np.float32)[0])
    assert all(p.dtype == np.float32 for p in params.values())
    for arrays in opt.state_dict()["slots"].values():
        assert all(a.dtype == np.float32 for a in arrays.values())


CONVERGE = {
    "sgd": {"lr": 0.1},
    "momentum": {"lr": 0.05},
    "nesterov": {"lr": 0.05},
    "adam": {"lr": 0.1},
    "rmsprop": {"lr": 0.05},
    "adagrad": {"lr": 1.0},
    "adadelta": {"lr": 1.0, "eps": 1e-2},
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_minimises_a_quadratic(name):
    # f(p) = sum((p - 3)**2), so grad = 2 (p - 3) and the minimum is p = 3.
    params = {"q.kernel": np.array([0.0, -2.0, 5.0]), "q.bias": np.array([10.0])}
    opt = make_optimizer(name, **CONVERGE[name])
    for _ in range(500):
        opt.step(params, {k: 2 * (p - 3) for k, p in params.items()})
    for p in params.values():
        assert_allclose(p, 3.0, atol=0.05)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_state_round_trip_resumes_exactly(name):
    params = make_params()
    opt = make_optimizer(name, lr=0.05, weight_decay=0.01)
    grads = make_grads(5, seed=1)
    for g in grads[:3]:
        opt.step(params, g)
    state = opt.state_dict()
    clone = optimizer_from_state(state)
    assert type(clone) is type(opt) and clone.get_config() == opt.get_config()
    assert clone.iterations == 3
    snapshot = opt.state_dict()
    for arrays in state["slots"].values():  # neither optimizer may share these arrays
        for a in arrays.values():
            a += 1.0
    for kind, arrays in opt.state_dict()["slots"].items():
        for k, a in arrays.items():
            assert_array_equal(a, snapshot["slots"][kind][k])
    twin = {k: p.copy() for k, p in params.items()}
    for g in grads[3:]:
        opt.step(params, g)
        clone.step(twin, g)
    for k in params:
        assert_array_equal(twin[k], params[k])
    assert clone.state_dict()["iterations"] == opt.iterations == 5


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_get_config_rebuilds(name):
    opt = make_optimizer(name, lr=0.02, weight_decay=0.5)
    assert type(opt)(**opt.get_config()).get_config() == opt.get_config()


def test_registry_defaults_and_case():
    assert isinstance(make_optimizer("ADAM"), Adam)
    momentum, nesterov = make_optimizer("momentum"), make_optimizer("Nesterov")
    assert (momentum.momentum, momentum.nesterov) == (0.9, False)
    assert (nesterov.momentum, nesterov.nesterov) == (0.9, True)
    assert all(issubclass(cls, Optimizer) for cls in OPTIMIZERS.values())


@pytest.mark.parametrize(
    ("cls", "kwargs", "shown"),
    [
        (SGD, {"lr": -0.1}, "-0.1"),
        (SGD, {"lr": 0}, "0"),
        (Adam, {"lr": float("nan")}, "nan"),
        (SGD, {"momentum": 1.0}, "1.0"),
        (SGD, {"momentum": -0.5}, "-0.5"),
        (SGD, {"nesterov": True}, "nesterov"),
        (SGD, {"weight_decay": -0.001}, "-0.001"),
        (Adam, {"beta1": 1.0}, "1.0"),
        (Adam, {"beta2": -0.2}, "-0.2"),
        (Adam, {"eps": 0.0}, "0.0"),
        (RMSprop, {"rho": 1.5}, "1.5"),
        (Adagrad, {"eps": -1e-10}, "-1e-10"),
        (Adadelta, {"rho": -0.1}, "-0.1"),
        (SGD, {"lr": "0.1"}, "'0.1'"),
    ],
)
def test_bad_constructor_arguments_are_rejected(cls, kwargs, shown):
    with pytest.raises(ValueError, match=re.escape(shown)):
        cls(**kwargs)


def _trained_adam():
    opt, params = Adam(), make_params()
    opt.step(params, make_grads(1)[0])
    return opt, opt.state_dict()


def _reshape(state, kinds=("m",)):
    for kind in kinds:
        state["slots"][kind]["dense1.kernel"] = np.zeros((3, 3))


def _rename(state):
    state["slots"]["v"]["conv9.kernel"] = state["slots"]["v"].pop("dense1.bias")


@pytest.mark.parametrize(
    ("mutate", "shown"),
    [
        (_reshape, "dense1.kernel"),
        (_rename, "conv9.kernel"),
        (lambda s: s["slots"]["v"].pop("dense1.bias"), "dense1.bias"),
        (lambda s: s["slots"].update(velocity={}), "velocity"),
        (lambda s: s.update({"class": "SGD"}), "SGD"),
        (lambda s: s.update(iterations=-1), "-1"),
        (lambda s: s["config"].update(beta1=2.0), "2.0"),
        (lambda s: s.pop("slots"), "slots"),
    ],
)
def test_load_state_dict_rejects_bad_state(mutate, shown):
    opt, state = _trained_adam()
    before = opt.state_dict()
    mutate(state)
    with pytest.raises(ValueError, match=re.escape(shown)):
        opt.load_state_dict(state)
    after = opt.state_dict()  # a failed load changes nothing
    assert after["iterations"] == before["iterations"] and after["config"] == before["config"]
    assert_array_equal(after["slots"]["m"]["dense1.kernel"], before["slots"]["m"]["dense1.kernel"])


def test_loaded_state_of_the_wrong_shape_fails_at_the_step():
    _, state = _trained_adam()
    _reshape(state, kinds=("m", "v"))
    opt = optimizer_from_state(state)  # nothing seen yet, so the shape cannot be checked here
    params = make_params()
    with pytest.raises(ValueError, match=re.escape("dense1.kernel")):
        opt.step(params, make_grads(1)[0])
    assert_array_equal(params["dense1.bias"], make_params()["dense1.bias"])


def test_step_rejects_mismatched_grads():
    params = make_params()
    with pytest.raises(ValueError, match=re.escape("dense1.bias")):
        SGD().step(params, {"dense1.kernel": np.zeros((2, 3))})
    with pytest.raises(ValueError, match=re.escape("(3, 2)")):
        SGD().step(params, {"dense1.kernel": np.zeros((3, 2)), "dense1.bias": np.zeros(2)})


@pytest.mark.parametrize(
    ("call", "shown"),
    [
        (lambda: make_optimizer("lbfgs"), "adam"),
        (lambda: make_optimizer("adam", betas=(0.9, 0.99)), "betas"),
        (lambda: optimizer_from_state({"class": "os.system", "config": {}}), "os.system"),
        (lambda: optimizer_from_state({"class": "Optimizer", "config": {}}), "Optimizer"),
    ],
)
def test_factories_reject_unknown_names(call, shown):
    with pytest.raises(ValueError, match=re.escape(shown)):
        call()
