"""The training recipe as pure functions of the position in training.

Learning rate and loss weights depend only on ``(epoch, fraction of the epoch)``, so a
resumed run needs no scheduler state to continue exactly where it stopped.

The recipe follows the TGS writeups: a BCE warm-up, then Lovász hinge (the paper's loss)
with a little BCE, under cosine annealing with warm restarts; the end of each cycle is a
snapshot (the best validation score is kept as the model).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    """Schedule of one training run.

    Attributes:
        lr: Peak learning rate (AdamW).
        min_lr: Learning rate at the bottom of each cosine cycle.
        bce_epochs: Epochs of the BCE warm-up phase (one cosine cycle).
        cycle_epochs: Length of each cosine cycle in the Lovász phase.
        lovasz_bce_weight: Weight of BCE added to Lovász hinge in the second phase.
        deep_supervision_weight: Weight of each side output's loss.
    """

    lr: float = 2e-3
    min_lr: float = 1e-5
    bce_epochs: int = 10
    cycle_epochs: int = 10
    lovasz_bce_weight: float = 0.1
    deep_supervision_weight: float = 0.1

    def learning_rate(self, epoch: int, fraction: float) -> float:
        """Learning rate at ``fraction`` (0..1) of the way through ``epoch`` (0-based)."""
        position = epoch + fraction
        if position < self.bce_epochs:
            start, length, peak = 0.0, float(self.bce_epochs), self.lr
        else:
            cycle = int((position - self.bce_epochs) // self.cycle_epochs)
            start = self.bce_epochs + cycle * self.cycle_epochs
            length, peak = float(self.cycle_epochs), self.lr / 2
        progress = min(max((position - start) / length, 0.0), 1.0)
        warm = min(position / 0.25, 1.0) if position < 0.25 else 1.0
        cosine = self.min_lr + 0.5 * (peak - self.min_lr) * (1 + math.cos(math.pi * progress))
        return cosine * warm

    def loss_weights(self, epoch: int) -> tuple[float, float]:
        """Return ``(bce_weight, lovasz_weight)`` for ``epoch`` (0-based)."""
        if epoch < self.bce_epochs:
            return 1.0, 0.0
        return self.lovasz_bce_weight, 1.0
