import numpy as np
import torch

from seismic_salt.train.augment import AUGMENTATIONS, AugmentConfig, augment_batch
from seismic_salt.train.schedule import Recipe


def test_identity_config_returns_the_input():
    amplitude = torch.rand(3, 101, 101) * 2 - 1
    mask = (torch.rand(3, 101, 101) > 0.5).float()
    none = AugmentConfig(hflip=0, shift=0, scale=0, contrast=0, brightness=0, gamma=0)
    out_a, out_m = augment_batch(amplitude, mask, torch.Generator().manual_seed(0), none)
    assert torch.allclose(out_a, amplitude, atol=1e-4)  # grid rounding only
    assert torch.equal(out_m, mask)


def test_flip_is_horizontal_only():
    amplitude = torch.linspace(-1, 1, 101).repeat(101, 1)[None]  # varies along columns
    mask = torch.zeros(1, 101, 101)
    mask[:, :, :30] = 1
    flip = AugmentConfig(hflip=1, shift=0, scale=0, contrast=0, brightness=0, gamma=0)
    out_a, out_m = augment_batch(amplitude, mask, torch.Generator().manual_seed(0), flip)
    assert torch.allclose(out_a, amplitude.flip(-1), atol=1e-4)
    assert torch.equal(out_m, mask.flip(-1))  # rows (depth) never move


def test_flip_augmentation_only_flips():
    amplitude = torch.rand(16, 101, 101) * 2 - 1
    mask = (torch.rand(16, 101, 101) > 0.5).float()
    generator = torch.Generator().manual_seed(3)
    out_a, out_m = augment_batch(amplitude, mask, generator, AUGMENTATIONS["flip"])
    flipped = [not torch.allclose(out_a[i], amplitude[i], atol=1e-4) for i in range(16)]
    assert 0 < sum(flipped) < 16
    for i, was_flipped in enumerate(flipped):
        expect_a, expect_m = (
            (amplitude[i].flip(-1), mask[i].flip(-1)) if was_flipped else (amplitude[i], mask[i])
        )
        assert torch.allclose(out_a[i], expect_a, atol=1e-4)  # no gain, shift or zoom
        assert torch.equal(out_m[i], expect_m)


def test_same_seed_same_augmentation():
    amplitude = torch.rand(4, 101, 101) * 2 - 1
    mask = (torch.rand(4, 101, 101) > 0.5).float()
    a1, m1 = augment_batch(amplitude, mask, torch.Generator().manual_seed(7))
    a2, m2 = augment_batch(amplitude, mask, torch.Generator().manual_seed(7))
    assert torch.equal(a1, a2) and torch.equal(m1, m2)
    assert a1.min() >= -1 and a1.max() <= 1


def test_recipe_warms_up_then_restarts():
    recipe = Recipe(lr=1e-3, min_lr=0, bce_epochs=10, cycle_epochs=10)
    assert recipe.loss_weights(0) == (1.0, 0.0)
    assert recipe.loss_weights(10)[1] == 1.0
    assert recipe.learning_rate(0, 0.0) == 0.0  # linear warm-up from zero
    assert np.isclose(recipe.learning_rate(5, 0.0), 5e-4)  # half-way down the first cosine
    assert np.isclose(recipe.learning_rate(10, 0.0), 5e-4)  # restart at half the peak
    assert recipe.learning_rate(19, 0.99) < 1e-6


def test_best_postprocessing_finds_threshold_and_minimum_area():
    from seismic_salt.train.scoring import best_postprocessing, postprocess

    truth = np.zeros((3, 101, 101), bool)
    truth[0, :50] = True  # a large salt body
    probability = np.where(truth, 0.62, 0.2).astype(np.float32)
    probability[1, :3, :3] = 0.9  # a speck on an empty tile: 9 pixels
    probability[2, :20, :20] = 0.5  # a faint false body below 0.55
    best = best_postprocessing(probability, truth)
    assert best["score"] == 1.0
    assert 0.5 <= best["threshold"] < 0.62 and 10 <= best["min_salt_pixels"] <= 400
    masks = postprocess(probability, best["threshold"], best["min_salt_pixels"])
    assert masks[0].sum() == truth[0].sum() and not masks[1:].any()


def test_best_postprocessing_matches_scoring_every_setting():
    """The count-based search picks what scoring each thresholded mask set would."""
    from seismic_salt.train.metrics import iou_per_image, kaggle_score
    from seismic_salt.train.scoring import (
        MIN_SALT_PIXELS,
        THRESHOLDS,
        best_postprocessing,
        postprocess,
        score_masks,
    )

    rng = np.random.default_rng(3)
    truth = np.zeros((40, 101, 101), bool)
    for k in range(0, 40, 2):  # half the tiles hold a body of random size
        rows, cols = rng.integers(1, 101, size=2)
        truth[k, :rows, :cols] = True
    noise = rng.normal(0, 0.25, truth.shape)
    probability = np.clip(np.where(truth, 0.6, 0.35) + noise, 0, 1).astype(np.float32)

    table = {
        (float(t), m): score_masks(postprocess(probability, t, m), truth)
        for t in THRESHOLDS
        for m in MIN_SALT_PIXELS
    }
    best = best_postprocessing(probability, truth)
    chosen = table[(best["threshold"], best["min_salt_pixels"])]
    assert best["score"] == max(s["score"] for s in table.values()) == chosen["score"]
    assert best["iou"] == chosen["iou"] and best["empty_accuracy"] == chosen["empty_accuracy"]

    masks = postprocess(probability, best["threshold"], best["min_salt_pixels"])
    assert chosen["score"] == kaggle_score(masks, truth)
    salt = truth.any(axis=(1, 2))
    assert np.isclose(chosen["iou"], iou_per_image(masks, truth)[salt].mean())
    assert chosen["empty_accuracy"] == np.mean(masks.any(axis=(1, 2)) == salt)


def test_unknown_pixels_stay_unknown_through_the_warps():
    import torch

    from seismic_salt.train.augment import AugmentConfig, augment_batch

    amplitude = torch.rand(6, 101, 101) * 2 - 1
    mask = torch.zeros(6, 101, 101)
    mask[:, 60:] = 1
    mask[:, :, 70:] = 255
    out_amp, out_mask = augment_batch(amplitude, mask, torch.Generator().manual_seed(0))
    assert set(out_mask.unique().tolist()) == {0.0, 1.0, 255.0}
    unknown = (out_mask == 255).float().mean(dim=(1, 2))
    assert ((unknown > 0.15) & (unknown < 0.45)).all()  # about 31 of 101 columns, warped
    flip_only = AugmentConfig(shift=0, scale=0, contrast=0, brightness=0, gamma=0, hflip=0)
    same_amp, same_mask = augment_batch(amplitude, mask, torch.Generator(), flip_only)
    assert torch.equal(same_mask, mask)


def test_gain_drift_is_smooth_and_leaves_other_draws_alone():
    import torch

    from seismic_salt.train.augment import AUGMENTATIONS, AugmentConfig, augment_batch

    amplitude = torch.rand(4, 101, 101) * 2 - 1
    mask = torch.zeros(4, 101, 101)
    flip = AUGMENTATIONS["flip"]
    drift = AugmentConfig(**{**flip.__dict__, "gain_drift": 0.5})
    plain, _ = augment_batch(amplitude, mask, torch.Generator().manual_seed(5), flip)
    drifted, _ = augment_batch(amplitude, mask, torch.Generator().manual_seed(5), drift)
    gain = drifted / plain
    assert torch.allclose(
        gain,
        gain[:, :1, :1] * gain[:, :, :1] / gain[:, :1, :1] * gain[:, :1, :] / gain[:, :1, :1],
        rtol=1e-4,
    )
    log_change = gain.log()
    down = (log_change[:, -1, 0] - log_change[:, 0, 0]).abs()
    across = (log_change[:, 0, -1] - log_change[:, 0, 0]).abs()
    assert (down <= 0.5 + 1e-5).all() and (across <= 0.5 + 1e-5).all()
    assert (down + across > 0.01).all()


def test_gain_step_changes_the_gain_across_one_seam_only():
    import torch

    from seismic_salt.train.augment import AUGMENTATIONS, AugmentConfig, augment_batch

    amplitude = torch.rand(64, 101, 101) * 2 - 1
    mask = torch.randint(0, 2, (64, 101, 101)).float()
    mask[:, :5] = 255
    flip = AUGMENTATIONS["flip"]
    plain, plain_mask = augment_batch(amplitude, mask, torch.Generator().manual_seed(3), flip)
    stepped, stepped_mask = augment_batch(
        amplitude, mask, torch.Generator().manual_seed(3), AUGMENTATIONS["seams"]
    )
    assert torch.equal(stepped_mask, plain_mask)  # the labels do not move
    log_gain = (stepped / plain).log()
    rows_constant = torch.allclose(log_gain, log_gain[:, :1, :].expand_as(log_gain), atol=1e-4)
    cols_constant = torch.allclose(log_gain, log_gain[:, :, :1].expand_as(log_gain), atol=1e-4)
    assert not rows_constant and not cols_constant  # both orientations occur in a batch
    for gain in log_gain:  # one straight seam per tile: constant along it
        along_rows = torch.allclose(gain, gain[:1, :].expand_as(gain), atol=1e-4)
        assert along_rows or torch.allclose(gain, gain[:, :1].expand_as(gain), atol=1e-4)
        change = (gain.max() - gain.min()).item()
        assert change <= 1.0 + 1e-4
        edges = torch.stack([gain[0, 0], gain[-1, -1]])
        assert torch.allclose((edges[1] - edges[0]).abs(), torch.tensor(change), atol=1e-3)
    changes = log_gain.amax((1, 2)) - log_gain.amin((1, 2))
    assert changes.mean() > 0.3  # d is drawn over ±1, not stuck near 0
    without = AugmentConfig(**{**flip.__dict__, "gain_step": 0.0})
    same, _ = augment_batch(amplitude, mask, torch.Generator().manual_seed(3), without)
    assert torch.equal(same, plain)
