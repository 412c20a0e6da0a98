"""Tiny Kaggle-layout TGS directories for tests."""

import numpy as np
from PIL import Image


def write_tgs(root, n=6, seed=0):
    """A tiny Kaggle-layout directory: RGB images, L and I;16 masks, depths.csv."""
    rng = np.random.default_rng(seed)
    (root / "train" / "images").mkdir(parents=True)
    (root / "train" / "masks").mkdir(parents=True)
    lines = ["id,z"]
    for i in range(n):
        grey = rng.integers(0, 256, (101, 101), dtype=np.uint8)
        Image.fromarray(np.stack([grey] * 3, -1)).save(root / "train" / "images" / f"t{i}.png")
        mask = np.zeros((101, 101), np.uint16)
        mask[: 10 * i] = 65535
        as_l = (mask > 0).astype(np.uint8) * 255
        image = Image.fromarray(mask) if i % 2 else Image.fromarray(as_l)
        image.save(root / "train" / "masks" / f"t{i}.png")
        lines.append(f"t{i},{100 * i}")
    (root / "depths.csv").write_text("\n".join(lines) + "\n")
    return root
