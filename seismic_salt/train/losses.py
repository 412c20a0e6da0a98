"""Segmentation losses: Lovász hinge, BCE and their combination, with deep supervision.

The Lovász hinge (Berman, Rannen Triki & Blaschko, CVPR 2018) is the Lovász extension of
the Jaccard loss applied to the hinge errors ``1 - logit * sign`` (sign = ±1 for salt /
background): sort the errors in decreasing order, take the increments of the Jaccard loss
as the pixels are added one by one to the set of mistakes, and dot them with the
(ReLU-ed) sorted errors. It is a tight convex surrogate of ``1 - IoU`` and what the paper
trains with in its last stage.

All functions take logits ``[B, 1, H, W]`` (or ``[B, H, W]``) and a target of the same
shape with values in {0, 1}, or :data:`UNKNOWN` (255) for pixels whose label is not known
(the unlabelled parts of a partly labelled section): those pixels take no part in any
loss and get no gradient. They return a scalar float32 tensor: half-precision logits
(bf16 autocast) are promoted first, since the Jaccard terms count pixels.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from seismic_salt.labels import UNKNOWN

__all__ = [
    "UNKNOWN",
    "bce_loss",
    "combined_loss",
    "deep_supervision_loss",
    "lovasz_grad",
    "lovasz_hinge",
]


# the hinge error given to unknown pixels: sorted after every real error, and ReLU-ed to 0
_IGNORED_ERROR = -1e4


def lovasz_grad(gt_sorted: torch.Tensor) -> torch.Tensor:
    """Jaccard-loss increments along errors sorted in decreasing order.

    Args:
        gt_sorted: ``[..., P]`` ground truth (0/1) permuted by decreasing error.

    Returns:
        ``[..., P]``: entry ``i`` is ``J(S_i) - J(S_{i-1})`` where ``S_i`` holds the first
        ``i + 1`` pixels and ``J(S) = 1 - |gt minus S| / |gt ∪ S|`` is the Jaccard loss when
        the pixels of ``S`` are mispredicted.
    """
    total = gt_sorted.sum(dim=-1, keepdim=True)
    intersection = total - gt_sorted.cumsum(dim=-1)
    union = total + (1.0 - gt_sorted).cumsum(dim=-1)
    jaccard = 1.0 - intersection / union
    return torch.cat([jaccard[..., :1], jaccard[..., 1:] - jaccard[..., :-1]], dim=-1)


def _flat(
    logits: torch.Tensor, target: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return ``(logits, labels, known)`` as ``[B, P]`` float rows; unknown labels are 0."""
    if logits.shape != target.shape:
        if logits.ndim == 4 and logits.shape[1] == 1 and target.shape == logits[:, 0].shape:
            target = target.unsqueeze(1)
        else:
            raise ValueError(
                f"logits {tuple(logits.shape)} and target {tuple(target.shape)} differ in shape"
            )
    n = logits.shape[0]
    # Always float32 (or float64): under bf16 autocast the logits arrive in bf16, whose
    # 8-bit mantissa cannot count the salt pixels of a tile in the Jaccard cumsums.
    dtype = torch.float64 if logits.dtype == torch.float64 else torch.float32
    target = target.reshape(n, -1)
    known = target != UNKNOWN
    labels = torch.where(known, target, 0).to(dtype)
    return logits.reshape(n, -1).to(dtype), labels, known


def _lovasz_rows(
    logits: torch.Tensor, labels: torch.Tensor, known: torch.Tensor, hinge: str
) -> torch.Tensor:
    """Lovász hinge of each row; unknown pixels sort last with a zero weight."""
    signs = 2.0 * labels - 1.0
    errors = torch.where(known, 1.0 - logits * signs, _IGNORED_ERROR)
    errors_sorted, order = torch.sort(errors, dim=-1, descending=True, stable=True)
    gt_sorted = torch.gather(labels, -1, order)
    grad = lovasz_grad(gt_sorted)
    if hinge == "relu":
        weights = F.relu(errors_sorted)
    elif hinge == "elu":
        weights = F.elu(errors_sorted) + 1.0
    else:
        raise ValueError(f"hinge must be 'relu' or 'elu', not {hinge!r}")
    weights = torch.where(torch.gather(known, -1, order), weights, 0.0)
    return (weights * grad).sum(dim=-1)


def lovasz_hinge(
    logits: torch.Tensor, target: torch.Tensor, *, per_image: bool = True, hinge: str = "relu"
) -> torch.Tensor:
    """Lovász hinge loss, per image (mean over images) or over the whole batch.

    Args:
        logits: ``[B, 1, H, W]`` or ``[B, H, W]`` raw scores.
        target: Same shape, 0/1.
        per_image: Average the loss of each image (the paper's setting); otherwise
            compute one loss over all pixels of the batch.
        hinge: ``"relu"`` (Berman et al.) or ``"elu"`` (``elu(e) + 1``, a smooth variant
            popular in the TGS competition that keeps a gradient on correct pixels).

    Returns:
        Scalar loss. An empty mask's loss is the largest hinge error (every error counts
        as a full Jaccard miss), so predicting no salt there drives it to 0.
    """
    flat_logits, labels, known = _flat(logits, target)
    if not per_image:
        flat_logits, labels, known = (t.reshape(1, -1) for t in (flat_logits, labels, known))
    rows = _lovasz_rows(flat_logits, labels, known, hinge)
    labelled = known.any(dim=-1)
    if not bool(labelled.all()):  # images without a known pixel do not count
        return rows[labelled].sum() / labelled.sum().clamp_min(1)
    return rows.mean()


def bce_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy on logits over the pixels whose label is known."""
    flat_logits, labels, known = _flat(logits, target)
    pixels = F.binary_cross_entropy_with_logits(flat_logits, labels, reduction="none")
    weight = known.to(pixels.dtype)
    return (pixels * weight).sum() / weight.sum().clamp_min(1.0)


def combined_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    bce_weight: float = 1.0,
    lovasz_weight: float = 1.0,
    *,
    per_image: bool = True,
    hinge: str = "relu",
) -> torch.Tensor:
    """``bce_weight * BCE + lovasz_weight * Lovász hinge`` (a zero weight skips a term).

    The paper trains first with BCE (``lovasz_weight=0``), then with the Lovász hinge
    (``bce_weight=0``); a mix of both is the usual compromise.
    """
    loss = logits.new_zeros(())
    if bce_weight:
        loss = loss + bce_weight * bce_loss(logits, target)
    if lovasz_weight:
        loss = loss + lovasz_weight * lovasz_hinge(logits, target, per_image=per_image, hinge=hinge)
    return loss


def deep_supervision_loss(
    outputs: torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]],
    target: torch.Tensor,
    *,
    bce_weight: float = 1.0,
    lovasz_weight: float = 1.0,
    side_weight: float = 0.1,
    per_image: bool = True,
    hinge: str = "relu",
) -> torch.Tensor:
    """Loss of the main logits plus ``side_weight`` × the loss of each side output.

    Side (per decoder level) losses are computed on the images whose mask is not empty
    only, as in the TGS solutions with deep supervision: an empty tile says nothing about
    where the boundary is, and the fused output already learns to predict empty tiles.

    Args:
        outputs: The model's train-mode output ``(logits, side_logits)``, or just logits.
        target: ``[B, 1, H, W]`` (or ``[B, H, W]``) masks: 0, 1 or :data:`UNKNOWN`.
        bce_weight: Weight of BCE in each term.
        lovasz_weight: Weight of the Lovász hinge in each term.
        side_weight: Weight of each side output's loss.
        per_image: Lovász per image (else per batch).
        hinge: ``"relu"`` or ``"elu"`` (see :func:`lovasz_hinge`).

    Returns:
        Scalar loss.
    """
    logits, sides = (outputs, []) if isinstance(outputs, torch.Tensor) else outputs
    kw = {"bce_weight": bce_weight, "lovasz_weight": lovasz_weight, "per_image": per_image}
    loss = combined_loss(logits, target, hinge=hinge, **kw)
    if not sides or not side_weight:
        return loss
    target = target.reshape(logits.shape)
    keep = (target.reshape(target.shape[0], -1) == 1).any(dim=1)
    if not bool(keep.any()):
        return loss
    for side in sides:
        loss = loss + side_weight * combined_loss(side[keep], target[keep], hinge=hinge, **kw)
    return loss
