"""Hand-written key → shape tables of torchvision ResNets and Cadene's SE-ResNeXt-50.

Written from the published architectures, independently of seismic_salt's encoders, so
tests can check the encoders against them and build "downloaded" state dicts.
"""

from __future__ import annotations

import torch


def _bn(prefix: str, c: int) -> dict[str, tuple[int, ...]]:
    return {
        f"{prefix}.weight": (c,),
        f"{prefix}.bias": (c,),
        f"{prefix}.running_mean": (c,),
        f"{prefix}.running_var": (c,),
        f"{prefix}.num_batches_tracked": (),
    }


def _bottleneck_keys(p, cin, planes, stride, groups, width, first, se=False):
    mid = int(planes * width / 64) * groups
    keys = {f"{p}.conv1.weight": (mid, cin, 1, 1), **_bn(f"{p}.bn1", mid)}
    keys[f"{p}.conv2.weight"] = (mid, mid // groups, 3, 3)
    keys.update(_bn(f"{p}.bn2", mid))
    keys[f"{p}.conv3.weight"] = (planes * 4, mid, 1, 1)
    keys.update(_bn(f"{p}.bn3", planes * 4))
    if se:
        c = planes * 4
        keys[f"{p}.se_module.fc1.weight"] = (c // 16, c, 1, 1)
        keys[f"{p}.se_module.fc1.bias"] = (c // 16,)
        keys[f"{p}.se_module.fc2.weight"] = (c, c // 16, 1, 1)
        keys[f"{p}.se_module.fc2.bias"] = (c,)
    if first:
        keys[f"{p}.downsample.0.weight"] = (planes * 4, cin, 1, 1)
        keys.update(_bn(f"{p}.downsample.1", planes * 4))
    return keys


def _basic_keys(p, cin, planes, stride, first):
    keys = {f"{p}.conv1.weight": (planes, cin, 3, 3), **_bn(f"{p}.bn1", planes)}
    keys[f"{p}.conv2.weight"] = (planes, planes, 3, 3)
    keys.update(_bn(f"{p}.bn2", planes))
    if first and (stride != 1 or cin != planes):
        keys[f"{p}.downsample.0.weight"] = (planes, cin, 1, 1)
        keys.update(_bn(f"{p}.downsample.1", planes))
    return keys


def _stages(kind, layers, groups, width, se=False):
    keys = {}
    cin = 64
    for i, (n, planes) in enumerate(zip(layers, (64, 128, 256, 512), strict=True)):
        for b in range(n):
            p = f"layer{i + 1}.{b}"
            stride = 2 if (b == 0 and i > 0) else 1
            if kind == "basic":
                keys.update(_basic_keys(p, cin, planes, stride, b == 0))
                cin = planes
            else:
                keys.update(_bottleneck_keys(p, cin, planes, stride, groups, width, b == 0, se))
                cin = planes * 4
    return keys, cin


def torchvision_resnet_keys(kind, layers, groups=1, width=64):
    keys = {"conv1.weight": (64, 3, 7, 7), **_bn("bn1", 64)}
    stage_keys, out = _stages(kind, layers, groups, width)
    keys.update(stage_keys)
    keys["fc.weight"] = (1000, out)
    keys["fc.bias"] = (1000,)
    return keys


def cadene_se_resnext_keys():
    keys = {"layer0.conv1.weight": (64, 3, 7, 7), **_bn("layer0.bn1", 64)}
    stage_keys, out = _stages("bottleneck", (3, 4, 6, 3), 32, 4, se=True)
    keys.update(stage_keys)
    keys["last_linear.weight"] = (1000, out)
    keys["last_linear.bias"] = (1000,)
    return keys


def random_state(keys, seed=0):
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for k, shape in keys.items():
        if k.endswith("num_batches_tracked"):
            state[k] = torch.tensor(7)
        elif k.endswith("running_var"):
            state[k] = torch.rand(shape, generator=gen) + 0.5
        else:
            state[k] = torch.randn(shape, generator=gen) * 0.05
    return state


def efficientnet_lite0_keys() -> dict[str, tuple[int, ...]]:
    """EfficientNet-Lite0 without head and classifier, in the common PyTorch port's names.

    Stages (repeats, kernel, stride, expansion, channels) from the published Lite0
    configuration: (1,3,1,1,16) (2,3,2,6,24) (2,5,2,6,40) (3,3,2,6,80) (3,5,1,6,112)
    (4,5,2,6,192) (1,3,1,6,320), on a 32-channel 3×3 stem.
    """
    keys = {"_conv_stem.weight": (32, 3, 3, 3), **_bn("_bn0", 32)}
    stages = [(1, 3, 1, 16), (2, 3, 6, 24), (2, 5, 6, 40), (3, 3, 6, 80), (3, 5, 6, 112)]
    stages += [(4, 5, 6, 192), (1, 3, 6, 320)]
    cin, index = 32, 0
    for repeats, kernel, expand, cout in stages:
        for _ in range(repeats):
            p, mid = f"_blocks.{index}", cin * expand
            if expand != 1:
                keys[f"{p}._expand_conv.weight"] = (mid, cin, 1, 1)
                keys.update(_bn(f"{p}._bn0", mid))
            keys[f"{p}._depthwise_conv.weight"] = (mid, 1, kernel, kernel)
            keys.update(_bn(f"{p}._bn1", mid))
            keys[f"{p}._project_conv.weight"] = (cout, mid, 1, 1)
            keys.update(_bn(f"{p}._bn2", cout))
            cin, index = cout, index + 1
    return keys
