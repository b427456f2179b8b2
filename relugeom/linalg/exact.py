"""The certified exact rank engine (``method="exact"``).

Algorithm (SPEC §4):

1. ``r = rank(J' mod p)`` for a random prime p (31 bits for small matrices, 21 bits for the streamed
   engine: :func:`~relugeom.linalg.source.prime_bits`): a certain lower bound on ``rank_Q J``. For a
   tall J (more rows than columns) the right hints below are computed first, and the rows are streamed
   only until r reaches ``N − (their rank mod p)``, which then proves it.
2. Upper bound, cheapest first:

   * ``r = min(m, N)``: nothing more to prove;
   * the source's *right hints* (for a Jacobian: the H rescaling vectors and the null vectors of each
     neuron's incoming columns, :mod:`relugeom.dimension.kernels`) have rank ``N − r`` mod p: they are exact
     kernel vectors by theorem;
   * its *left hints* (for a Jacobian: affine dependencies among samples of one activation pattern)
     have rank ``m − r`` mod p;
   * the *block-rank bound* (sources with ``block_ranks()``, e.g. a Jacobian: groups = samples, blocks =
     affine maps, see :mod:`relugeom.linalg.certificate`): for the best set S of blocks,
     ``N − Σ_{k∈S} (N_k − ρ_k)₊ − rank_p(P_{¬S} U) = r``, with U the independent right hints and
     P_{¬S} zeroing the columns of S. A rank mod p is at most the rank over Q, so this is a valid upper
     bound; the certificate keeps the hints whose projections are independent mod p and the ρ_k of S.
     The ρ_k are sums of exact ranks of tiny matrices (for a Jacobian, rank B_k(x_s) per sample);
   * otherwise *compute* the missing kernel vectors: pick r independent rows R and pivot columns C mod p,
     solve ``J'[R, C] Y = −J'[R, F']`` over Q with FLINT (``fmpz_mat.solve``) for the free columns F'
     that the hints do not already cover, and check ``J' K = 0`` on **all** rows in exact integer
     arithmetic. The side (right or left kernel) with fewer missing vectors is chosen.

3. If the exact check fails, p was unlucky (``rank_Q J > r``): retry with another prime.

The computation of step 2's last case runs in a forked process and is stopped at the time budget
``certify_timeout``; then :class:`~relugeom.exceptions.CertificationTimeout` is raised carrying the
modular rank and the certified bounds. It needs J' as Python integers: when that alone is estimated
above the memory budget (:mod:`relugeom.linalg.memory`; default half the available memory) it is not
started, and the worker's address space is capped at the budget; both raise the same error at once,
with the reason. Matrices of at most ``IN_PROCESS_ENTRIES`` entries are solved in
this process instead (well under a millisecond, against about 8 ms to fork: this matters for exhaustive
checks over thousands of tiny networks); a positive budget is then not enforced, a zero budget still
raises at once. ``certify_timeout`` bounds that computation only (the hints and block ranks before it are
polynomial); the bounds of :func:`relugeom.limits.bounds` bound everything: the caller's deadline is
checked between the steps and shortens the worker's budget (raising
:class:`~relugeom.exceptions.TimeLimitReached`), its ``max_memory`` lowers the memory budget. The engine
never returns an uncertified number.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import time
from typing import Sequence

import flint
import numpy as np

from ..exceptions import CertificationTimeout, InvalidArgumentError
from ..limits import checkpoint
from ..limits import memory_budget as memory_budget_in_force
from ..limits import remaining as time_left
from .certificate import BlockRanks, Certificate
from .echelon import SMALL_PRIME_BITS, EchelonBasis, rank_mod_small_prime, residues
from .memory import default_budget, format_bytes, python_int_matrix_bytes
from .modular import PRIME_BITS, random_prime, rank_mod_p
from .source import Hints, MatrixSource, prime_bits, rank_mod

__all__ = ["certified_rank", "block_bound", "right_hint_bound", "complete_kernel", "IN_PROCESS_ENTRIES"]

#: Matrices with at most this many entries get their kernel computed in-process (no fork, no timeout).
IN_PROCESS_ENTRIES = 4096


def _pivots(A: np.ndarray, p: int) -> list[int]:
    """Pivot columns of a row echelon form of A mod p: a maximal set of columns independent mod p.

    FLINT's reduced form for 31-bit primes; the streamed float64 echelon for primes below 2^21 (its
    pivots need not be the first independent columns, but they are independent and as many as the rank).
    """
    m, n = A.shape
    if m == 0 or n == 0:
        return []
    if p < 1 << SMALL_PRIME_BITS:
        basis = EchelonBasis(n, p)
        basis.add(residues(A, p))
        return sorted(basis.pivots)
    R, rank = flint.nmod_mat(m, n, np.asarray(A).ravel().tolist(), p).rref()
    entries = np.array([int(v) for v in R.entries()], dtype=np.int64).reshape(m, n)[: int(rank)]
    return [int(np.flatnonzero(row)[0]) for row in entries]


def _hint_matrix(vectors: Sequence[Sequence[int]], p: int, inv_scale: np.ndarray | None) -> np.ndarray:
    try:
        H = np.array(vectors, dtype=np.int64).reshape(len(vectors), -1) % p  # entries below 2^63: vectorised
    except OverflowError:
        H = np.array([[int(v) % p for v in vec] for vec in vectors], dtype=np.int64)
    if inv_scale is not None and len(vectors):
        H = (H * inv_scale[None, :]) % p
    return H


def _independent(vectors: Sequence[Sequence[int]], p: int) -> list[int]:
    """Indices of a maximal subset of the vectors independent mod p."""
    if not vectors:
        return []
    return _pivots(_hint_matrix(vectors, p, None).T, p)


def right_hint_bound(n: int, hints: Sequence[Sequence[int]], p: int) -> int:
    """``N − rank_p(hints)`` for right kernel vectors of an m × N matrix: an upper bound of its rank over Q
    (the hints are kernel vectors by theorem, and a rank mod p is at most the rank over Q)."""
    return n - len(_independent(hints, p))


#: With more blocks of positive deficit than this, only S = all of them and the single blocks are tried.
MAX_BLOCK_SUBSETS_OF = 8


def _nmod_rank(A: np.ndarray, p: int) -> int:
    return rank_mod_small_prime(A, p) if p < 1 << SMALL_PRIME_BITS else rank_mod_p(A, p)


def block_bound(
    data: BlockRanks, hints: Sequence[Sequence[int]], p: int, n: int
) -> tuple[int, BlockRanks, tuple[tuple[int, ...], ...]]:
    """The best block-rank upper bound ``N − max_S [deficit(S) + rank_p(P_{¬S} U)]`` over sets S of blocks.

    Returns the bound, the blocks S (as :class:`BlockRanks`) and the hints whose projections are
    independent mod p (as many as that rank). Only blocks with ``N_k > ρ_k`` can help: a block without a
    proven deficit only removes coordinates from the hints.
    """
    useful = [b for b in data.blocks if b[1] - b[0] > b[2]]
    if len(useful) <= MAX_BLOCK_SUBSETS_OF:
        subsets = [c for size in range(len(useful) + 1) for c in itertools.combinations(useful, size)]
    else:
        subsets = [(), tuple(useful)] + [(b,) for b in useful]
    H = _hint_matrix(hints, p, None) if hints else np.zeros((0, n), dtype=np.int64)

    def projected(S) -> np.ndarray:
        PH = H.copy()
        for start, stop, _ in S:
            PH[:, start:stop] = 0
        return PH

    best_gain, best_S = -1, ()
    for S in subsets:
        gain = BlockRanks(data.group_size, S).deficit + _nmod_rank(projected(S), p)
        if gain > best_gain:
            best_gain, best_S = gain, S
    kept = _pivots(projected(best_S).T, p) if len(hints) else []
    return n - best_gain, BlockRanks(data.group_size, tuple(best_S)), tuple(tuple(hints[i]) for i in kept)


def _computed_kernel(
    src: MatrixSource, p: int, r: int, side: str, hints: Sequence[Sequence[int]]
) -> tuple[tuple[int, ...], ...] | None:
    """Kernel vectors completing the hints to dimension (length − r), exactly checked; None if r is wrong."""
    M = src.integer()
    scale = np.array([int(s) for s in src.column_scale], dtype=object)
    if side == "left":
        M = M.T
        scale = np.ones(M.shape[1], dtype=object)
    m, n = M.shape
    Mp = (M % p).astype(np.int64)
    R = _pivots(Mp.T, p)
    C = _pivots(Mp[R, :], p)
    if len(R) != r or len(C) != r:
        return None
    pivot_set = set(C)
    F = [c for c in range(n) if c not in pivot_set]
    inv_scale = np.array([pow(int(s), -1, p) for s in scale], dtype=np.int64)
    chosen_hints: list[int] = []
    covered: set[int] = set()
    if hints:
        Hf = _hint_matrix(hints, p, inv_scale)[:, F]
        covered = {F[j] for j in _pivots(Hf, p)}
        chosen_hints = _pivots(Hf.T, p)
    free = [f for f in F if f not in covered]
    kernel = [tuple(int(v) for v in hints[i]) for i in chosen_hints]
    if free:
        A = flint.fmpz_mat([[int(M[i, c]) for c in C] for i in R])
        B = flint.fmpz_mat([[-int(M[i, f]) for f in free] for i in R])
        Y = A.solve(B)
        K = np.zeros((len(free), n), dtype=object)
        for t, f in enumerate(free):
            col = [Y[i, t] for i in range(r)]
            den = 1
            for v in col:
                den = int(flint.fmpz(den).lcm(v.q))
            for i, c in enumerate(C):
                K[t, c] = int(col[i].p) * (den // int(col[i].q))
            K[t, f] = den
        product = flint.fmpz_mat([[int(v) for v in row] for row in M]) * flint.fmpz_mat(
            [[int(v) for v in row] for row in K.T]
        )
        if not product.is_zero():
            return None
        kernel.extend(tuple(int(v) * int(s) for v, s in zip(row, scale)) for row in K)
    return tuple(kernel)


def _limit_memory(budget: int) -> None:  # pragma: no cover - runs in a forked process
    """Cap this process's address space at its present size plus ``budget`` bytes (Linux, else nothing)."""
    try:
        import resource

        with open("/proc/self/statm") as fh:
            present = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = present + budget
        resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    except (ImportError, OSError, ValueError):
        pass


def _child(conn, budget, src, p, r, side, hints):  # pragma: no cover - runs in a forked process
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops this worker
    try:
        _limit_memory(budget)
        conn.send(("ok", _computed_kernel(src, p, r, side, hints)))
    except MemoryError:
        conn.send(("memory", None))
    except BaseException as err:  # noqa: BLE001 - report anything to the parent
        conn.send(("error", repr(err)))
    finally:
        conn.close()


def _entry_bits(src: MatrixSource) -> int:
    """An upper bound on the bits of J's integer entries (from the rows' squared-norm bounds)."""
    return max((int(v).bit_length() + 1) // 2 for v in src.row_norm_sq_bounds()) if src.shape[0] else 1


def _run_with_timeout(timeout: float, budget: int, *args):
    """Run :func:`_computed_kernel` in a forked process capped at ``budget`` bytes.

    Returns ``(status, payload)``: ("ok", kernel or None), ("timeout", None), or ("memory", reason) when the
    estimate of J' as Python integers exceeds the budget (nothing is started) or the worker ran out of it.
    """
    if timeout <= 0:
        return "timeout", None
    src = args[0]
    m, n = src.shape
    if m * n <= IN_PROCESS_ENTRIES:
        return "ok", _computed_kernel(*args)
    need = python_int_matrix_bytes(m, n, _entry_bits(src))
    if need > budget:
        return "memory", (
            f"computing {n - args[2]} kernel vectors exactly needs J as integers, about {format_bytes(need)}, "
            f"over the memory budget of {format_bytes(budget)}"
        )
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, budget, *args), daemon=True)
    proc.start()
    child.close()
    try:
        if parent.poll(timeout):
            try:
                status, payload = parent.recv()
            except EOFError:
                proc.join()
                return "memory", f"the kernel worker died (exit code {proc.exitcode}), out of memory?"
            if status == "memory":
                return "memory", f"the kernel computation exceeded the memory budget of {format_bytes(budget)}"
            if status == "error":
                raise RuntimeError(f"kernel computation failed in the worker: {payload}")
            return "ok", payload
        return "timeout", None
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join()
        parent.close()


def certified_rank(
    src: MatrixSource,
    rng: np.random.Generator,
    certify_timeout: float = 60.0,
    max_primes: int = 4,
    memory_budget: int | None = None,
) -> Certificate:
    """Exact rank of ``src`` with a :class:`Certificate` (see the module docstring).

    ``memory_budget`` (bytes; default half the memory available) bounds the computed-kernel step
    (:mod:`relugeom.linalg.memory`).

    Raises
    ------
    CertificationTimeout
        When no certificate is found within ``certify_timeout`` seconds or ``memory_budget`` bytes (or
        after ``max_primes`` primes that all failed the exact check).

    Examples
    --------
    >>> from relugeom.linalg.source import DenseRational
    >>> cert = certified_rank(DenseRational([[1, 2, 3], [2, 4, 6], [0, 1, "1/2"]]), np.random.default_rng(0))
    >>> cert.rank, cert.side, len(cert.kernel)
    (2, 'right', 1)
    """
    start = time.monotonic()
    m, n = src.shape
    full = min(m, n)
    bits = prime_bits((m, n))
    budget = memory_budget_in_force(default_budget() if memory_budget is None else memory_budget)
    hints: dict[str, Hints] = {}  # computed on first use: the left ones are only needed when the right fail
    blocks: list[BlockRanks | None] = []  # the source's block ranks, computed on first use (prime-free)
    tried: list[int] = []
    best_r, best_upper = 0, full
    for _ in range(max_primes):
        p = random_prime(rng, exclude=tried, bits=bits)
        tried.append(p)
        if any(int(s) % p == 0 for s in set(src.column_scale)):
            continue
        chosen: dict[str, list[tuple[int, ...]]] = {}
        stop_at = full
        if m > n and full:
            # a tall J: the right hints bound the rank before a row is streamed, and the stream stops there
            hints["right"] = hints.get("right") or src.right_hints()
            chosen["right"] = [tuple(hints["right"][1][i]) for i in _independent(hints["right"][1], p)]
            stop_at = n - len(chosen["right"])
        r = rank_mod(src, p, stop_at) if full else 0
        if r < best_r:
            continue  # an unlucky prime: a previous one showed a larger rank
        best_r = r
        if r == full:
            return Certificate(r, p, "full", "full rank")
        for side, length in (("right", n), ("left", m)):
            if side not in hints:
                checkpoint("certificate: kernel hints")
                hints[side] = src.right_hints() if side == "right" else src.left_hints()
            kind, vectors = hints[side]
            if side not in chosen:
                chosen[side] = [tuple(vectors[i]) for i in _independent(vectors, p)]
            best_upper = min(best_upper, length - len(chosen[side]))
            if r + len(chosen[side]) == length:
                return Certificate(r, p, side, kind, tuple(chosen[side]))
        # the block-rank bound (exact per-block data, computed once), before any kernel computation
        if not blocks:
            checkpoint("certificate: block ranks")
            blocks.append(getattr(src, "block_ranks", lambda: None)())
        if blocks[0] is not None:
            bound, S, kept = block_bound(blocks[0], chosen["right"], p, n)
            if bound < r:
                raise RuntimeError(f"block-rank bound {bound} below the modular rank {r}: a bug in block_ranks()")
            best_upper = min(best_upper, bound)
            if bound == r:
                return Certificate(r, p, "right", f"block ranks, with {len(kept)} of: {hints['right'][0]}", kept, S)
        # compute the missing kernel vectors on the side that misses fewer
        side = "right" if n - len(chosen["right"]) <= m - len(chosen["left"]) else "left"
        remaining = certify_timeout - (time.monotonic() - start)
        left = time_left()  # the caller's deadline (relugeom.limits.bounds), if sooner
        status, kernel = _run_with_timeout(
            remaining if left is None else min(remaining, left), budget, src, p, r, side, chosen[side]
        )
        if status == "timeout":
            checkpoint("certificate: computing the kernel")  # the caller's deadline passed: TimeLimitReached
            raise CertificationTimeout(best_r, best_r, best_upper, certify_timeout)
        if status == "memory":
            raise CertificationTimeout(best_r, best_r, best_upper, certify_timeout, reason=kernel)
        if kernel is not None:
            kind = "computed"
            if chosen[side]:
                kind += f", completing {len(chosen[side])} of: {hints[side][0]}"
            return Certificate(r, p, side, kind, kernel)
    raise CertificationTimeout(best_r, best_r, best_upper, certify_timeout)


def complete_kernel(
    src: MatrixSource,
    hints: Sequence[Sequence[int]],
    rng: np.random.Generator,
    *,
    rank: int | None = None,
    timeout: float = 60.0,
    max_primes: int = 4,
    memory_budget: int | None = None,
) -> tuple[tuple[int, ...], ...]:
    """Exact right kernel vectors of ``src`` that complete ``hints`` to a basis of its kernel.

    Parameters
    ----------
    src : MatrixSource
        The m × N matrix J (``J = J' diag(1/column_scale)``); only ``shape``, ``column_scale``,
        ``integer()`` and ``row_norm_sq_bounds()`` are used.
    hints : sequence of integer vectors
        Exact kernel vectors of J in J's own coordinates (not J'\'s), e.g. the rescaling vectors of a
        Jacobian; they may be dependent. Vectors that are not in the kernel make the call fail.
    rng : numpy Generator
        Draws the primes.
    rank : int, optional
        ``rank_Q J`` when already certified (e.g. by :func:`certified_rank`). Without it the rank is the
        rank modulo a prime, certified by the kernel this computes.
    timeout : float
        Seconds for the exact kernel computation (forked beyond :data:`IN_PROCESS_ENTRIES` entries, as in
        :func:`certified_rank`); the caller's deadline (:func:`relugeom.limits.bounds`) applies too.
    max_primes : int
        Primes tried before giving up (a prime can only be unlucky, never wrong).
    memory_budget : int, optional
        Bytes for the kernel computation (default: half the available memory).

    Returns
    -------
    tuple of integer vectors
        Exactly ``(N − rank J) − rank(hints)`` vectors, in J's coordinates, each checked ``J v = 0`` in
        exact integer arithmetic; together with the hints they span ``ker J``.

    Raises
    ------
    CertificationTimeout
        When the exact computation exceeds ``timeout`` or the memory budget, or every prime was unlucky.
    InvalidArgumentError
        When the hints are provably not kernel vectors of J (their span exceeds the kernel's dimension).

    Notes
    -----
    The computation is :func:`certified_rank`'s last step: with r independent rows and pivot columns modulo
    a prime p, ``J'[R, C] Y = −J'[R, F]`` is solved over Q (FLINT) for the free columns F that the hints do
    not cover, and ``J' K = 0`` is checked on all rows. Of the returned kernel and the hints, a maximal set
    independent modulo p is taken greedily, hints first (independence mod p implies independence over
    Q); its non-hint members are returned once their number is ``(N − r) − rank_Q(hints)``. Since all of
    them lie in ``ker J`` of dimension N − r, hints plus the result span it. No generic null space of the
    whole J is formed: the solve has r unknowns per free column, and the hints remove free columns.

    Examples
    --------
    >>> from relugeom.linalg.source import DenseRational
    >>> src = DenseRational([[1, 2, 3], [2, 4, 6]])               # kernel: x + 2y + 3z = 0
    >>> complete_kernel(src, [(-2, 1, 0)], np.random.default_rng(0))
    ((-3, 0, 1),)
    >>> complete_kernel(src, [], np.random.default_rng(0), rank=1)
    ((-2, 1, 0), (-3, 0, 1))
    """
    m, n = src.shape
    hints = [tuple(int(v) for v in h) for h in hints]
    budget = memory_budget_in_force(default_budget() if memory_budget is None else memory_budget)
    start = time.monotonic()
    tried: list[int] = []
    best = 0
    for _ in range(max_primes):
        p = random_prime(rng, exclude=tried, bits=PRIME_BITS)
        tried.append(p)
        if any(int(s) % p == 0 for s in set(src.column_scale)):
            continue
        checkpoint("kernel completion: modular rank")
        M = src.integer()
        rp = rank_mod_p((M % p).astype(np.int64), p) if m and n else 0
        best = max(best, rp)
        if rank is not None and rp != rank:
            continue  # an unlucky prime (rp < rank)
        if rank is None and rp == 0 and m and n and bool((M != 0).any()):
            continue  # a nonzero matrix whose entries p all divides
        r = rp if rank is None else rank
        if r == 0:
            kernel: tuple[tuple[int, ...], ...] | None = tuple(tuple(int(c == t) for c in range(n)) for t in range(n))
        elif r == n:
            kernel = ()
        else:
            left = time_left()
            remaining = timeout - (time.monotonic() - start)
            status, kernel = _run_with_timeout(
                remaining if left is None else min(remaining, left), budget, src, p, r, "right", hints
            )
            if status == "timeout":
                checkpoint("kernel completion: computing the kernel")
                raise CertificationTimeout(best, rp, min(m, n), timeout)
            if status == "memory":
                raise CertificationTimeout(best, rp, min(m, n), timeout, reason=kernel)
            if kernel is None:
                continue  # the modular rank was below the rank over Q
        stack = hints + list(kernel)
        chosen = _independent(stack, p)
        if len(chosen) > n - r:
            raise InvalidArgumentError(
                f"the {len(hints)} hints are not all kernel vectors: with the kernel they span "
                f"{len(chosen)} > N − rank = {n - r} dimensions"
            )
        in_hints = sum(1 for i in chosen if i < len(hints))
        if in_hints < len(hints) and in_hints < int(flint.fmpz_mat([list(h) for h in hints]).rank()):
            continue  # p made independent hints dependent
        completion = tuple(stack[i] for i in chosen if i >= len(hints))
        if in_hints + len(completion) == n - r:
            return completion
    raise CertificationTimeout(
        best, best, min(m, n), timeout, reason=f"{len(tried)} primes all unlucky for the kernel completion"
    )
