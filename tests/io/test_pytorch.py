"""PyTorch interop: from_torch / to_torch / .pt files, against torch itself and exact independent oracles.

The oracles: torch's own forward pass in float64; an exact difference quotient of the plain Fraction forward
pass of ``helpers`` (no relugeom algorithm) with sympy's rank over QQ; ``torch.func.jacrev`` in float64.
"""

from __future__ import annotations

import json
import os
import sys
from fractions import Fraction

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from helpers import cli_error, naive_pre_activations, qq_rank, sympy_matrix  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402
from torch.func import functional_call, jacrev  # noqa: E402

import relugeom as rg  # noqa: E402
from relugeom.io.pytorch import from_torch, load_pt, save_pt, to_torch  # noqa: E402
from relugeom.io.state_dict import sequential_names  # noqa: E402
from relugeom.numbers import round_to_format  # noqa: E402

L, R = nn.Linear, nn.ReLU


def float32_mlp(widths, seed: int, dyadic_bits: int | None = None) -> nn.Sequential:
    """A float32 ``Linear, ReLU, …, Linear`` with torch's default initialisation (seeded); with ``dyadic_bits``
    every parameter is rounded to a multiple of 2^-dyadic_bits (so float64 arithmetic on it is exact)."""
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for k, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers += [R()] if k else []
        layers.append(L(a, b))
    model = nn.Sequential(*layers)
    if dyadic_bits is not None:
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.round(p * 2**dyadic_bits) / 2**dyadic_bits)
    return model


def decorated(model: nn.Sequential) -> nn.Sequential:
    """The same function (in eval mode) with a leading Flatten, Dropout and Identity, the hidden part nested."""
    mods = list(model)
    wrapped = nn.Sequential(
        nn.Flatten(), nn.Dropout(0.5), mods[0], nn.Identity(), nn.Sequential(*mods[1:], nn.Dropout())
    )
    return wrapped.eval()


def exact_inputs(X: np.ndarray) -> list[list[Fraction]]:
    return [[Fraction(float(v)) for v in row] for row in X]


def torch_jacobian(model: nn.Module, X: np.ndarray, dtype) -> np.ndarray:
    """J of θ ↦ model(X) by ``torch.func.jacrev`` in ``dtype``: rows sample-major then output, columns in
    state-dict order (weight row-major, then bias), which is relugeom's parameter order."""
    model = model.to(dtype)
    params = {k: v.detach().to(dtype) for k, v in model.named_parameters()}
    Xt = torch.as_tensor(X).to(dtype)
    J = jacrev(lambda p: functional_call(model, p, (Xt,)))(params)
    rows = Xt.shape[0] * model(Xt).shape[1]
    return np.concatenate([J[k].reshape(rows, -1).detach().numpy() for k in params], axis=1)


def difference_quotient_jacobian(net: rg.Network, X) -> list[list[Fraction]]:
    """The exact Jacobian by one-sided difference quotients of the plain Fraction forward pass.

    Within a region of constant activation patterns each output is affine in any single parameter, so
    (F_{θ + h e_i}(X) − F_θ(X)) / h is the exact partial derivative once h is small enough that the
    pattern at θ + h e_i equals the one at θ (all pre-activations nonzero at both ends, hence, layer by
    layer, on the whole segment). h is halved until it is.
    """
    widths, theta, X = net.widths, list(net.parameters()), [[Fraction(v) for v in x] for x in X]

    def passes(th):
        net_h = rg.Network.from_parameters(widths, th)
        pres = [naive_pre_activations(net_h, x) for x in X]
        hidden = [v for pre in pres for z in pre[:-1] for v in z]
        pattern = None if any(v == 0 for v in hidden) else tuple(v > 0 for v in hidden)
        return pattern, [v for pre in pres for v in pre[-1]]

    pattern, F0 = passes(theta)
    assert pattern is not None, "the oracle needs a non-degenerate batch"
    columns = []
    for i in range(len(theta)):
        h = Fraction(1, 2**8)
        while True:
            shifted = theta.copy()
            shifted[i] += h
            pattern_h, F1 = passes(shifted)
            if pattern_h == pattern:
                break
            h /= 2
        columns.append([(b - a) / h for a, b in zip(F0, F1)])
    return [list(row) for row in zip(*columns)]


# ------------------------------------------------------------------------------------ forward passes
@settings(max_examples=15)
@given(
    widths=st.lists(st.integers(1, 5), min_size=3, max_size=5).map(tuple),
    seed=st.integers(0, 10**6),
    n=st.integers(1, 6),
)
def test_forward_is_torch_float64_to_the_last_bit_when_float64_is_exact(widths, seed, n):
    """Parameters on a 2^-6 grid (float32 tensors) and inputs on a 2^-4 grid keep every float64 operation
    exact, so torch float64, relugeom's float64 pass and relugeom's exact pass must agree bit for bit."""
    model = decorated(float32_mlp(widths, seed, dyadic_bits=6))
    X = np.random.default_rng(seed).integers(-64, 65, (n, widths[0])) / 16.0
    net = from_torch(model)
    expected = model.double()(torch.from_numpy(X)).detach().numpy()
    assert np.array_equal(rg.forward(net, X, method="float"), expected)
    exact = rg.forward(net, X)
    assert np.array_equal(exact.astype(float), expected)
    assert all(v.denominator & (v.denominator - 1) == 0 for v in exact.ravel())  # dyadic: nothing rounded


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("widths", [(3, 5, 2), (4, 6, 5, 3), (1, 7, 1)])
def test_forward_of_generic_float32_models(seed, widths):
    """Generic float32 weights: relugeom's float64 pass is torch's float64 pass (same operations), and the
    exact outputs are within float64 rounding of it (never a float32-sized difference)."""
    model = decorated(float32_mlp(widths, seed))
    X = np.random.default_rng(seed).normal(size=(9, widths[0]))
    net = from_torch(model)
    expected = model.double()(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(rg.forward(net, X, method="float"), expected, rtol=0, atol=1e-14)
    exact = rg.forward(net, X).astype(float)
    assert np.max(np.abs(exact - expected)) <= 1e-13 * (1 + np.max(np.abs(exact)))
    # the float32 parameters entered exactly: W is the float32 tensor's value, not a decimal rounding
    W = model[2].weight.detach().numpy()
    assert net.weights[0][0][0] == Fraction(float(W[0, 0]))


def test_float16_and_bfloat16_parameters_enter_exactly():
    model = float32_mlp((2, 3, 1), 0)
    for dtype in (torch.float16, torch.bfloat16):
        m = model.to(dtype)
        net = from_torch(m)
        got = [float(v) for v in net.parameters()]
        want = torch.cat([p.detach().float().ravel() for p in m.parameters()]).tolist()
        assert got == want
        # a value with 8 significant bits, which bfloat16 holds: 1 + 2^-7
        assert from_torch([(torch.tensor([[1 + 2**-7]], dtype=dtype), torch.zeros(1, dtype=dtype))]).weights[0][0][
            0
        ] == Fraction(129, 128)


# ------------------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("seed", range(3))
def test_to_torch_of_from_torch_reproduces_the_model(seed):
    model = float32_mlp((3, 5, 4, 2), seed).eval()
    again = to_torch(from_torch(decorated(model)), "float32")
    for (k1, v1), (k2, v2) in zip(model.state_dict().items(), again.state_dict().items()):
        assert k1 == k2 and v2.dtype == torch.float32 and torch.equal(v1, v2)
    X = torch.randn(11, 3, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(model(X), again(X))
    wide = to_torch(from_torch(model))  # float64 by default: the float32 values, exactly
    assert all(torch.equal(v.double(), w) for v, w in zip(model.state_dict().values(), wide.state_dict().values()))
    assert torch.equal(model.double()(X.double()), wide(X.double()))


@pytest.mark.parametrize("seed", range(3))
def test_from_torch_of_to_torch_is_the_network(seed):
    he = rg.Network.random_he((3, 6, 4, 2), seed=seed)
    assert from_torch(to_torch(he)) == he
    assert from_torch(to_torch(he).state_dict()) == he
    small = rg.Network.random_integer((2, 4, 3, 1), seed=seed)
    for dtype in ("float64", "float32", "float16", "bfloat16", torch.float32, torch.bfloat16):
        assert from_torch(to_torch(small, dtype)) == small


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
def test_non_dyadic_networks_are_refused_unless_rounded(dtype):
    net = rg.Network.random_rational((2, 3, 2), seed=1)
    with pytest.raises(rg.NotExactError, match=f"is not a {dtype} number"):
        to_torch(net, dtype)
    rounded = from_torch(to_torch(net, dtype, rounding="nearest"))
    assert list(rounded.parameters()) == [round_to_format(p, dtype) for p in net.parameters()]
    assert to_torch(net, dtype, rounding="nearest")[0].weight.dtype == getattr(torch, dtype)


def test_float64_networks_need_rounding_for_float32():
    net = rg.Network.random_he((2, 3, 1), seed=0)
    with pytest.raises(rg.NotExactError, match="float32"):
        to_torch(net, "float32")
    m = to_torch(net, torch.float32, rounding="nearest")
    assert [float(v) for v in from_torch(m).parameters()] == [float(np.float32(float(p))) for p in net.parameters()]


def test_to_torch_layout():
    net = rg.Network.random_integer((3, 4, 5, 2), seed=0)
    before = torch.get_rng_state()
    model = to_torch(net)
    assert torch.equal(torch.get_rng_state(), before)  # no random initialisation drawn
    assert [name for name, _ in model.named_children()] == ["0", "1", "2", "3", "4"]
    assert [type(m) for m in model] == [L, R, L, R, L] and not model.training
    assert list(model.state_dict()) == [name for pair in sequential_names(3) for name in pair]
    assert all(p.requires_grad and p.dtype == torch.float64 for p in model.parameters())
    with pytest.raises(rg.RelugeomError, match="unknown float format .int8."):
        to_torch(net, "int8")


# ------------------------------------------------------------------------------------ BFD against oracles
ORACLE_CASES = [  # (widths, seed, samples, dead): dead kills hidden neuron (0, 1) on every sample
    ((2, 3, 1), 0, 3, False),
    ((2, 3, 1), 1, 9, False),
    ((2, 4, 2), 2, 5, False),
    ((3, 3, 2, 1), 3, 6, False),
    ((2, 3, 3, 2), 4, 8, True),
    ((1, 4, 1), 5, 7, False),
]


def oracle_case(widths, seed, samples, dead):
    model = float32_mlp(widths, seed)
    if dead:
        with torch.no_grad():
            model[0].bias[1] = -100.0
    X = np.random.default_rng(seed).normal(size=(samples, widths[0]))
    return model, X


@pytest.mark.parametrize("widths, seed, samples, dead", ORACLE_CASES)
def test_exact_bfd_is_the_rank_of_the_difference_quotients(widths, seed, samples, dead):
    model, X = oracle_case(widths, seed, samples, dead)
    net = from_torch(model)
    oracle = difference_quotient_jacobian(net, exact_inputs(X))
    assert rg.jacobian(net, X).tolist() == oracle  # every entry, exactly
    assert rg.batch_functional_dimension(net, X) == qq_rank(sympy_matrix(oracle))


@pytest.mark.parametrize("widths, seed, samples, dead", ORACLE_CASES)
def test_torch_float64_jacobian_agrees_with_the_exact_bfd(widths, seed, samples, dead):
    model, X = oracle_case(widths, seed, samples, dead)
    net = from_torch(model)
    J64 = torch_jacobian(model, X, torch.float64)
    np.testing.assert_allclose(J64, rg.jacobian(net, X).astype(float), rtol=1e-12, atol=1e-12)
    assert np.linalg.matrix_rank(J64) == rg.batch_functional_dimension(net, X)


def test_float32_jacobian_gets_the_rank_wrong():
    """The float32 pitfall, built on purpose.

    One input, two hidden neurons, both active near x = 1; the samples 1, 1 + 2^-23, 1 + 2^-22, 1 + 2^-21
    are consecutive float32 numbers apart. All four lie in one linear region, so the exact BFD is
    n_L · min(4, n0 + 1) = 2: the Jacobian rows are affine in x and genuinely span a plane. But the
    second singular value is about 1e-7 · σ_max (the samples differ by float32 ulps), below numpy's
    float32 tolerance σ_max · max(m, N) · eps_32 ≈ 8e-7 · σ_max: jacrev in float32 reports rank 1.
    Worse, the float32 Jacobian's rounding noise (≈ 5e-8 · σ_max) is far above float64's tolerance,
    so casting that same float32 matrix to float64 before taking the rank reports 3. The same Jacobian
    computed in float64 (torch or relugeom) has the right rank, 2, by a wide margin.
    """
    model = nn.Sequential(L(1, 2), R(), L(2, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0], [-0.75]]))
        model[0].bias.copy_(torch.tensor([0.5, 2.0]))
        model[2].weight.copy_(torch.tensor([[1.25, 0.5]]))
        model[2].bias.copy_(torch.tensor([0.25]))
    X = np.array([[1.0], [1 + 2**-23], [1 + 2**-22], [1 + 2**-21]], dtype=np.float32)
    net = from_torch(model)
    exact = rg.batch_functional_dimension(net, X)
    oracle = qq_rank(sympy_matrix(difference_quotient_jacobian(net, exact_inputs(X))))
    J32 = torch_jacobian(model, X, torch.float32)
    J64 = torch_jacobian(model, X, torch.float64)
    assert exact == oracle == 2
    assert J32.dtype == np.float32 and np.linalg.matrix_rank(J32) == 1 != exact
    assert np.linalg.matrix_rank(J32.astype(np.float64)) == 3 != exact
    assert np.linalg.matrix_rank(J64) == exact == rg.batch_functional_dimension(net, X, method="float")


# ------------------------------------------------------------------------------------ tensors as arguments
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_tensor_inputs_are_their_numpy_values(dtype, requires_grad):
    net = from_torch(float32_mlp((3, 4, 2), 7))
    Xt = torch.randn(6, 3, generator=torch.Generator().manual_seed(1)).to(dtype).requires_grad_(requires_grad)
    X = Xt.detach().float().numpy().astype(np.float64)  # the same numbers (bfloat16 ⊂ float32 ⊂ float64)
    assert rg.batch_functional_dimension(net, Xt) == rg.batch_functional_dimension(net, X)
    assert rg.batch_functional_dimension(net, Xt, method="float") == rg.batch_functional_dimension(net, X)
    assert rg.forward(net, Xt).tolist() == rg.forward(net, X).tolist()
    assert np.array_equal(rg.forward(net, Xt, method="float"), rg.forward(net, X, method="float"))
    assert rg.jacobian(net, Xt).tolist() == rg.jacobian(net, X).tolist()
    assert np.array_equal(rg.jacobian(net, Xt, method="float"), rg.jacobian(net, X, method="float"))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_tensor_weights_build_networks(dtype):
    model = float32_mlp((2, 3, 1), 3).to(dtype)
    pairs = [(m.weight, m.bias) for m in model if isinstance(m, L)]  # Parameters, requiring gradients
    numpy_pairs = [(W.detach().float().numpy(), b.detach().float().numpy()) for W, b in pairs]
    net = rg.Network.from_layers(pairs)
    assert net == rg.Network.from_layers(numpy_pairs) == from_torch(pairs) == from_torch(model)


def test_bias_free_pairs_and_layers():
    W = torch.ones(2, 1)
    with pytest.raises(rg.UnsupportedModelError, match="bias_free='zero'"):
        from_torch([(W, None)])
    assert from_torch([(W, None)], bias_free="zero").biases == ((0, 0),)
    model = nn.Sequential(L(1, 2, bias=False), R(), L(2, 1))
    net = from_torch(model, bias_free="zero")
    assert net.biases[0] == (0, 0) and net.num_params == 7
    with pytest.raises(rg.RelugeomError, match="bias_free"):
        from_torch(model, bias_free="yes")


# ------------------------------------------------------------------------------------ refusals
class Custom(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = L(2, 3), L(3, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class ScaledLinear(L):
    def forward(self, x):
        return 2 * super().forward(x)


REFUSALS = {  # id: (model factory, words the message must contain)
    "leaky_relu": (lambda: nn.Sequential(L(2, 3), nn.LeakyReLU(), L(3, 1)), ["LeakyReLU", "model[1]", "nn.ReLU"]),
    "gelu": (lambda: nn.Sequential(L(2, 3), nn.GELU(), L(3, 1)), ["GELU", "model[1]", "other than ReLU"]),
    "tanh": (lambda: nn.Sequential(L(2, 3), nn.Tanh(), L(3, 1)), ["Tanh", "model[1]"]),
    "sigmoid_nested": (
        lambda: nn.Sequential(L(2, 3), nn.Sequential(nn.Sigmoid(), L(3, 1))),
        ["Sigmoid", "model[1][0]"],
    ),
    "batchnorm": (lambda: nn.Sequential(L(2, 3), nn.BatchNorm1d(3), R(), L(3, 1)), ["BatchNorm1d", "model[1]", "fold"]),
    "conv2d": (lambda: nn.Sequential(nn.Conv2d(1, 1, 2), nn.Flatten(), L(4, 1)), ["Conv2d", "model[0]"]),
    "layernorm": (lambda: nn.Sequential(L(2, 3), nn.LayerNorm(3), R(), L(3, 1)), ["LayerNorm", "model[1]"]),
    "softmax": (
        lambda: nn.Sequential(L(2, 3), R(), L(3, 2), nn.Softmax(dim=1)),
        ["Softmax", "model[3]", "drop the softmax", "logits", "[BMB24]"],
    ),
    "log_softmax": (
        lambda: nn.Sequential(L(2, 3), R(), nn.Sequential(L(3, 2), nn.LogSoftmax(dim=1)), nn.Dropout()),
        ["LogSoftmax", "model[2][1]", "drop the softmax"],
    ),
    "two_linears": (
        lambda: nn.Sequential(L(2, 3), nn.Identity(), L(3, 1)),
        ["Linear", "model[2]", "model[0]", "put a ReLU between them or merge them into one Linear"],
    ),
    "relu_last": (
        lambda: nn.Sequential(L(2, 3), R(), L(3, 1), R()),
        ["ReLU", "model[3]", "after the last Linear", "logits", "remove it"],
    ),
    "relu_first": (lambda: nn.Sequential(R(), L(2, 3), R(), L(3, 1)), ["ReLU", "model[0]", "before the first Linear"]),
    "two_relus": (lambda: nn.Sequential(L(2, 3), R(), R(), L(3, 1)), ["ReLU", "model[2]", "model[1]"]),
    "flatten_not_first": (lambda: nn.Sequential(L(2, 3), R(), nn.Flatten(), L(3, 1)), ["Flatten", "model[2]", "first"]),
    "flatten_other_dims": (lambda: nn.Sequential(nn.Flatten(0), L(2, 1)), ["Flatten", "model[0]", "start_dim=1"]),
    "empty": (lambda: nn.Sequential(), ["no Linear", "empty"]),
    "only_identity": (lambda: nn.Sequential(nn.Identity(), nn.Dropout()), ["no Linear"]),
    "no_bias": (
        lambda: nn.Sequential(L(2, 3), R(), L(3, 1, bias=False)),
        ["Linear", "model[2]", "no bias", "bias_free='zero'", "--bias-free zero"],
    ),
    "custom_module": (
        lambda: Custom(),
        ["Custom", "custom nn.Module", "from_torch(model.state_dict())", "nn.Sequential"],
    ),
    "nested_custom_module": (lambda: nn.Sequential(L(2, 2), R(), Custom()), ["Custom", "model[2]", "custom nn.Module"]),
    "linear_subclass": (lambda: nn.Sequential(ScaledLinear(2, 1)), ["ScaledLinear", "model[0]", "its own forward"]),
    "lazy_linear": (lambda: nn.Sequential(nn.LazyLinear(2), R(), L(2, 1)), ["LazyLinear", "model[0]", "forward pass"]),
    "module_list": (lambda: nn.ModuleList([L(2, 1)]), ["ModuleList", "custom nn.Module"]),
}


@pytest.mark.parametrize("name", list(REFUSALS))
def test_refusals_name_the_class_and_position(name):
    factory, words = REFUSALS[name]
    with pytest.raises(rg.UnsupportedModelError) as info:
        from_torch(factory())
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message, (word, message)


def test_custom_module_hint_works_and_state_dict_refusals_come_from_state_dict():
    model = Custom()
    assert from_torch(model.state_dict()) == rg.Network.from_layers(
        [(model.fc1.weight, model.fc1.bias), (model.fc2.weight, model.fc2.bias)]
    )
    with pytest.raises(rg.UnsupportedModelError, match="running_mean"):
        from_torch(nn.Sequential(L(2, 3), nn.BatchNorm1d(3), R(), L(3, 1)).state_dict())
    for bad in (3, "model", torch.ones(2, 2)):
        with pytest.raises(rg.UnsupportedModelError, match="nn.Sequential, a state dict"):
            from_torch(bad)


def test_dropout_is_read_in_eval_mode_whatever_the_training_flag():
    model = decorated(float32_mlp((2, 3, 1), 0)).train()
    assert from_torch(model) == from_torch(float32_mlp((2, 3, 1), 0))


def test_a_single_linear_is_a_one_layer_network():
    lin = L(3, 2)
    assert from_torch(lin) == rg.Network.from_layers([(lin.weight, lin.bias)])


def test_without_torch_the_message_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    net = rg.Network.random_integer((1, 2, 1))
    for call in (lambda: to_torch(net), lambda: load_pt("m.pt"), lambda: save_pt(net, "m.pt")):
        with pytest.raises(rg.RelugeomError, match=r'pip install -e "\.\[torch\]"') as info:
            call()
        assert isinstance(info.value, ImportError) and "CPU wheel" in str(info.value)
    arrays = {"0.weight": np.ones((2, 1)), "0.bias": np.zeros(2), "2.weight": np.ones((1, 2)), "2.bias": [0]}
    assert from_torch(arrays).widths == (1, 2, 1)  # numpy state dicts need no torch


# ------------------------------------------------------------------------------------ .pt files
class WritesAMarker:
    """Unpickling this object would create the file ``marker``: with weights_only=True it must not."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("dtype", ["float64", "float32", "bfloat16"])
def test_save_pt_load_pt_round_trip(tmp_path, dtype):
    net = rg.Network.random_he((3, 5, 2), seed=1) if dtype == "float64" else rg.Network.random_integer((3, 5, 2))
    save_pt(net, tmp_path / "n.pt", dtype=dtype)
    assert load_pt(tmp_path / "n.pt") == net
    assert str(torch.load(tmp_path / "n.pt", weights_only=True)["0.weight"].dtype) == f"torch.{dtype}"


def test_torch_saved_state_dicts_and_checkpoints_load(tmp_path):
    model = float32_mlp((2, 4, 3), 2)
    torch.save(model.state_dict(), tmp_path / "sd.pt")
    assert load_pt(tmp_path / "sd.pt") == from_torch(model)
    for key in ("state_dict", "model_state_dict", "model"):
        torch.save({key: model.state_dict(), "epoch": 3, "optimizer": {"lr": 0.1}}, tmp_path / f"{key}.pth")
        assert load_pt(tmp_path / f"{key}.pth") == from_torch(model)
    model = nn.Sequential(L(2, 3, bias=False), R(), L(3, 1))
    torch.save(model.state_dict(), tmp_path / "nb.pt")
    with pytest.raises(rg.UnsupportedModelError, match="bias_free='zero'"):
        load_pt(tmp_path / "nb.pt")
    assert load_pt(tmp_path / "nb.pt", bias_free="zero") == from_torch(model, bias_free="zero")


def test_whole_pickled_models_are_refused(tmp_path):
    path = tmp_path / "whole.pt"
    torch.save(float32_mlp((2, 3, 1), 0), path)
    with pytest.raises(rg.FormatError) as info:
        load_pt(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    assert "weights_only=True" in message and "model.state_dict()" in message and "Sequential" in message


def test_arbitrary_objects_are_never_unpickled(tmp_path):
    marker = tmp_path / "marker"
    torch.save({"0.weight": torch.ones(1, 1), "0.bias": WritesAMarker(str(marker))}, tmp_path / "evil.pt")
    with pytest.raises(rg.FormatError, match="never unpickles arbitrary objects"):
        load_pt(tmp_path / "evil.pt")
    with pytest.raises(rg.FormatError):
        rg.load_network(tmp_path / "evil.pt")
    assert not marker.exists()


def test_bad_pt_files(tmp_path):
    with pytest.raises(rg.FormatError, match="not found"):
        load_pt(tmp_path / "none.pt")
    good = tmp_path / "good.pt"
    save_pt(rg.Network.random_integer((1, 2, 1)), good)
    cases = {"garbage.pt": b"not a torch file", "empty.pt": b"", "truncated.pt": good.read_bytes()[:100]}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(rg.FormatError) as info:
            load_pt(tmp_path / name)
        assert str(info.value).startswith(str(tmp_path / name)) and "\n" not in str(info.value)
    torch.save([torch.ones(1)], tmp_path / "list.pt")
    with pytest.raises(rg.FormatError, match="not a state dict"):
        load_pt(tmp_path / "list.pt")
    torch.save({"epoch": 3}, tmp_path / "ck.pt")
    with pytest.raises(rg.FormatError, match="model_state_dict"):
        load_pt(tmp_path / "ck.pt")
    with pytest.raises(rg.FormatError, match="cannot write"):
        save_pt(rg.Network.random_integer((1, 2, 1)), tmp_path / "no" / "dir.pt")


def test_load_and_save_network_dispatch_to_pt(tmp_path):
    net = rg.Network.random_integer((2, 3, 2), seed=4)
    rg.save_network(net, tmp_path / "x.pth", dtype="float32")
    assert torch.load(tmp_path / "x.pth", weights_only=True)["2.weight"].dtype == torch.float32
    assert rg.load_network(tmp_path / "x.pth") == net
    rg.save_network(net, tmp_path / "x.pt")
    assert rg.load_network(str(tmp_path / "x.pt")) == net
    rational = rg.Network.random_rational((2, 3, 2), seed=4)
    with pytest.raises(rg.NotExactError):
        rg.save_network(rational, tmp_path / "r.pt", dtype="float32")
    rg.save_network(rational, tmp_path / "r.pt", dtype="float32", rounding="nearest")
    assert list(rg.load_network(tmp_path / "r.pt").parameters()) == [
        round_to_format(p, "float32") for p in rational.parameters()
    ]


# ------------------------------------------------------------------------------------ command line
def test_cli_dim_on_a_pt_file(tmp_path, capsys):
    from relugeom.cli.main import main

    model = float32_mlp((2, 4, 1), 0)
    torch.save(model.state_dict(), tmp_path / "model.pt")
    rows = [["1/2", "-3"], ["2", "1"], ["-1", "-1"], ["0.25", "3"], ["3", "-2"], ["-2", "2"]]
    rg.save_inputs(rows, tmp_path / "x.csv")
    assert main(["dim", str(tmp_path / "model.pt"), "--inputs", str(tmp_path / "x.csv"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bfd"] == rg.batch_functional_dimension(from_torch(model), rg.load_inputs(tmp_path / "x.csv"))
    assert out["num_params"] == 17

    biasless = nn.Sequential(L(2, 4, bias=False), R(), L(4, 1))
    torch.save(biasless.state_dict(), tmp_path / "nb.pt")
    err = cli_error(["dim", str(tmp_path / "nb.pt"), "--inputs", str(tmp_path / "x.csv")], capsys)
    assert "--bias-free zero" in err
    argv = ["dim", str(tmp_path / "nb.pt"), "--inputs", str(tmp_path / "x.csv"), "--bias-free", "zero", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    X = rg.load_inputs(tmp_path / "x.csv")
    assert out["bfd"] == rg.batch_functional_dimension(from_torch(biasless, bias_free="zero"), X)
    assert os.path.exists(tmp_path / "nb.pt")
