"""Training dynamics (SPEC §7): data, the float64 trainer, exact measurements per checkpoint, the run on disk.

datasets ─▶ loop (optimizers: GD / SGD / Adam / Path-SGD, one registry; checkpoints are exact Networks)
              └─▶ tracking (exact BFD, patterns, dead neurons, CFFD, alignment: one rows.CheckpointRow each)
                     └─▶ run_directory (files, re-check)
hessian (exact Hessian of the squared loss: flatness) · alignment (collinear neurons)
saddles (plateaus of a small-initialisation run and the BFD on each)
"""

from .alignment import Alignment, alignment, merge_aligned
from .datasets import Dataset, digits, gaussian_inputs, load_dataset, mnist, teacher_task, two_moons
from .hessian import FlatnessReport, flatness_report, gauss_newton, loss_hessian
from .loop import TrainConfig, TrainResult, train
from .optimizers import OPTIMIZERS, Optimizer, OptimizerSpec
from .rows import BatchMeasure, CheckpointRow
from .run_directory import read_rows, recheck_run, write_run
from .saddles import SaddleRun, detect_plateaus, saddle_to_saddle
from .tracking import Tracker

__all__ = [
    "Dataset",
    "digits",
    "mnist",
    "teacher_task",
    "two_moons",
    "gaussian_inputs",
    "load_dataset",
    "TrainConfig",
    "TrainResult",
    "train",
    "Optimizer",
    "OptimizerSpec",
    "OPTIMIZERS",
    "CheckpointRow",
    "BatchMeasure",
    "Tracker",
    "write_run",
    "read_rows",
    "recheck_run",
    "loss_hessian",
    "gauss_newton",
    "flatness_report",
    "FlatnessReport",
    "alignment",
    "Alignment",
    "merge_aligned",
    "detect_plateaus",
    "saddle_to_saddle",
    "SaddleRun",
]
