"""Lovász hinge against brute-force references; BCE, combination, deep supervision."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from seismic_salt.train.losses import (
    bce_loss,
    combined_loss,
    deep_supervision_loss,
    lovasz_grad,
    lovasz_hinge,
)


def jaccard_loss(gt: set[int], mistakes: set[int]) -> float:
    """Δ_J(M) = 1 - |gt \\ M| / |gt ∪ M| (0 for M = ∅), straight from its definition."""
    union = gt | mistakes
    if not union:
        return 0.0
    return 1.0 - len(gt - mistakes) / len(union)


def extension_by_sorting(m: np.ndarray, gt: set[int]) -> float:
    """Lovász extension: Σ_i m_(i) [Δ(S_i) - Δ(S_{i-1})] over decreasing m."""
    order = sorted(range(len(m)), key=lambda i: -m[i])
    total, prev, chosen = 0.0, 0.0, set()
    for i in order:
        chosen.add(i)
        cur = jaccard_loss(gt, chosen)
        total += m[i] * (cur - prev)
        prev = cur
    return total


def extension_by_permutations(m: np.ndarray, gt: set[int]) -> float:
    """Δ_J is submodular, so its extension is the max of ⟨s_π, m⟩ over all permutations π."""
    best = -np.inf
    for perm in itertools.permutations(range(len(m))):
        chosen, prev, value = set(), 0.0, 0.0
        for i in perm:
            chosen.add(i)
            cur = jaccard_loss(gt, chosen)
            value += m[i] * (cur - prev)
            prev = cur
        best = max(best, value)
    return best


def hinge_errors(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return np.maximum(1.0 - logits * (2 * labels - 1), 0.0)


@pytest.mark.parametrize("seed", range(12))
def test_lovasz_matches_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = int(rng.integers(1, 7))
    logits = rng.normal(scale=2.0, size=p)
    labels = (rng.random(p) < 0.5).astype(np.float64)
    if seed % 4 == 0:
        labels[:] = 0  # empty masks are common in TGS
    gt = {i for i in range(p) if labels[i]}
    m = hinge_errors(logits, labels)
    got = lovasz_hinge(torch.tensor(logits)[None], torch.tensor(labels)[None]).item()
    assert got == pytest.approx(extension_by_sorting(m, gt), abs=1e-9)
    assert got == pytest.approx(extension_by_permutations(m, gt), abs=1e-9)


def test_lovasz_on_vertices_equals_jaccard_loss() -> None:
    # logits ±1 or 0 give hinge errors of 0 or 1: the extension equals Δ_J of the mistakes.
    labels = torch.tensor([1.0, 1.0, 0.0, 0.0, 1.0])
    logits = torch.tensor([1.0, 0.0, -1.0, 0.0, 1.0])  # mistakes {1, 3}
    expected = jaccard_loss({0, 1, 4}, {1, 3})
    assert lovasz_hinge(logits[None], labels[None]).item() == pytest.approx(expected)


def test_lovasz_grad_sums_to_final_jaccard() -> None:
    gt = torch.tensor([[1.0, 0.0, 1.0, 1.0, 0.0]])
    assert lovasz_grad(gt).sum().item() == pytest.approx(1.0)  # all pixels wrong: Δ = 1


def test_per_image_and_per_batch() -> None:
    torch.manual_seed(0)
    logits = torch.randn(3, 1, 5, 4)
    target = (torch.rand(3, 1, 5, 4) > 0.5).float()
    each = [lovasz_hinge(logits[i : i + 1], target[i : i + 1]).item() for i in range(3)]
    assert lovasz_hinge(logits, target).item() == pytest.approx(np.mean(each))
    batch = lovasz_hinge(logits.reshape(1, 1, 15, 4), target.reshape(1, 1, 15, 4)).item()
    assert lovasz_hinge(logits, target, per_image=False).item() == pytest.approx(batch)
    assert lovasz_hinge(logits, target[:, 0]).item() == pytest.approx(np.mean(each))


def test_perfect_prediction_has_zero_loss_and_gradients_flow() -> None:
    target = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]]])
    assert lovasz_hinge(5 * (2 * target - 1), target).item() == 0.0
    logits = torch.zeros(1, 1, 2, 2, requires_grad=True)
    lovasz_hinge(logits, target, hinge="elu").backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0


def test_bce_and_combination() -> None:
    torch.manual_seed(1)
    logits = torch.randn(2, 1, 4, 4)
    target = (torch.rand(2, 1, 4, 4) > 0.5).float()
    ref = F.binary_cross_entropy_with_logits(logits, target)
    assert bce_loss(logits, target).item() == pytest.approx(ref.item())
    both = combined_loss(logits, target, 0.3, 0.7)
    expected = 0.3 * ref + 0.7 * lovasz_hinge(logits, target)
    assert both.item() == pytest.approx(expected.item())
    assert combined_loss(logits, target, 1.0, 0.0).item() == pytest.approx(ref.item())


def test_deep_supervision_uses_non_empty_images_for_sides() -> None:
    torch.manual_seed(2)
    target = torch.zeros(2, 1, 4, 4)
    target[0, 0, :2] = 1.0  # image 0 has salt, image 1 is empty
    logits = torch.randn(2, 1, 4, 4)
    sides = [torch.randn(2, 1, 4, 4) for _ in range(3)]
    main = combined_loss(logits, target)
    expected = main + 0.1 * sum(combined_loss(s[:1], target[:1]) for s in sides)
    got = deep_supervision_loss((logits, sides), target, side_weight=0.1)
    assert got.item() == pytest.approx(expected.item())
    assert deep_supervision_loss(logits, target).item() == pytest.approx(main.item())
    empty = torch.zeros_like(target)
    only_main = combined_loss(logits, empty)
    assert deep_supervision_loss((logits, sides), empty).item() == pytest.approx(only_main.item())


def test_bf16_logits_are_promoted() -> None:
    torch.manual_seed(3)
    logits = torch.randn(2, 1, 101, 101)
    target = (torch.rand(2, 1, 101, 101) > 0.3).float()
    half = logits.to(torch.bfloat16).requires_grad_()
    loss = combined_loss(half, target)
    assert loss.dtype == torch.float32
    reference = combined_loss(half.detach().float(), target)
    assert loss.item() == pytest.approx(reference.item(), rel=1e-6)
    loss.backward()
    assert half.grad is not None and half.grad.dtype == torch.bfloat16


def _unknown_case(seed=0):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(3, 1, 12, 12, generator=generator)
    target = (torch.rand(3, 1, 12, 12, generator=generator) > 0.5).float()
    unknown = torch.zeros_like(target, dtype=torch.bool)
    unknown[:, :, :, 7:] = True  # the right part of every tile is unlabelled
    return logits, target, unknown


@pytest.mark.parametrize(
    "loss",
    [
        lambda x, y: lovasz_hinge(x, y),
        lambda x, y: lovasz_hinge(x, y, per_image=False),
        lambda x, y: bce_loss(x, y),
        lambda x, y: deep_supervision_loss((x, [x * 0.5]), y, bce_weight=0.1),
    ],
    ids=["lovasz", "lovasz-batch", "bce", "deep-supervision"],
)
def test_unknown_pixels_change_neither_loss_nor_gradient(loss):
    logits, target, unknown = _unknown_case()
    results = []
    for labels_there, logits_there in ((0.0, 0.0), (1.0, 5.0)):
        # what sits under the unknown pixels (their truth, the logits) must not matter
        x = torch.where(unknown, logits_there, logits).requires_grad_()
        y = torch.where(unknown, 255.0, target)
        value = loss(x, y)
        value.backward()
        results.append((value.detach(), x.grad.clone()))
        assert not x.grad[unknown].any()
        # and the 255s really stand for 'unknown': a truth of 1 there would change it
        assert not torch.allclose(
            loss(x.detach(), torch.where(unknown, labels_there, target)), value
        )
    (first, grad_first), (second, grad_second) = results
    assert torch.allclose(first, second) and torch.allclose(grad_first, grad_second)


def test_lovasz_on_known_pixels_equals_lovasz_on_the_cropped_tiles():
    logits, target, unknown = _unknown_case(1)
    masked = lovasz_hinge(logits, torch.where(unknown, 255.0, target))
    cropped = lovasz_hinge(logits[..., :7], target[..., :7])
    assert torch.allclose(masked, cropped, atol=1e-6)
    assert torch.allclose(
        bce_loss(logits, torch.where(unknown, 255.0, target)),
        bce_loss(logits[..., :7], target[..., :7]),
        atol=1e-6,
    )


def test_an_image_without_known_pixels_does_not_count():
    logits, target, _ = _unknown_case(2)
    target[0] = 255.0
    assert torch.allclose(lovasz_hinge(logits, target), lovasz_hinge(logits[1:], target[1:]))
