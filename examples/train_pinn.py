"""Train the physics-informed ptychography network on simulated data, contracts on.

    python examples/train_pinn.py --quick            # under 2 minutes on 2 cores
    python examples/train_pinn.py --jit-compile      # the full preset, train step under XLA
    SHAPECHECK_MODE=strict python examples/train_pinn.py --quick

Every ptycho_core function and layer ``call`` is checked by shapecheck (``trace`` mode by
default: checked while tracing, no per-step cost). Writes ``ptycho_reconstruction.png``
(ground truth vs reconstruction, amplitude and phase) and prints the reconstruction
scores; ``--help`` lists every option of ``python -m ptycho_core.train``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ptycho_core.train import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
