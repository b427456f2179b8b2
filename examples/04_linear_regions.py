"""Teaching demo 4: the exact linear regions of a small 2-D network, and its computable full dimension.

Run: python examples/04_linear_regions.py   (a few seconds; writes linear_regions.png in the current folder)

A ReLU network is affine on each *activation region*: the open set of inputs where every hidden neuron
keeps one sign. The regions are convex polygons here (n0 = 2), and relugeom finds them exactly: every
vertex and every area is a Fraction, so the areas add up to the box's area with no rounding at all. Where a
second-layer neuron switches, its boundary *bends* at the first layer's lines (it is a line only inside
each first-layer cell), which is what makes deeper networks' regions more intricate than an arrangement
of lines.

Two regions sharing a side are joined in the *region graph*; crossing a side flips one neuron (or a few
sharing a line). Finally, the computable full functional dimension CFFD (SPEC §6) is the largest batch
functional dimension any finite batch reaches. relugeom computes it exactly from the regions of R^2 (three
points in each region suffice) and compares it with N − H and with the sampling estimate of [BMB24]:
BFD(θ, X_n) for random batches X_n of growing size n.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from fractions import Fraction

import networkx as nx

import relugeom as rg
from relugeom.plots.regions import plot_regions
from relugeom.regions import region_decomposition, region_graph
from relugeom.regions.cffd import cffd_report, estimate_cffd
from relugeom.regions.enumeration import hyperplane_key

BOX = [(-3, 3), (-3, 3)]


def main(out_dir: str | os.PathLike | None = None) -> dict:
    out_dir = tempfile.mkdtemp(prefix="relugeom-regions-") if out_dir is None else os.fspath(out_dir)
    net = rg.Network.random_rational((2, 5, 4, 1), seed=0)
    print(f"network widths {net.widths}: N = {net.num_params}, H = {net.num_hidden}")

    # 1. every activation region in the box [-3, 3]^2, exactly
    dec = region_decomposition(net, BOX)
    print(f"{len(dec)} activation regions in [-3, 3] × [-3, 3] ({len(dec.degenerate)} degenerate cells)")
    for r in dec.regions[:3]:
        corners = ", ".join("(" + ", ".join(str(v) for v in p) + ")" for p in r.vertices)
        print(f"  region {r.index}, pattern {r.pattern_string}: area {r.volume}")
        print(f"    vertices {corners}")
    # a layer-1 neuron's zero set is a bent line: its pieces lie on different lines in different regions
    lines: dict[int, set] = {}
    for r in dec.regions:
        for f in r.inequalities:
            for source in f.sources:
                if source[0] == "neuron" and source[1] == 1:
                    lines.setdefault(source[2], set()).add(hyperplane_key(f.normal, -f.offset))
    for i, pieces in sorted(lines.items()):
        print(f"  layer-1 neuron {i}: its boundary is bent, made of pieces of {len(pieces)} different lines")
    total = sum((r.volume for r in dec.regions), Fraction(0))
    box_area = Fraction(1)
    for lo, hi in dec.box:
        box_area *= hi - lo
    print(f"sum of the exact areas: {total}; area of the box: {box_area}; equal: {total == box_area}")

    # 2. the region graph: an edge where two regions share a side
    g = region_graph(dec)
    histogram = dict(sorted(Counter(d for _, d in g.degree()).items()))
    print(
        f"region graph: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges, connected: "
        f"{nx.is_connected(g)}; degree histogram {histogram}"
    )

    # 3. the picture: regions coloured by pattern, the region graph on top
    png = os.path.join(out_dir, "linear_regions.png")
    plot_regions(dec, show_graph=True, path=png)
    print(f"picture written to {png}")

    # 4. the exact CFFD (from the regions of all of R^2) against N − H and the sampling estimate
    rep = cffd_report(net)
    print(
        f"CFFD = {rep.cffd} (exact, from {rep.num_regions} regions of R^2 and a batch of "
        f"{rep.num_samples} points); N − H = {rep.upper_bound}; deficit {rep.deficit}"
    )
    pats = [r.pattern for r in region_decomposition(net).regions]
    labels = [(k, i) for k, w in enumerate(net.hidden_widths) for i in range(w)]
    always = [labels[j] for j in range(net.num_hidden) if all(p[j] for p in pats)]
    if always:
        print(
            f"  neuron(s) {always} (layer, neuron) are active on every region of R^2: such a neuron acts "
            f"affinely, so e.g. a change of its bias is undone by the next layer's biases, a degeneracy "
            f"the rescalings do not explain"
        )
    est = estimate_cffd(net, seed=0, exact=rep.cffd)
    print("sampling estimate, BFD(θ, X_n) on nested Gaussian batches:")
    for row in est.rows:
        print(
            f"  n = {row['n']:>4}: BFD {row['bfd']:>3}  (regions perceived {row['regions_perceived']}, "
            f"per-pattern bound {row['pattern_bound']})"
        )
    print(f"first n where the estimate reaches the exact CFFD {rep.cffd}: {est.first_reached}")
    return {
        "num_regions": len(dec),
        "total_area": total,
        "box_area": box_area,
        "num_edges": g.number_of_edges(),
        "degree_histogram": histogram,
        "cffd": rep.cffd,
        "N_minus_H": rep.upper_bound,
        "curve": [(row["n"], row["bfd"]) for row in est.rows],
        "first_reached": est.first_reached,
        "png": png,
        "graph": g,
        "decomposition": dec,
    }


if __name__ == "__main__":
    main(out_dir=os.getcwd())
