"""``relugeom train --data digits|teacher|moons|mnist``: train a small network in float64 and measure the exact
BFD of every checkpoint (SPEC §7).

A progress bar and one line per checkpoint on stderr, the per-checkpoint table on stdout
(:mod:`relugeom.cli.train_report` draws both), and with ``--out`` a run directory that
``relugeom recheck DIR`` re-checks from the files alone. ``--data mnist`` reads
MNIST from ``--data-path DIR`` on disk (:func:`relugeom.training.datasets.mnist`; nothing is downloaded).

Examples
--------
>>> from relugeom.cli.main import build_parser
>>> args = build_parser().parse_args(["train", "--data", "moons", "--epochs", "3", "--quiet"])
>>> args.func is run, args.data, args.epochs, args.seed, args.certify_timeout, args.at_zero
(True, 'moons', 3, 0, 60.0, None)
>>> TRAIN_DEFAULTS["moons"]["optimizer"], _parse_checkpoints("0,10,100")
('adam', (0, 10, 100))
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from typing import Any

from ..exceptions import RelugeomError
from .options import (
    AT_ZERO_CHOICES,
    Subparsers,
    add_at_zero,
    add_certify_timeout,
    add_json,
    add_output,
    add_seed,
    choice,
    integer,
    parse_ints,
    real,
)
from .train_report import ReportingTracker, TrainProgress, history_json, print_report

__all__ = ["TRAIN_DEFAULTS", "TEACHER_WIDTHS", "register", "run"]

#: Per data set defaults of ``relugeom train`` (each default run takes well under 30 s on 2 cores).
#: ``widths`` None for the teacher: ``n0,16,n_L`` from ``--teacher-widths``; mnist's are [BMB24]'s, with
#: few samples: an exact BFD there is a rank of 10·n rows in N = 25,720 columns (about 1.5 s for n = 20).
TRAIN_DEFAULTS: dict[str, dict[str, Any]] = {
    "digits": {
        "widths": (64, 16, 16, 10),
        "loss": "cross-entropy",
        "optimizer": "sgd",
        "lr": 0.05,
        "n_train": 300,
        "n_test": 300,
        "epochs": 10,
        "checkpoints": 2,
        "noise": None,
    },
    "teacher": {
        "widths": None,
        "loss": "squared",
        "optimizer": "gd",
        "lr": 0.05,
        "n_train": 100,
        "n_test": 100,
        "epochs": 2000,
        "checkpoints": 10,
        "noise": 0.0,
    },
    "moons": {
        "widths": (2, 16, 16, 2),
        "loss": "cross-entropy",
        "optimizer": "adam",
        "lr": 0.01,
        "n_train": 100,
        "n_test": 100,
        "epochs": 200,
        "checkpoints": 10,
        "noise": 0.1,
    },
    "mnist": {
        "widths": (784, 30, 30, 30, 10),
        "loss": "cross-entropy",
        "optimizer": "sgd",
        "lr": 0.05,
        "n_train": 20,
        "n_test": 20,
        "epochs": 20,
        "checkpoints": 2,
        "noise": None,
    },
}
TEACHER_WIDTHS = (2, 4, 1)
_MNIST_FILES = "DIR, DIR/raw or DIR/MNIST/raw with the four IDX files (torchvision's layout), or keras' mnist.npz"


def register(subparsers: Subparsers) -> None:
    """Add ``train`` to the sub-commands."""

    def dflt(key: str) -> str:
        return ", ".join(f"{name} {_default_text(d[key])}" for name, d in TRAIN_DEFAULTS.items())

    from ..training.datasets import DATASETS
    from ..training.loop import LOSSES
    from ..training.optimizers import OPTIMIZERS

    t = subparsers.add_parser(
        "train", help="train a small network in float64 and track its exact BFD at checkpoints (SPEC §7)"
    )
    t.add_argument(
        "--data",
        required=True,
        metavar="|".join(DATASETS),
        help="digits (scikit-learn 8x8 digits, needs the 'data' extra), teacher (regression on a "
        "random teacher network), moons (two moons) or mnist (MNIST from --data-path, never downloaded)",
    )
    t.add_argument("--data-path", metavar="DIR", help="MNIST on disk (--data mnist only): " + _MNIST_FILES)
    t.add_argument(
        "--widths",
        metavar="n0,…,nL",
        help="layer widths, from the data's input size to its output size (default: digits "
        "64,16,16,10; teacher n0,16,nL of --teacher-widths; moons 2,16,16,2; mnist 784,30,30,30,10)",
    )
    t.add_argument("--optimizer", metavar="|".join(OPTIMIZERS), help=f"default: {dflt('optimizer')}")
    t.add_argument(
        "--epochs", type=integer(0), metavar="E", help=f"passes over the training set (default: {dflt('epochs')})"
    )
    t.add_argument("--lr", type=real(0, above=True), help=f"learning rate (default: {dflt('lr')})")
    t.add_argument(
        "--batch-size",
        type=integer(1),
        metavar="B",
        help="minibatch size (default: 32 for sgd and adam, full batch for gd and path-sgd)",
    )
    t.add_argument("--momentum", type=real(0), metavar="MU", help="heavy-ball momentum of sgd (default 0.9)")
    t.add_argument("--loss", metavar="|".join(LOSSES), help=f"default: {dflt('loss')}")
    add_seed(
        t,
        "seed of the data, the initial network, the minibatches and the random inputs "
        "(the teacher network draws from a stream of its own; default 0)",
    )
    t.add_argument(
        "--checkpoints",
        metavar="K|s1,s2,…",
        help="number of checkpoints, step 0 and the last step included, or a comma list of steps "
        f"(one step: '100,') (default: {dflt('checkpoints')})",
    )
    t.add_argument(
        "--spacing", default="log", metavar="log|linear", help="spacing of a number of checkpoints (default log)"
    )
    t.add_argument(
        "--track",
        default="train,test,random",
        metavar="train,test,random",
        help="batches whose BFD is tracked (default all three)",
    )
    t.add_argument("--n-train", type=integer(1), metavar="N", help=f"training samples (default: {dflt('n_train')})")
    t.add_argument("--n-test", type=integer(0), metavar="N", help=f"test samples (default: {dflt('n_test')})")
    t.add_argument(
        "--n-random",
        type=integer(1),
        metavar="N",
        help="standard Gaussian inputs of the 'random' batch (default: as many as --n-train)",
    )
    t.add_argument(
        "--teacher-widths",
        metavar="n0,…,nL",
        help=f"widths of the teacher network (teacher only; default {_default_text(TEACHER_WIDTHS)})",
    )
    t.add_argument(
        "--noise",
        type=real(0),
        help="std of the Gaussian noise: on the targets (teacher, default 0) or the points (moons, default 0.1)",
    )
    t.add_argument(
        "--init-scale",
        type=real(0, above=True),
        default=1.0,
        metavar="S",
        help="multiply the initial He network by S (small initialisations; default 1)",
    )
    t.add_argument(
        "--cffd",
        default="auto",
        metavar="auto|exact|off",
        help="exact CFFD column: auto (n0 <= 2 and at most 16 hidden neurons), exact or off (default auto)",
    )
    t.add_argument("--float-ranks", action="store_true", help="also record the float64 SVD ranks")
    add_certify_timeout(
        t, "time budget per certified rank; beyond it the modular lower bound is kept, marked '*' (default 60)"
    )
    add_at_zero(
        t,
        "one-sided convention at zero pre-activations (default: such batches are degenerate)",
        checked_by_command=True,
    )
    add_output(
        t,
        "--out",
        "DIR",
        "write the run (history.json, checkpoints/, inputs/, curves.png, run.json) to DIR",
        directory=True,
    )
    add_json(t, "print one JSON object {run, history} on stdout")
    t.add_argument("--quiet", action="store_true", help="no progress bar and no checkpoint lines on stderr")
    t.set_defaults(func=run)


def _default_text(v: Any) -> str:
    if isinstance(v, tuple):
        return ",".join(map(str, v))
    return "-" if v is None else f"{v:g}" if isinstance(v, float) else str(v)


def _parse_checkpoints(text: str) -> int | tuple[int, ...]:
    if "," not in text:
        try:
            count = int(text)
        except ValueError:
            count = 0
        if count < 2:
            raise RelugeomError(
                f"--checkpoints {text!r}: give a number of checkpoints >= 2 (step 0 and the last "
                f"step) or a comma list of steps, e.g. --checkpoints 0,10,100"
            )
        return count
    return parse_ints("--checkpoints", text, "0,10,100", minimum=0)


def _load_train_data(args: argparse.Namespace, defaults: dict[str, Any], n_train: int, n_test: int) -> Any:
    from ..training.datasets import digits, mnist, teacher_task, two_moons

    if args.data != "teacher" and args.teacher_widths is not None:
        raise RelugeomError(f"--teacher-widths applies to --data teacher only, not --data {args.data}")
    if args.data != "mnist" and args.data_path is not None:
        raise RelugeomError(f"--data-path applies to --data mnist only, not --data {args.data}")
    if args.data in ("digits", "mnist") and args.noise is not None:
        raise RelugeomError(f"--noise applies to --data teacher (targets) and --data moons (points), not {args.data}")
    noise = defaults["noise"] if args.noise is None else args.noise
    if noise is not None and not (noise >= 0 and noise != float("inf")):
        raise RelugeomError(f"--noise must be a finite number >= 0, got {args.noise}")
    if args.data == "digits":
        return digits(n_train, n_test, seed=args.seed)
    if args.data == "mnist":
        if args.data_path is None:
            raise RelugeomError("--data mnist reads MNIST from disk: give its folder (or mnist.npz) with --data-path")
        return mnist(args.data_path, n_train, n_test, seed=args.seed)
    if args.data == "moons":
        return two_moons(n_train, n_test, noise=noise, seed=args.seed)
    tw = TEACHER_WIDTHS if args.teacher_widths is None else parse_ints("--teacher-widths", args.teacher_widths, "2,4,1")
    if len(tw) < 2:
        raise RelugeomError(
            f"--teacher-widths {args.teacher_widths!r}: give at least an input and an output width, e.g. 2,4,1"
        )
    return teacher_task(tw, n_train, n_test, seed=args.seed, noise=noise)


def run(args: argparse.Namespace) -> int:
    """Train, measure every checkpoint, print the table (or one JSON object) and write ``--out``."""
    import numpy as np

    from ..core.network import Network
    from ..io import json_ready
    from ..training.datasets import DATASETS
    from ..training.loop import LOSSES, TrainConfig, checkpoint_steps, scaled_network, train
    from ..training.optimizers import OPTIMIZERS
    from ..training.run_directory import run_info, write_run
    from ..training.tracking import STANDARD_BATCHES, Tracker

    name = choice("--data", args.data, DATASETS)
    defaults = TRAIN_DEFAULTS[name]
    optimizer = choice("--optimizer", args.optimizer or defaults["optimizer"], tuple(OPTIMIZERS))
    loss = choice("--loss", args.loss or defaults["loss"], LOSSES)
    spacing = choice("--spacing", args.spacing, ("log", "linear"))
    cffd = choice("--cffd", args.cffd, ("auto", "exact", "off"))
    at_zero = None if args.at_zero is None else choice("--at-zero", args.at_zero, AT_ZERO_CHOICES)
    track = tuple(t.strip() for t in args.track.split(",") if t.strip())
    for t in track:
        choice("--track", t, STANDARD_BATCHES)
    if not track:
        raise RelugeomError(f"--track {args.track!r}: name at least one batch among {', '.join(STANDARD_BATCHES)}")
    n_train = defaults["n_train"] if args.n_train is None else args.n_train
    n_test = defaults["n_test"] if args.n_test is None else args.n_test
    scale = args.init_scale  # the flags' types checked every number (relugeom.cli.options)
    epochs = defaults["epochs"] if args.epochs is None else args.epochs
    checkpoints = defaults["checkpoints"] if args.checkpoints is None else _parse_checkpoints(args.checkpoints)
    widths = None if args.widths is None else parse_ints("--widths", args.widths, "2,16,1")
    if widths is not None and len(widths) < 2:
        raise RelugeomError(f"--widths {args.widths!r}: give at least an input and an output width, e.g. 2,16,1")

    data = _load_train_data(args, defaults, n_train, n_test)
    if loss == "cross-entropy" and data.task != "classification":
        raise RelugeomError(f"--loss cross-entropy needs class labels; {name} is a regression task: use --loss squared")
    if widths is None:
        widths = defaults["widths"] or (data.input_dim, 16, data.output_dim)
    lr = defaults["lr"] if args.lr is None else args.lr
    try:
        config = TrainConfig(
            optimizer=optimizer,
            lr=lr,
            epochs=epochs,
            batch_size=args.batch_size,
            momentum=args.momentum,
            loss=loss,
            seed=args.seed,
            checkpoints=checkpoints,
            spacing=spacing,
        )
    except ValueError as err:
        raise RelugeomError(f"{err} (check --lr, --epochs, --batch-size, --momentum)") from None
    n = len(data.X_train)
    total = epochs * config.steps_per_epoch(n)
    if isinstance(checkpoints, tuple):
        bad = [s for s in checkpoints if s > total]
        if bad:
            raise RelugeomError(
                f"--checkpoints {args.checkpoints}: steps {bad} lie beyond the last step {total} "
                f"({epochs} epochs of {total // max(epochs, 1)} steps)"
            )
    steps = checkpoint_steps(total, config.checkpoints, spacing)

    net = Network.random_he(widths, seed=args.seed)
    if scale != 1.0:
        net = scaled_network(net, scale)
    try:
        tracker = Tracker.for_dataset(
            data,
            track=track,
            n_random=args.n_random,
            seed=args.seed,
            method="exact",
            cffd=cffd,
            float_ranks=args.float_ranks,
            certify_timeout=args.certify_timeout,
            at_zero=at_zero,
        )
    except ValueError as err:
        raise RelugeomError(str(err)) from None

    progress = TrainProgress(
        sys.stderr,
        total,
        enabled=not args.quiet,
        header=f"training {name} widths {','.join(map(str, widths))} with {optimizer}: "
        f"{total} steps, {len(steps)} checkpoints (exact BFD on "
        f"{', '.join(tracker.inputs)})",
    )
    t0 = time.perf_counter()
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            result = train(net, data, config, ReportingTracker(tracker, progress), progress=progress)
    except FloatingPointError as err:
        raise RelugeomError(str(err)) from None
    finally:
        progress.close()
    seconds = time.perf_counter() - t0
    info = {"command": shlex.join(["relugeom", *args.argv])}
    if scale != 1.0:
        info["init_scale"] = scale
    if args.out is not None:
        try:
            write_run(args.out, result, data, tracker, info=info)
        except OSError as err:
            raise RelugeomError(f"--out {args.out}: cannot write the run ({err.strerror or err})") from None
    history = result.history
    if args.json:
        run_json = run_info(result, data, tracker, info)
        run_json["seconds"] = round(seconds, 3)
        run_json["out"] = args.out
        print(json.dumps(json_ready({"run": run_json, "history": history_json(history)})))
        return 0

    net0 = result.initial
    nh = net0.num_params - net0.num_hidden
    how = f"lr {config.lr:g}"
    if config.batch_size is not None and config.batch_size < n:
        how += f", batch {config.batch_size}"
    if config.momentum:
        how += f", momentum {config.momentum:g}"
    print(
        f"{data.summary()}; widths {','.join(map(str, net0.widths))}: N = {net0.num_params}, "
        f"H = {net0.num_hidden}, N − H = {nh}; {optimizer} ({how}), {loss} loss, {epochs} epochs = "
        f"{result.num_steps} steps, {seconds:.1f} s"
    )
    print_report(
        history,
        list(tracker.inputs),
        float_ranks=args.float_ranks,
        certify_timeout=args.certify_timeout,
        nh=nh,
        classification=data.task == "classification",
    )
    if args.out is not None:
        print(f"wrote {args.out} (history.json, checkpoints/, inputs/, curves.png)")
    return 0
