"""examples/08: a user's own PyTorch loop with exact BFD at the checkpoints; its numbers recomputed here.

Needs torch and scikit-learn (the ``torch`` and ``data`` extras); skips without them.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

import relugeom as rg

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_example_08_pytorch(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    out = runpy.run_path(str(EXAMPLES / "08_pytorch.py"))["main"](out_dir=str(tmp_path))
    printed = capsys.readouterr().out
    rows, model, data = out["rows"], out["model"], out["data"]
    assert [r.step for r in rows] == [0, 1, 10, 100, 500]
    last = rows[-1]
    assert last.accuracy > 0.9 and all(r.n_minus_h == 666 for r in rows)
    # the last row's BFD, recomputed from the trained model by an independent route: the float32 state
    # dict written to numpy and read as a state dict, ranks by the modular engine plus the certificate
    state = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    net = rg.io.network_from_state_dict(state)
    assert net == rg.from_torch(model)
    for batch, X in (("train", data.X_train), ("test", data.X_test)):
        assert rg.batch_functional_dimension(net, X) == last.bfd(batch)
        assert f"{rows[0].bfd(batch)} → {last.bfd(batch)}" in printed
    # the logits relugeom computes are torch's own up to float64 summation order (torch's and numpy's
    # matrix products may add in different orders; tests/io/test_pytorch.py checks bit equality where
    # every float64 operation is exact)
    with torch.no_grad():
        torch_logits = model.double()(torch.tensor(data.X_test)).numpy()
    exact = np.array(rg.forward(net, data.X_test), dtype=float)
    assert np.abs(torch_logits - exact).max() < 1e-12 * max(1.0, np.abs(exact).max())
    assert (torch_logits.argmax(1) == exact.argmax(1)).all()
    # as in example 06, the random batch sees more of the parameter space than the data do
    assert all(r.bfd("random") > r.bfd("train") for r in rows)
    assert all(r.certified(b) for r in rows for b in ("train", "test", "random"))
    assert Path(out["png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
