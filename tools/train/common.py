"""Shared pieces of train.py and export.py: the network, data loading, the app's
sliding-window inference (a Python twin of core/inference/slidingWindow.ts) and metrics.

Arrays are numpy C-order [z, y, x] (x fastest, as the .f32/.u8 files and the app);
dims / patch sizes written to JSON are [x, y, z] like the app's manifest.
"""
import json
import math
import os
from collections import deque

import numpy as np
import torch
import torch.nn as nn

NUM_CLASSES = 4
CLASS_NAMES = ["background", "liver", "metastasis", "cyst"]
AIR_HU = -1024.0


# ------------------------------------------------------------------ network

class ConvBlock(nn.Module):
    """Two 3×3×3 convolutions, each followed by InstanceNorm and LeakyReLU (nnU-Net's block)."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv3d(cin, cout, 3, stride, 1)
        self.norm1 = nn.InstanceNorm3d(cout, affine=True)
        self.conv2 = nn.Conv3d(cout, cout, 3, 1, 1)
        self.norm2 = nn.InstanceNorm3d(cout, affine=True)
        self.act = nn.LeakyReLU(0.01, inplace=True)

    def forward(self, x):
        x = self.act(self.norm1(self.conv1(x)))
        return self.act(self.norm2(self.conv2(x)))


class UNet3D(nn.Module):
    """Plain 3D U-Net: strided-convolution downsampling, transposed-convolution upsampling,
    concatenated skips, a 1×1×1 head producing logits."""

    def __init__(self, channels=(8, 16, 32, 64, 96), in_channels=1, num_classes=NUM_CLASSES):
        super().__init__()
        self.channels = tuple(channels)
        self.encoders = nn.ModuleList(
            [ConvBlock(in_channels, channels[0])] + [ConvBlock(channels[i - 1], channels[i], 2) for i in range(1, len(channels))]
        )
        self.ups = nn.ModuleList([nn.ConvTranspose3d(channels[i], channels[i - 1], 2, 2) for i in range(len(channels) - 1, 0, -1)])
        self.decoders = nn.ModuleList([ConvBlock(2 * channels[i - 1], channels[i - 1]) for i in range(len(channels) - 1, 0, -1)])
        self.head = nn.Conv3d(channels[0], num_classes, 1)

    def forward(self, x):
        skips = []
        for enc in self.encoders:
            x = enc(x)
            skips.append(x)
        x = skips.pop()
        for up, dec in zip(self.ups, self.decoders):
            x = dec(torch.cat([up(x), skips.pop()], 1))
        return self.head(x)


# ------------------------------------------------------------------ data

def load_cases(data_dir, splits=None):
    """cases.json + raw volumes written by tools/train/prepare.ts."""
    with open(os.path.join(data_dir, "cases.json")) as f:
        meta = json.load(f)
    cases = []
    for c in meta["cases"]:
        if splits is not None and c["split"] not in splits:
            continue
        shape = tuple(reversed(c["dims"]))  # [x, y, z] → [z, y, x]
        image = np.fromfile(os.path.join(data_dir, c["files"]["image"]), dtype="<f4").reshape(shape)
        classes = np.fromfile(os.path.join(data_dir, c["files"]["classes"]), dtype=np.uint8).reshape(shape)
        lesions = np.fromfile(os.path.join(data_dir, c["files"]["lesions"]), dtype=np.uint8).reshape(shape)
        cases.append(dict(c, image=image, classes=classes, lesion_map=lesions))
    return meta, cases


def normalization_from_training(cases, seed=0, max_voxels_per_case=200_000):
    """nnU-Net CTNormalization statistics over the foreground (liver + lesions) of the
    training cases: 0.5 / 99.5 percentiles and mean / std (population) of those voxels."""
    rng = np.random.RandomState(seed)
    values = []
    for c in cases:
        fg = c["image"][c["classes"] > 0]
        if fg.size > max_voxels_per_case:
            fg = fg[rng.choice(fg.size, max_voxels_per_case, replace=False)]
        values.append(fg.astype(np.float64))
    v = np.concatenate(values)
    lo, hi = np.percentile(v, [0.5, 99.5])
    return {
        "clipMinHu": round(float(lo), 2),
        "clipMaxHu": round(float(hi), 2),
        "mean": round(float(v.mean()), 3),
        "std": round(float(v.std()), 3),
    }


def normalize(hu, norm):
    """core/inference/normalize.ts ctClipZScore."""
    return ((np.clip(hu, norm["clipMinHu"], norm["clipMaxHu"]) - norm["mean"]) / max(norm["std"], 1e-8)).astype(np.float32)


# ------------------------------------------------------------------ sliding windows (as core/inference/slidingWindow.ts)

def sliding_window_starts(dim, patch, overlap):
    if patch >= dim:
        return [0]
    max_step = patch * (1 - overlap)
    travel = dim - patch
    n = math.ceil(travel / max_step - 1e-9) + 1
    step = travel / (n - 1)
    # JavaScript Math.round: half up
    return [int(math.floor(step * i + 0.5)) for i in range(n)]


def gaussian_importance(patch_zyx, sigma_scale=1 / 8):
    axes = []
    for n in patch_zyx:
        c = n // 2
        s = n * sigma_scale
        i = np.arange(n, dtype=np.float64)
        axes.append(np.exp(-((i - c) ** 2) / (2 * s * s)))
    w = axes[0][:, None, None] * axes[1][None, :, None] * axes[2][None, None, :]
    w = (w / w.max()).astype(np.float32)
    w[w == 0] = w[w > 0].min()
    return w


def pad_to_patch(image, patch_zyx, fill):
    pads = []
    for d, p in zip(image.shape, patch_zyx):
        extra = max(0, p - d)
        pads.append((extra // 2, extra - extra // 2))
    if any(a or b for a, b in pads):
        image = np.pad(image, pads, constant_values=fill)
    return image, [a for a, _ in pads]


@torch.no_grad()
def predict_probabilities(model, image_norm, patch_zyx, overlap, device, batch=2, fill=None):
    """Gaussian-weighted sliding-window softmax probabilities [C, z, y, x] of a normalised volume."""
    orig_shape = image_norm.shape
    if fill is None:
        fill = float(image_norm.min())
    image, offset = pad_to_patch(image_norm, patch_zyx, fill)
    shape = image.shape
    starts = [sliding_window_starts(shape[a], patch_zyx[a], overlap) for a in range(3)]
    windows = [(z, y, x) for z in starts[0] for y in starts[1] for x in starts[2]]
    weight = gaussian_importance(patch_zyx)
    acc = np.zeros((NUM_CLASSES,) + shape, dtype=np.float32)
    wsum = np.zeros(shape, dtype=np.float32)
    wt = torch.from_numpy(weight).to(device)
    pz, py, px = patch_zyx
    for b in range(0, len(windows), batch):
        chunk = windows[b:b + batch]
        x = np.stack([image[z:z + pz, y:y + py, x0:x0 + px] for z, y, x0 in chunk])[:, None]
        probs = torch.softmax(model(torch.from_numpy(x).to(device)), 1) * wt
        probs = probs.cpu().numpy()
        for (z, y, x0), p in zip(chunk, probs):
            acc[:, z:z + pz, y:y + py, x0:x0 + px] += p
            wsum[z:z + pz, y:y + py, x0:x0 + px] += weight
    acc /= wsum[None]
    oz, oy, ox = offset
    return acc[:, oz:oz + orig_shape[0], oy:oy + orig_shape[1], ox:ox + orig_shape[2]]


# ------------------------------------------------------------------ metrics

def dice(pred_mask, true_mask):
    a = int(pred_mask.sum())
    b = int(true_mask.sum())
    if a + b == 0:
        return float("nan")
    return 2.0 * int(np.logical_and(pred_mask, true_mask).sum()) / (a + b)


def case_dice(pred, truth):
    return {
        "liver": dice(pred == 1, truth == 1),
        "liverWhole": dice(pred > 0, truth > 0),
        "lesion": dice(pred >= 2, truth >= 2),
        "metastasis": dice(pred == 2, truth == 2),
        "cyst": dice(pred == 3, truth == 3),
    }


def connected_components(mask):
    """26-connected components of a boolean [z, y, x] mask → (labels int32, count). Plain BFS:
    lesion masks are a few thousand voxels."""
    labels = np.zeros(mask.shape, dtype=np.int32)
    coords = np.argwhere(mask)
    n = 0
    offsets = [(dz, dy, dx) for dz in (-1, 0, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dz, dy, dx) != (0, 0, 0)]
    Z, Y, X = mask.shape
    for z, y, x in coords:
        if labels[z, y, x]:
            continue
        n += 1
        labels[z, y, x] = n
        q = deque([(z, y, x)])
        while q:
            cz, cy, cx = q.popleft()
            for dz, dy, dx in offsets:
                nz, ny, nx = cz + dz, cy + dy, cx + dx
                if 0 <= nz < Z and 0 <= ny < Y and 0 <= nx < X and mask[nz, ny, nx] and not labels[nz, ny, nx]:
                    labels[nz, ny, nx] = n
                    q.append((nz, ny, nx))
    return labels, n


def local_dice(pred, lesion_map, instance, class_value, margin=3):
    """Dice of one lesion: its true voxels against predicted voxels of its class in its bounding
    box grown by `margin`, other lesions' true voxels left out."""
    idx = np.argwhere(lesion_map == instance)
    if len(idx) == 0:
        return float("nan")
    lo = np.maximum(idx.min(0) - margin, 0)
    hi = idx.max(0) + margin + 1
    box = tuple(slice(a, b) for a, b in zip(lo, hi))
    lm = lesion_map[box]
    keep = (lm == 0) | (lm == instance)
    return dice((pred[box] == class_value) & keep, lm == instance)


def largest_component(mask):
    labels, n = connected_components(mask)
    if n == 0:
        return mask.copy()
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return labels == int(np.argmax(sizes))


def lesion_detection(pred, case, min_diameter_mm=10.0):
    """Per true lesion (longest diameter ≥ min): detected when a predicted lesion voxel (class 2 or 3)
    covers any of its voxels; typed correctly when most predicted lesion voxels inside it carry its
    class. False positives: predicted lesion components that touch no true lesion."""
    results = []
    lesion_map = case["lesion_map"]
    for i, les in enumerate(case["lesions"]):
        if les["longestDiameterMm"] < min_diameter_mm:
            continue
        inside = lesion_map == i + 1
        p = pred[inside]
        hit = int((p >= 2).sum())
        typed = hit > 0 and int((p == les["classValue"]).sum()) * 2 > hit
        results.append({
            "case": case["id"], "lesion": les["id"], "type": les["type"], "longestDiameterMm": les["longestDiameterMm"],
            "voxels": int(inside.sum()), "hitVoxels": hit, "detected": hit > 0, "typeCorrect": bool(typed),
            "dice": local_dice(pred, lesion_map, i + 1, les["classValue"]),
        })
    fp = []
    if int((pred >= 2).sum()) > 300_000:  # an untrained net: not worth a Python BFS
        return results, [10**9]
    comps, n = connected_components(pred >= 2)
    true_any = lesion_map > 0
    for k in range(1, n + 1):
        m = comps == k
        if not true_any[m].any():
            fp.append(int(m.sum()))
    return results, fp


def nanmean(values):
    v = [x for x in values if not (isinstance(x, float) and math.isnan(x))]
    return float(np.mean(v)) if v else float("nan")
