"""Teaching demo 5: complexity measures: path-norms, norm products, Path-SGD and F along segments.

Run: python examples/05_measures.py   (a few seconds; writes segments.png in the current folder)

How "complex" is the function a ReLU network computes? Several measures compete (SPEC §8):

* **Path-norms** [NSS15]. Follow every path from an input (or from a bias, seen as an edge from a constant
  unit) to an output and multiply the absolute values of the weights along it; the ℓ_p path-norm to the
  p-th power, φ_p(θ)^p, sums the p-th powers of these products. Rescaling a hidden neuron (incoming weights
  and bias times λ > 0, outgoing weights divided by λ) does not change F, and it does not change a single
  path product either, so path-norms are invariant: they are functions of F's parametrisation up to
  symmetry. relugeom computes them exactly, as Fractions.
* **Norm products** [NBMS17]. Products over the layers of the Frobenius, spectral or ℓ_{1,∞} norms of the
  weight matrices. They bound the network's Lipschitz constant, but a rescaling changes them while F stays
  the same: one function, many values.
* **Path-SGD** [NSS15]. A gradient step that divides each edge's gradient by γ_in(u)·γ_out(v), the sums of
  squared path products into the edge's source and out of its target. It commutes with rescalings: from θ
  and from a rescaled θ its iterates stay equivalent networks. Plain gradient descent does not. With
  rational step sizes relugeom checks this *exactly*.
* **Gradient gaps and deflection** [KBMM19]. On the segment x(t) = (1 − t)x_a + t x_b between two samples,
  F is piecewise linear in t with exact breakpoints t_j. The *gradient gap* at t_j is the jump of the
  slope there; the *gradient gap deviation* (GGD) is their root mean square, and the *gradient deflection*
  is the length-weighted distance of the slopes from the secant F(x_b) − F(x_a) (0 iff F is straight
  between the samples). [KBMM19]'s exact formulas could not be retrieved; SPEC §8 states the definitions
  used here. GGD and deflection are in the units of F: a network whose outputs vary more bends more in
  absolute terms, so compare them between networks with that in mind.

The script (a) checks path-norm invariance against the norm products on a rational network, (b) trains a
He-initialised network with float Path-SGD on a smooth 2-D target and compares it with its random
initialisation along one segment and over 40 random pairs of training samples, (c) draws both segment
profiles side by side, and (d) shows the exact Path-SGD equivariance.

References: [NSS15] Neyshabur, Salakhutdinov, Srebro, *Path-SGD*, NeurIPS 2015. [NBMS17] Neyshabur,
Bhojanapalli, McAllester, Srebro, *Exploring generalization in deep learning*, NeurIPS 2017. [KBMM19]
Kubo, Banno, Manabe, Minoji, *Implicit regularization in over-parameterized neural networks*,
arXiv 1903.01997.
"""

from __future__ import annotations

import os
import tempfile
from fractions import Fraction

import numpy as np
from matplotlib.figure import Figure

import relugeom as rg
from relugeom.dimension.jacobian import squared_loss_gradient
from relugeom.measures.path_sgd import path_sgd_step
from relugeom.plots.segments import plot_segment, segment_title

WIDTHS = (2, 16, 16, 1)  # the trained network (part b)
STEPS, LR = 300, 0.03  # float Path-SGD: 300 steps of size 0.03
SEGMENT = ([-2, -2], [2, 2])  # the diagonal of the training square
NUM_PAIRS = 40


def _table(rows: list[tuple[str, object, object]]) -> None:
    print(f"  {'measure':<32} {'before':>24} {'after':>24}  same")
    for name, a, b in rows:
        fa = str(a) if isinstance(a, Fraction) else f"{a:.6g}"
        fb = str(b) if isinstance(b, Fraction) else f"{b:.6g}"
        print(f"  {name:<32} {fa:>24} {fb:>24}  {a == b}")


def path_norm_invariance() -> dict:
    """(a) Path-norms are exactly invariant under a symmetry with large scales; norm products are not."""
    net = rg.Network.random_rational((3, 6, 4, 2), seed=0)
    other = rg.random_symmetry(net, seed=1)
    other = rg.rescale_neurons(other, 0, [1000, Fraction(1, 1000), 250, Fraction(1, 40), 7, 1])
    other = rg.rescale_neurons(other, 1, [Fraction(1, 500), 300, 1, 60])
    X = [[1, -2, Fraction(1, 3)], [Fraction(-5, 7), 2, 3]]
    same_f = bool((rg.forward(net, X) == rg.forward(other, X)).all())
    print(
        f"(a) a rational network {net.widths} and a copy with permuted neurons rescaled by factors up to "
        f"1000 and down to 1/1000"
    )
    print(f"  same outputs on two samples: {same_f}; equivalent: {rg.are_equivalent(net, other)}")
    m_a, m_b = rg.norm_measures(net), rg.norm_measures(other)
    _table(
        [
            ("l1 path-norm φ1 (exact)", m_a.path_l1, m_b.path_l1),
            ("l2 path-norm squared φ2² (exact)", m_a.path_l2_sq, m_b.path_l2_sq),
            ("Frobenius product", m_a.frobenius_product, m_b.frobenius_product),
            ("l1,inf product (exact)", m_a.l1_inf_product, m_b.l1_inf_product),
            ("spectral product", m_a.spectral_product, m_b.spectral_product),
        ]
    )
    return {
        "network": net,
        "rescaled": other,
        "same_outputs": same_f,
        "path_l1": (m_a.path_l1, m_b.path_l1),
        "path_l2_sq": (m_a.path_l2_sq, m_b.path_l2_sq),
        "frobenius_sq_product": (m_a.frobenius_sq_product, m_b.frobenius_sq_product),
        "frobenius_product": (m_a.frobenius_product, m_b.frobenius_product),
        "l1_inf_product": (m_a.l1_inf_product, m_b.l1_inf_product),
        "spectral_product": (m_a.spectral_product, m_b.spectral_product),
    }


def _loss(net: rg.Network, X: np.ndarray, y: np.ndarray) -> float:
    """½ · mean (F − y)² in float64."""
    r = rg.forward(net, X, method="float")[:, 0] - y
    return 0.5 * float(np.mean(r * r))


def train_path_sgd(X: np.ndarray, y: np.ndarray, seed: int = 0) -> tuple[rg.Network, rg.Network, list[float]]:
    """(b) A He network and the result of STEPS float Path-SGD steps on ½ · mean (F − y)² from it.

    The gradient is Jᵀ(F − y)/n with J the float64 Jacobian of θ ↦ F_θ(X).
    """
    random_net = rg.Network.random_he(WIDTHS, seed=seed)
    net, losses = random_net, [_loss(random_net, X, y)]
    for _ in range(STEPS):
        grad = squared_loss_gradient(net, X, y, method="float") / len(X)
        net = path_sgd_step(net, grad, LR, method="float")
        losses.append(_loss(net, X, y))
    return random_net, net, losses


def _profile_numbers(prof: rg.SegmentProfile) -> dict:
    return {
        "breakpoints": prof.num_breakpoints,
        "kinks": len(prof.kinks),
        "ggd_sq": prof.gradient_gap_deviation_sq,
        "ggd": prof.gradient_gap_deviation,
        "deflection": prof.gradient_deflection,
    }


def _compare(name: str, a: float, b: float) -> str:
    word = "equal" if a == b else ("higher for the trained network" if b > a else "lower for the trained network")
    return f"    {name:<22} random {a:9.4g}   trained {b:9.4g}   ({word})"


def segments(random_net: rg.Network, trained: rg.Network, X: np.ndarray) -> dict:
    """(b, continued) Exact segment profiles on the diagonal, and statistics over random sample pairs."""
    xa, xb = SEGMENT
    profiles, numbers = {}, {}
    print(f"  F along the diagonal from {tuple(xa)} to {tuple(xb)}, exactly:")
    for name, net in (("random", random_net), ("trained", trained)):
        prof = rg.segment_profile(net, xa, xb)
        nums = _profile_numbers(prof)
        profiles[name], numbers[name] = prof, nums
        print(
            f"  {name:>8}: {nums['breakpoints']} breakpoints, {nums['kinks']} kinks, GGD {nums['ggd']:.6g}, "
            f"deflection {nums['deflection']:.6g}; F goes from {float(prof.values[0][0]):.4g} to "
            f"{float(prof.values[-1][0]):.4g}"
        )
        q = nums["ggd_sq"]
        shown = (
            str(q)
            if len(str(q)) <= 40
            else (
                f"a rational of {len(str(q.numerator))}/{len(str(q.denominator))} "
                f"digits (the weights are float64 values, kept exactly)"
            )
        )
        print(f"            GGD² exactly: {shown}")
    stats = {
        name: rg.segment_statistics(net, X, pairs=NUM_PAIRS, seed=0)
        for name, net in (("random", random_net), ("trained", trained))
    }
    print(
        f"  over the same {NUM_PAIRS} random pairs of training samples (mean / median / max; degenerate pairs "
        f"left out: {len(stats['random'].degenerate)}, {len(stats['trained'].degenerate)}):"
    )
    summaries = {name: st.summary() for name, st in stats.items()}
    for key, label in (
        ("breakpoints", "breakpoints"),
        ("gradient_gap_deviation", "GGD"),
        ("gradient_deflection", "deflection"),
    ):
        for name in ("random", "trained"):
            s = summaries[name][key]
            print(f"    {label:<12} {name:>8}: {s['mean']:9.4g} / {s['median']:9.4g} / {s['max']:9.4g}")
    print("  the means compared:")
    for key, label in (
        ("breakpoints", "breakpoints per pair"),
        ("gradient_gap_deviation", "GGD"),
        ("gradient_deflection", "deflection"),
    ):
        print(_compare(label, summaries["random"][key]["mean"], summaries["trained"][key]["mean"]))
    return {"profiles": profiles, "numbers": numbers, "statistics": stats, "summaries": summaries}


def picture(profiles: dict, out_dir: str) -> str:
    """(c) The two exact profiles side by side, one Figure with two Axes."""
    fig = Figure(figsize=(12.0, 4.6))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, (name, heading) in zip(
        axes, (("random", "random He network"), ("trained", f"after {STEPS} Path-SGD steps"))
    ):
        prof = profiles[name]
        plot_segment(prof, ax=ax, label=heading, title=f"{heading}\n{segment_title(prof)}")
    xa, xb = SEGMENT
    fig.suptitle(f"F along the segment from {tuple(xa)} to {tuple(xb)} (exact knots; dotted: breakpoints)")
    fig.tight_layout()
    png = os.path.join(out_dir, "segments.png")
    fig.savefig(png, dpi=120)
    print(f"(c) picture written to {png}")
    return png


def _samples(net: rg.Network, count: int, seed: int) -> list[list[Fraction]]:
    """``count`` rational samples at which no hidden pre-activation is 0 (others are drawn instead)."""
    rng = np.random.default_rng(seed)
    out: list[list[Fraction]] = []
    while len(out) < count:
        x = [Fraction(int(rng.integers(-9, 10)), int(rng.integers(1, 5))) for _ in range(net.input_dim)]
        try:
            rg.jacobian(net, [x])
        except rg.DegeneratePointError:
            continue
        out.append(x)
    return out


def exact_path_sgd() -> dict:
    """(d) One exact Path-SGD step commutes with a rescaling; one plain gradient step does not."""
    net = rg.Network.random_rational((2, 3, 1), seed=4)
    scaled = rg.rescale_neurons(net, 0, [5, Fraction(1, 3), 7])
    X = _samples(net, 3, seed=0)
    y = [Fraction(1), Fraction(-1, 2), Fraction(2)]
    lr = Fraction(1, 10)
    g, g_scaled = list(squared_loss_gradient(net, X, y)), list(squared_loss_gradient(scaled, X, y))
    path_a = path_sgd_step(net, g, lr, method="exact")
    path_b = path_sgd_step(scaled, g_scaled, lr, method="exact")
    plain_a = rg.Network.from_parameters(net.widths, [w - lr * d for w, d in zip(net.parameters(), g)])
    plain_b = rg.Network.from_parameters(net.widths, [w - lr * d for w, d in zip(scaled.parameters(), g_scaled)])
    path_eq, plain_eq = rg.are_equivalent(path_a, path_b), rg.are_equivalent(plain_a, plain_b)
    plain_same_f = bool((rg.forward(plain_a, X) == rg.forward(plain_b, X)).all())
    print(
        f"(d) one exact step of size {lr} on 3 rational samples {[[str(v) for v in x] for x in X]}, "
        f"from θ ({net.widths}) and from θ with hidden neurons rescaled by 5, 1/3, 7:"
    )
    print(f"  Path-SGD:         the two results are equivalent networks: {path_eq}")
    print(
        f"  plain gradient:   the two results are equivalent networks: {plain_eq}; same outputs on the "
        f"samples: {plain_same_f}"
    )
    return {
        "path_sgd_equivalent": path_eq,
        "plain_equivalent": plain_eq,
        "plain_same_outputs": plain_same_f,
        "path_sgd_case": {
            "network": net,
            "rescaled": scaled,
            "samples": X,
            "targets": y,
            "lr": lr,
            "path_sgd": (path_a, path_b),
            "plain": (plain_a, plain_b),
        },
    }


def main(out_dir: str | os.PathLike | None = None) -> dict:
    out_dir = tempfile.mkdtemp(prefix="relugeom-measures-") if out_dir is None else os.fspath(out_dir)
    results: dict = {"invariance": path_norm_invariance()}

    rng = np.random.default_rng(0)
    X = rng.uniform(-2.0, 2.0, (64, 2))
    y = np.sin(X[:, 0]) + X[:, 1] ** 2 / 2
    random_net, trained, losses = train_path_sgd(X, y)
    print(
        f"(b) widths {WIDTHS}, {len(X)} samples in [-2, 2]², target sin(x1) + x2²/2; {STEPS} float "
        f"Path-SGD steps of size {LR}"
    )
    print(
        f"  loss ½·mean (F − y)²: {losses[0]:.6g} at the He initialisation, {losses[-1]:.6g} after training"
        f" (decreased at every step: {all(b < a for a, b in zip(losses, losses[1:]))})"
    )
    seg = segments(random_net, trained, X)
    png = picture(seg["profiles"], out_dir)
    results.update(
        {
            "samples": X,
            "targets": y,
            "random_net": random_net,
            "trained_net": trained,
            "loss_before": losses[0],
            "loss_after": losses[-1],
            "losses": losses,
            "segment": SEGMENT,
            **seg,
            "png": png,
        }
    )
    results.update(exact_path_sgd())
    return results


if __name__ == "__main__":
    main(".")
