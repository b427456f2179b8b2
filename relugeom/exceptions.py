"""The one small error hierarchy of relugeom.

Every error relugeom raises on purpose is a :class:`RelugeomError`; each message says what is wrong,
where, and what to do about it. The command line prints the message on one line and exits with code 2,
or with code 3 for a :class:`LimitReached` (a time, region or memory bound that stopped the work).

Examples
--------
>>> from relugeom.numbers import to_fraction
>>> try:
...     to_fraction(float("nan"))
... except NotExactError as err:
...     print(type(err).__name__, "is a RelugeomError:", isinstance(err, RelugeomError))
NotExactError is a RelugeomError: True
"""

from __future__ import annotations

__all__ = [
    "RelugeomError",
    "InvalidArgumentError",
    "UsageError",
    "MissingExtraError",
    "NotExactError",
    "InexactInputError",
    "ShapeError",
    "DegeneratePointError",
    "DegenerateSegmentError",
    "CertificationTimeout",
    "LimitReached",
    "TimeLimitReached",
    "RegionLimitReached",
    "MemoryLimitReached",
    "format_bytes",
    "FormatError",
    "UnsupportedModelError",
    "FloatRangeError",
    "ZeroNormalError",
    "RelugeomWarning",
    "DegenerateCellWarning",
]


class RelugeomError(Exception):
    """Base class of every error relugeom raises on purpose."""


class InvalidArgumentError(RelugeomError, ValueError):
    """An argument outside its allowed values: an unknown method name, a negative count, an empty range."""


class UsageError(InvalidArgumentError):
    """A command line the parser cannot read (unknown flag, bad flag value): one line, exit code 2."""


class MissingExtraError(RelugeomError, ImportError):
    """An optional dependency is not installed; the message names the extra that provides it."""


class NotExactError(RelugeomError, ValueError):
    """A number cannot be converted to an exact rational (NaN, infinity, unparsable text, bad type)."""


class InexactInputError(NotExactError, TypeError):
    """A float (or other non-exact number) was passed where an exact rational is required."""


class ShapeError(RelugeomError, ValueError):
    """Arrays whose shapes do not fit: ragged rows, wrong input width, mismatched layers."""


class FormatError(RelugeomError, ValueError):
    """A file (network JSON, inputs CSV, safetensors, ONNX, .pt, IDX) that is missing or does not follow its format."""


class UnsupportedModelError(FormatError):
    """A model, graph or state dict that is not a fully connected ReLU network in relugeom's form.

    The message names the module class (or ONNX op, or state-dict key) and its position, and says what to
    do: e.g. drop a final softmax, since relugeom differentiates the logits.
    """


class FloatRangeError(RelugeomError, ArithmeticError):
    """An exact number does not fit in float64 (the float fast path cannot represent it)."""


class ZeroNormalError(RelugeomError, ValueError):
    """A hyperplane ``a·x = beta`` was requested with ``a = 0``."""


class DegeneratePointError(RelugeomError, ValueError):
    """A hidden pre-activation is zero: F is not differentiable in θ there.

    Attributes ``sample``, ``layer`` and ``neuron`` (all 0-based) locate the first zero found.
    ``in_float`` is True when the zero is a float64 value (``method="float"``): rounding may have made
    it, so the exact point need not be degenerate.
    """

    def __init__(self, sample: int, layer: int, neuron: int, in_float: bool = False):
        self.sample, self.layer, self.neuron, self.in_float = sample, layer, neuron, in_float
        where = f"sample {sample} has pre-activation {{}} at hidden layer {layer}, neuron {neuron}"
        if in_float:
            message = (
                f"float64 degenerate point: {where.format('0.0 in float64')}; rounding may have made "
                f"this zero (the exact value need not be 0). Use method='exact', or pass "
                f"at_zero='inactive' or at_zero='active' (CLI: --at-zero) for a one-sided convention."
            )
        else:
            message = (
                f"degenerate point: {where.format('exactly 0')}; the network is not differentiable in "
                f"its parameters there. Move the sample, or pass at_zero='inactive' or "
                f"at_zero='active' (CLI: --at-zero) to use a one-sided derivative."
            )
        super().__init__(message)


class DegenerateSegmentError(RelugeomError, ValueError):
    """A segment runs inside a neuron's hyperplane: that neuron's pre-activation is identically 0 for
    ``t`` in an interval around ``t``, so the activation pattern (hence where it changes) is undefined.

    F along the segment is the same under both one-sided conventions; the patterns, and so the number of
    breakpoints, are not. ``in_float`` is True when the zero was found in float64 (``method="float"``).
    """

    def __init__(self, layer: int, neuron: int, t: object, in_float: bool = False):
        self.layer, self.neuron, self.t, self.in_float = layer, neuron, t, in_float
        what = "is 0 in float64 (up to its tolerance)" if in_float else "is identically 0"
        super().__init__(
            f"degenerate segment: the pre-activation of hidden layer {layer}, neuron {neuron} {what} on an "
            f"interval of t around t = {t}, so the segment lies in that neuron's hyperplane and the "
            f"activation pattern is undefined there. Pass at_zero='inactive' or at_zero='active' "
            f"(CLI: --at-zero) to count such a neuron one way (F and its slopes are the same either way; "
            f"the breakpoints where the pattern changes may not be)."
        )


class LimitReached(RelugeomError, RuntimeError):
    """A bound the caller set stopped the work: time, regions or memory (CLI exit code 3).

    Nothing is wrong with the input; the message says which bound was reached and how to raise it.
    """


class TimeLimitReached(LimitReached):
    """The deadline of :func:`relugeom.limits.bounds` (CLI: ``--timeout``) passed; ``timeout`` in seconds."""

    def __init__(self, timeout: float, doing: str | None = None):
        self.timeout, self.doing = timeout, doing
        where = f" while {doing}" if doing else ""
        super().__init__(
            f"time limit of {timeout:g} s reached{where}; raise it (CLI: --timeout SECONDS) or ask for less"
        )


class RegionLimitReached(LimitReached):
    """More cells than ``max_regions`` (CLI: ``--max-regions``) were created; ``count`` at ``layer``."""

    def __init__(self, max_regions: int, layer: int, count: int):
        self.max_regions, self.layer, self.count = max_regions, layer, count
        super().__init__(
            f"region limit reached: more than {max_regions} cells at hidden layer {layer}; enumerate inside "
            f"a smaller box, or raise max_regions (CLI: --max-regions)"
        )


class MemoryLimitReached(LimitReached):
    """The estimated (or measured) peak memory ``need`` exceeds the budget ``budget`` (bytes)."""

    def __init__(self, need: int, budget: int, what: str):
        self.need, self.budget, self.what = need, budget, what
        super().__init__(
            f"memory limit: {what} needs about {format_bytes(need)}, over the limit of {format_bytes(budget)}; raise it "
            f"(CLI: --max-memory SIZE, e.g. 8G) or ask for less"
        )


def format_bytes(num: int) -> str:
    """Bytes for people, as the messages print them: ``1.5 GB``, ``320 MB``, ``12 kB`` (powers of 1024).

    >>> format_bytes(3 * 2**29), format_bytes(320 * 2**20), format_bytes(12345)
    ('1.5 GB', '320 MB', '12 kB')
    """
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("kB", 2**10)):
        if num >= size:
            value = num / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{num} B"


class CertificationTimeout(LimitReached):
    """No certificate for the exact rank was found within the time budget (or the memory budget: ``reason``).

    The error carries what *is* known, so the caller can decide: ``modular_rank`` (the rank modulo the
    primes tried, correct with high probability), ``lower_bound`` (certified: rank ≥ lower_bound) and
    ``upper_bound`` (the best certified upper bound found).
    """

    def __init__(self, modular_rank: int, lower_bound: int, upper_bound: int, budget: float, reason: str | None = None):
        self.modular_rank = modular_rank
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        self.budget = budget
        self.reason = reason
        why = f"within {budget:g} s" if reason is None else f"({reason})"
        remedy = "Raise the budget (certify_timeout=..., CLI: --certify-timeout), or use" if reason is None else "Use"
        super().__init__(
            f"no certificate for the exact rank {why}: certified "
            f"{lower_bound} <= rank <= {upper_bound}, modular rank {modular_rank}. {remedy} "
            f"method='modular' for a probabilistic answer with an explicit error bound."
        )


class RelugeomWarning(UserWarning):
    """Base class of every warning relugeom issues."""


class DegenerateCellWarning(RelugeomWarning):
    """Part of the input space is degenerate: a hidden neuron is identically zero on an open set."""
