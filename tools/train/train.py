#!/usr/bin/python3
"""Train the liver + lesion segmentation model on prepared phantom cases (see README.md).

    /usr/bin/python3 tools/train/train.py --data /tmp/liver-train --run /tmp/liver-run

Writes <run>/train.log, <run>/best.pt (chosen by validation Dice), <run>/last.pt and
<run>/metrics.json (validation history, test Dice and lesion detection of the best
checkpoint). Uses CUDA when torch.cuda.is_available(). By default training runs for a
time budget (--minutes, 30) with the learning rate decaying over it, because the CPU it was
made for is shared; --minutes 0 --iterations N runs a fixed number of iterations instead.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (  # noqa: E402
    AIR_HU, NUM_CLASSES, UNet3D, case_dice, dice, largest_component, lesion_detection, load_cases, nanmean, normalization_from_training,
    normalize, predict_probabilities,
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="output folder of prepare.ts")
    p.add_argument("--run", required=True, help="folder for the log, checkpoints and metrics")
    p.add_argument("--minutes", type=float, default=30.0,
                   help="training-time budget (validation excluded); the learning-rate schedule runs over it. "
                        "0: run exactly --iterations instead (bit-reproducible on the same machine)")
    p.add_argument("--iterations", type=int, default=2000, help="with --minutes 0")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--patch", type=int, nargs=3, default=[64, 64, 64], metavar=("X", "Y", "Z"))
    p.add_argument("--channels", type=int, nargs="+", default=[8, 16, 32, 64, 96])
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--lesion-fraction", type=float, default=0.34, help="patches centred on a lesion voxel")
    p.add_argument("--liver-fraction", type=float, default=0.16, help="patches centred on a liver voxel")
    p.add_argument("--val-at", type=float, nargs="+", default=[0.5, 0.65, 0.8, 0.9],
                   help="fractions of training at which to validate (and at the end)")
    p.add_argument("--val-overlap", type=float, default=0.25)
    p.add_argument("--test-overlap", type=float, default=0.5, help="the app's overlap (model.json)")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--evaluate-only", action="store_true", help="skip training; evaluate <run>/best.pt")
    return p.parse_args(argv)


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class PatchSampler:
    """Random patches [z, y, x] of HU and classes. A fraction is centred on a lesion voxel (lesion
    chosen uniformly per case, so small lesions count as much as large ones), a fraction on a liver
    voxel, the rest anywhere. Patches stay inside the (body-cropped) volume, as sliding windows do;
    volumes smaller than the patch are padded with air. No flips: the liver is on the patient's right."""

    def __init__(self, cases, patch_zyx, rng, lesion_fraction, liver_fraction):
        self.patch = patch_zyx
        self.rng = rng
        self.lesion_fraction = lesion_fraction
        self.liver_fraction = liver_fraction
        self.cases = []
        for c in cases:
            image, classes, lesion_map = c["image"], c["classes"], c["lesion_map"]
            pads = [(0, max(0, p - d)) for d, p in zip(image.shape, patch_zyx)]
            if any(b for _, b in pads):
                image = np.pad(image, pads, constant_values=AIR_HU)
                classes = np.pad(classes, pads)
                lesion_map = np.pad(lesion_map, pads)
            liver = np.argwhere(classes == 1)
            liver = liver[rng.choice(len(liver), min(len(liver), 20000), replace=False)]
            lesions = [np.argwhere(lesion_map == i + 1) for i in range(len(c["lesions"]))]
            lesions = [v for v in lesions if len(v)]
            self.cases.append({"image": image, "classes": classes, "liver": liver, "lesions": lesions})

    def _start(self, shape, centre=None):
        start = []
        for a in range(3):
            hi = shape[a] - self.patch[a]
            if centre is None:
                s = self.rng.randint(0, hi + 1)
            else:
                jitter = self.rng.randint(-self.patch[a] // 4, self.patch[a] // 4 + 1)
                s = int(centre[a]) - self.patch[a] // 2 + jitter
            start.append(min(max(s, 0), hi))
        return start

    def sample(self):
        c = self.cases[self.rng.randint(len(self.cases))]
        u = self.rng.rand()
        centre = None
        if u < self.lesion_fraction and c["lesions"]:
            vox = c["lesions"][self.rng.randint(len(c["lesions"]))]
            centre = vox[self.rng.randint(len(vox))]
        elif u < self.lesion_fraction + self.liver_fraction and len(c["liver"]):
            centre = c["liver"][self.rng.randint(len(c["liver"]))]
        z, y, x = self._start(c["image"].shape, centre)
        pz, py, px = self.patch
        return c["image"][z:z + pz, y:y + py, x:x + px], c["classes"][z:z + pz, y:y + py, x:x + px]


def augment_hu(hu, rng):
    """Intensity jitter in HU before normalisation: contrast timing and scanner calibration
    (scale, shift) and image noise. No spatial flips."""
    out = hu.astype(np.float32, copy=True)
    if rng.rand() < 0.8:
        out = out * rng.uniform(0.93, 1.07) + rng.uniform(-12, 12)
    if rng.rand() < 0.3:
        out += rng.normal(0, rng.uniform(2, 10), size=out.shape).astype(np.float32)
    return out


def dice_ce_loss(logits, target):
    """Cross-entropy + soft Dice over the foreground classes, Dice pooled over the batch
    (a patch may hold no cyst; batch Dice keeps that from being a 0/0)."""
    ce = F.cross_entropy(logits, target)
    probs = torch.softmax(logits, 1)
    onehot = F.one_hot(target, NUM_CLASSES).permute(0, 4, 1, 2, 3).float()
    dims = (0, 2, 3, 4)
    inter = (probs * onehot).sum(dims)
    denom = probs.sum(dims) + onehot.sum(dims)
    dice = (2 * inter + 1e-5) / (denom + 1e-5)
    return ce + (1 - dice[1:].mean()), ce.item()


def evaluate(model, cases, norm, patch_zyx, overlap, device, detection=False):
    per_case = []
    det, fps = [], []
    for c in cases:
        probs = predict_probabilities(model, normalize(c["image"], norm), patch_zyx, overlap, device, batch=2,
                                      fill=float(normalize(np.float32(AIR_HU), norm)))
        pred = probs.argmax(0).astype(np.uint8)
        d = case_dice(pred, c["classes"])
        d["case"] = c["id"]
        if detection:
            # What the app's organ proposal keeps: the largest component of liver ∪ lesions.
            lcc = largest_component(pred > 0)
            d["liverLargestComponent"] = dice((pred == 1) & lcc, c["classes"] == 1)
            d["liverWholeLargestComponent"] = dice(lcc, c["classes"] > 0)
        per_case.append(d)
        if detection:
            r, fp = lesion_detection(pred, c)
            det += r
            fps.append({"case": c["id"], "falsePositiveComponents": len(fp), "voxels": fp})
    keys = ["liver", "liverWhole", "lesion", "metastasis", "cyst"]
    if detection:
        keys += ["liverLargestComponent", "liverWholeLargestComponent"]
    mean = {k: nanmean([d[k] for d in per_case]) for k in keys}
    mean["foregroundMean"] = nanmean([mean["liver"], mean["metastasis"], mean["cyst"]])
    out = {"mean": mean, "perCase": per_case}
    if detection:
        out["lesions"] = det
        out["falsePositives"] = fps
        n = len(det)
        out["detection"] = {
            "lesions>=10mm": n,
            "detected": sum(r["detected"] for r in det),
            "typeCorrect": sum(r["typeCorrect"] for r in det),
            "sensitivity": (sum(r["detected"] for r in det) / n) if n else float("nan"),
            "falsePositiveComponents": sum(f["falsePositiveComponents"] for f in fps),
            "falsePositiveComponents>=10voxels": sum(sum(v >= 10 for v in f["voxels"]) for f in fps),
        }
    return out


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    seed_everything(args.seed)
    os.makedirs(args.run, exist_ok=True)
    log_file = open(os.path.join(args.run, "train.log"), "a")

    def log(msg):
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    patch_zyx = tuple(reversed(args.patch))
    meta, cases = load_cases(args.data)
    train = [c for c in cases if c["split"] == "train"]
    val = [c for c in cases if c["split"] == "validation"]
    test = [c for c in cases if c["split"] == "test"]
    log(f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}; "
        f"cases train {len(train)} validation {len(val)} test {len(test)}")
    norm = normalization_from_training(train)
    log(f"normalization {json.dumps(norm)}")

    model = UNet3D(args.channels).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"UNet3D channels {args.channels}, {n_params} parameters, patch [x,y,z] {args.patch}, batch {args.batch}")
    best_path = os.path.join(args.run, "best.pt")
    history = []
    train_seconds = None
    iterations_done = None

    if not args.evaluate_only:
        rng = np.random.RandomState(args.seed)
        sampler = PatchSampler(train, patch_zyx, rng, args.lesion_fraction, args.liver_fraction)
        opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-5)
        warmup = 50

        budget = args.minutes * 60

        def progress(it, train_time):
            """Fraction of training done: of the time budget, or of the iterations."""
            return train_time / budget if budget > 0 else it / args.iterations

        def lr_at(it, p):
            if it < warmup:
                return args.lr * (it + 1) / warmup
            return args.lr * max(0.0, 1 - p) ** 0.9

        best = -1.0
        t0 = time.time()
        train_time = 0.0  # seconds spent training (validation excluded)
        running = []
        val_points = sorted(args.val_at)
        it = 0
        while True:
            t_it = time.time()
            p = progress(it, train_time)
            lr = lr_at(it, p)
            for g in opt.param_groups:
                g["lr"] = lr
            xs, ys = [], []
            for _ in range(args.batch):
                hu, cls = sampler.sample()
                xs.append(normalize(augment_hu(hu, rng), norm))
                ys.append(cls.astype(np.int64))
            x = torch.from_numpy(np.stack(xs)[:, None]).to(device)
            y = torch.from_numpy(np.stack(ys)).to(device)
            model.train()
            logits = model(x)
            loss, ce = dice_ce_loss(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 12)
            opt.step()
            running.append(loss.item())
            it += 1
            train_time += time.time() - t_it
            p = progress(it, train_time)
            if it % 25 == 0:
                log(f"it {it} ({100 * min(p, 1):.0f} %) loss {np.mean(running):.4f} (ce {ce:.4f}) lr {lr:.2e} "
                    f"{train_time / it:.2f} s/it, training {train_time / 60:.1f} min, wall {(time.time() - t0) / 60:.1f} min")
                running = []
            last = p >= 1
            if last or (val_points and p >= val_points[0]):
                while val_points and p >= val_points[0]:
                    val_points.pop(0)
                model.eval()
                tv = time.time()
                r = evaluate(model, val, norm, patch_zyx, args.val_overlap, device)
                m = r["mean"]
                history.append({"iteration": it, "trainMinutes": round(train_time / 60, 2), **m})
                log(f"validation it {it}: liver {m['liver']:.4f} whole {m['liverWhole']:.4f} lesion {m['lesion']:.4f} "
                    f"metastasis {m['metastasis']:.4f} cyst {m['cyst']:.4f} fg-mean {m['foregroundMean']:.4f} "
                    f"({time.time() - tv:.0f} s)")
                state = {"model": model.state_dict(), "channels": args.channels, "patch": args.patch,
                         "normalization": norm, "iteration": it, "validation": m}
                torch.save(state, os.path.join(args.run, "last.pt"))
                if m["foregroundMean"] > best:
                    best = m["foregroundMean"]
                    torch.save(state, best_path)
                    log(f"  new best (validation foreground mean Dice {best:.4f})")
            if last:
                break
        iterations_done = it
        train_seconds = time.time() - t0
        log(f"training done: {iterations_done} iterations, {train_time / 60:.1f} min training, {train_seconds / 60:.1f} min wall")

    state = torch.load(best_path, map_location=device)
    model.load_state_dict(state["model"])
    model.eval()
    norm = state["normalization"]
    log(f"evaluating best checkpoint (iteration {state['iteration']}) at overlap {args.test_overlap}")
    t = time.time()
    val_r = evaluate(model, val, norm, patch_zyx, args.test_overlap, device, detection=True)
    test_r = evaluate(model, test, norm, patch_zyx, args.test_overlap, device, detection=True)
    for name, r in (("validation", val_r), ("test", test_r)):
        m = r["mean"]
        d = r["detection"]
        log(f"{name}: liver {m['liver']:.4f} whole-liver {m['liverWhole']:.4f} (largest component: "
            f"{m['liverLargestComponent']:.4f} / {m['liverWholeLargestComponent']:.4f}) lesion {m['lesion']:.4f} "
            f"metastasis {m['metastasis']:.4f} cyst {m['cyst']:.4f}; lesions >= 10 mm detected {d['detected']}/{d['lesions>=10mm']} "
            f"(type correct {d['typeCorrect']}), false-positive components {d['falsePositiveComponents']} "
            f"(>= 10 voxels: {d['falsePositiveComponents>=10voxels']})")
    log(f"evaluation {time.time() - t:.0f} s")

    metrics_path = os.path.join(args.run, "metrics.json")
    previous = {}
    if os.path.exists(metrics_path):
        with open(metrics_path) as f:
            previous = json.load(f)
    metrics = {
        "args": vars(args),
        "device": str(device),
        "torch": torch.__version__,
        "parameters": n_params,
        "normalization": norm,
        "bestIteration": state["iteration"],
        "trainSeconds": train_seconds if train_seconds is not None else previous.get("trainSeconds"),
        "iterations": iterations_done if iterations_done is not None else previous.get("iterations"),
        "validationHistory": history or previous.get("validationHistory", []),
        "validation": val_r,
        "test": test_r,
        "split": {"train": [c["id"] for c in train], "validation": [c["id"] for c in val], "test": [c["id"] for c in test]},
    }
    with open(metrics_path, "w") as f:
        json.dump(metrics, f, indent=1)
    log(f"wrote {metrics_path}")


if __name__ == "__main__":
    main()
