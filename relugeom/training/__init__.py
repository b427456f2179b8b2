"""Training dynamics (SPEC §7): data, the float64 trainer, exact measurements per checkpoint, the run on disk.

datasets ─▶ loop (GD / SGD / Adam / Path-SGD; checkpoints are exact Networks)
              └─▶ tracking (exact BFD, patterns, dead neurons, CFFD, alignment per checkpoint)
                     └─▶ run_directory (files, re-check)
hessian (exact Hessian of the squared loss: flatness) · alignment (collinear neurons)
saddles (plateaus of a small-initialisation run and the BFD on each)
"""

from .alignment import Alignment, alignment, merge_aligned
from .datasets import Dataset, digits, gaussian_inputs, load_dataset, teacher_task, two_moons
from .hessian import FlatnessReport, flatness_report, gauss_newton, loss_hessian
from .loop import TrainConfig, TrainResult, train
from .run_directory import recheck_run, write_run
from .saddles import SaddleRun, detect_plateaus, saddle_to_saddle
from .tracking import Tracker

__all__ = [
    "Dataset",
    "digits",
    "teacher_task",
    "two_moons",
    "gaussian_inputs",
    "load_dataset",
    "TrainConfig",
    "TrainResult",
    "train",
    "Tracker",
    "write_run",
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
