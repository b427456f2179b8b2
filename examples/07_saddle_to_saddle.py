"""Teaching demo 7: saddle-to-saddle dynamics, and what the exact BFD does on each plateau.

Run: python examples/07_saddle_to_saddle.py   (a few seconds; writes saddle_to_saddle.png here)

A one-hidden-layer student (2-12-1) learns a teacher network (2-4-1, He-initialised) from 50 Gaussian
inputs (50 more are the test set, and 50 random Gaussian inputs are tracked too) with full-batch
gradient descent, starting from a *small* initialisation: every parameter of a He
network times 2^-20 (about 1e-6; a power of two, so the scaling is exact in float64). From such a start
gradient descent is known to learn in stages [JGSHG21, BPVF22]: the hidden neurons first *condense* onto
a few directions while the loss barely moves (a plateau near a saddle), then the loss drops, the
network sits on a lower plateau, and so on. SPEC §7 expects the batch functional dimension to be low and
piecewise constant on the plateaus and to step up between them.

Every checkpoint is an exact network (its float64 parameters are dyadic rationals), so the BFD below is
a certified rank, not a thresholded one. Next to it: what a float code reports (numpy's SVD rank, and the
"effective rank" counting singular values above 1e-3 σ_max), the number of distinct activation patterns
on the training inputs (the per-pattern bound of SPEC §3 is n_L Σ_r min(n_r, n0 + 1)), and the number of
directions of the hidden neurons' incoming vectors at cosine ≥ 0.999 (exactly collinear neurons never
occur in float training; nearly collinear ones share their patterns on the data).

The script ends with a reading of the run (computed from it, not written in advance) and with flatness:
the exact Hessian of the squared loss at the trained student (its loss is small but not 0, so the
Hessian and Gauss–Newton ranks may differ, and the exact inertia can show negative curvature far below
float resolution) and at the teacher itself, an exact interpolating minimum of its own data, where the
Hessian is 2JᵀJ and its nullity is N − BFD.

References: [JGSHG21] Jacot, Ged, Şimşek, Hongler, Gabriel, *Saddle-to-saddle dynamics in deep linear
networks and small initialization training*, arXiv 2106.15933. [BPVF22] Boursier, Pillaud-Vivien,
Flammarion, *Gradient flow dynamics of shallow ReLU networks for square loss and orthogonal inputs*,
NeurIPS 2022. [BMB24] Bona-Pellissier, Malgouyres, Bachoc, arXiv 2402.08269.
"""

from __future__ import annotations

import os
import time

import relugeom as rg
from relugeom.plots.training import plot_saddle_run
from relugeom.training.hessian import flatness_report
from relugeom.training.saddles import saddle_to_saddle

TEACHER, STUDENT = (2, 4, 1), (2, 12, 1)
INIT_SCALE, LR, STEPS, N_TRAIN, SEED = 2.0**-20, 0.05, 40_000, 50, 1  # seed 1: three plateaus


def _cell(v) -> str:
    return "–" if v is None else str(v)


def phase_table(run) -> list[dict]:
    """Print the plateau / descent table and return it as dicts."""
    phases = run.phases()
    print(
        f"  {'phase':<8} {'steps':>14} {'loss':>22} {'BFD at checkpoints':<34} {'BFD end':>7} "
        f"{'patterns':>8} {'dirs':>4} {'eff.rank':>8}"
    )
    for ph in phases:
        values = ph.bfd_values
        shown = (
            ", ".join(map(str, values))
            if len(values) <= 6
            else f"{values[0]} … {values[-1]} (min {min(values)}, max {max(values)})"
        )
        print(
            f"  {ph.kind:<8} {f'{ph.start}–{ph.end}':>14} {f'{ph.loss_start:.3g} → {ph.loss_end:.3g}':>22} "
            f"{shown:<34} {_cell(ph.bfd_end):>7} {_cell(ph.patterns_end):>8} "
            f"{_cell(ph.float_directions_end):>4} {_cell(ph.effective_rank_end):>8}"
        )
    return [ph.to_dict() for ph in phases]


def reading(run) -> dict:
    """What the exact BFD did, in three sentences computed from the run."""
    rows, plateaus = run.rows, run.plateaus
    first = rows[0]
    facts = {
        "bfd_init": first.bfd("train"),
        "effective_rank_init": first.extra["effective_rank"],
        "n_minus_h": first.n_minus_h,
    }
    print(
        f"  at initialisation the exact BFD is {first.bfd('train')} of N − H = {first.n_minus_h}: a small "
        f"initialisation makes the network tiny, not degenerate; float64's effective rank is "
        f"{first.extra['effective_rank']}."
    )
    if plateaus:
        p = plateaus[0]
        on = [r for r in rows if p.start <= r.step <= p.end]
        facts.update(
            plateau1=(on[0].bfd("train"), on[-1].bfd("train")),
            patterns1=(on[0].num_patterns("train"), on[-1].num_patterns("train")),
        )
        print(
            f"  on the first plateau (steps {p.start}–{p.end}) the exact BFD goes {on[0].bfd('train')} → "
            f"{on[-1].bfd('train')} while the distinct patterns go {on[0].num_patterns('train')} → "
            f"{on[-1].num_patterns('train')}: the neurons condense onto few directions."
        )
        after = [r for r in rows if r.step >= p.end]
        low = min(after, key=lambda r: r.bfd("train"))
        facts.update(low=(low.step, low.bfd("train")), final=rows[-1].bfd("train"))
        print(
            f"  after it the BFD is lowest at step {low.step} ({low.bfd('train')}) and ends at "
            f"{rows[-1].bfd('train')}; the float effective rank climbs {first.extra['effective_rank']} → "
            f"{rows[-1].extra['effective_rank']} in steps."
        )
    last = rows[-1]
    print(
        "  first → last checkpoint: "
        + ", ".join(f"BFD on {b} {first.bfd(b)} → {last.bfd(b)}" for b in ("train", "test", "random"))
    )
    facts["first_last"] = {b: (first.bfd(b), last.bfd(b)) for b in ("train", "test", "random")}
    return facts


def flatness(run) -> dict:
    """Exact Hessian rank / nullity at the trained student and at the teacher (an interpolating minimum)."""
    X, Y = run.data.X_train, run.data.y_train
    student = flatness_report(run.result.final, X, Y)
    teacher_net = run.data.teacher
    exact_Y = rg.forward(teacher_net, X)  # the teacher's exact outputs: loss 0
    teacher = flatness_report(teacher_net, X, exact_Y)
    for name, rep in (("trained student", student), ("teacher (exact minimum)", teacher)):
        print(
            f"  {name}: N = {rep.num_params}, loss {float(rep.loss):.3g}, Hessian rank {rep.hessian_rank}, "
            f"nullity {rep.hessian_nullity}, Gauss–Newton rank = BFD = {rep.bfd}, N − BFD = "
            f"{rep.num_params - rep.bfd}, inertia (+, −, 0) = {rep.inertia}"
        )
    return {"student": student, "teacher": teacher}


def main(out_dir: str | None = None) -> dict:
    start = time.perf_counter()
    run = saddle_to_saddle(TEACHER, STUDENT, init_scale=INIT_SCALE, lr=LR, steps=STEPS, n_train=N_TRAIN, seed=SEED)
    rows = run.rows
    print(
        f"Saddle-to-saddle: student {'-'.join(map(str, STUDENT))} on teacher {'-'.join(map(str, TEACHER))}, "
        f"{N_TRAIN} Gaussian inputs, GD lr {LR}, {STEPS} steps, init scale 2^-20; "
        f"N − H = {rows[0].n_minus_h}, {len(rows)} exact checkpoints"
    )
    print(
        f"\n{len(run.plateaus)} plateaus detected (loss decaying slower than step^-0.05 over a factor ≥ 1.5 in steps):"
    )
    phases = phase_table(run)
    print("\nexact BFD at the checkpoints (step: BFD / float SVD rank / effective rank / patterns):")
    print(
        "  "
        + "  ".join(
            f"{r.step}: {r.bfd('train')}/{r.float_rank('train')}/{r.extra['effective_rank']}/{r.num_patterns('train')}"
            for r in rows[::4]
        )
    )
    print("\nreading:")
    facts = reading(run)
    print("\nflatness (exact Hessian of Σ‖F − y‖²):")
    flat = flatness(run)
    out_dir = out_dir or os.getcwd()
    png = os.path.join(out_dir, "saddle_to_saddle.png")
    plot_saddle_run(run, png, title=f"student {STUDENT} on teacher {TEACHER}, init scale 2^-20")
    print(f"\nwrote {png}   ({time.perf_counter() - start:.1f} s)")
    return {"run": run, "phases": phases, "reading": facts, "flatness": flat, "png": png}


if __name__ == "__main__":
    main()
