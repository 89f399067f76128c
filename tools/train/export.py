#!/usr/bin/python3
"""Export the chosen checkpoint to ONNX and write the app's model folder (see README.md).

    /usr/bin/python3 tools/train/export.py --run /tmp/liver-run --data /tmp/liver-train

Writes resources/models/longitude-liver-lesions/model.onnx and model.json (manifest of
core/models/manifest.ts; sha256 of model.onnx), checks the graph with onnx.checker, and
leaves one real test patch and torch's logits for it in <run>/reference/ so that
tools/train/checkOnnx.ts can compare onnxruntime-node against torch.
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import UNet3D, load_cases, normalize  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "resources", "models", "longitude-liver-lesions"))
OPSET = 17


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="training run folder (best.pt, metrics.json)")
    p.add_argument("--data", required=True, help="prepared cases (for the reference patch)")
    p.add_argument("--out", default=MODEL_DIR)
    p.add_argument("--overlap", type=float, default=0.5)
    return p.parse_args(argv)


def manifest(sha256, state, metrics, overlap):
    norm = state["normalization"]
    px, py, pz = state["patch"]
    split = metrics["split"]
    test = metrics["test"]["mean"]
    return {
        "id": "longitude-liver-lesions",
        "version": "1.0.0",
        "sha256": sha256,
        "task": "segmentation",
        "labels": [
            {"value": 0, "name": "background", "role": "background"},
            {"value": 1, "name": "liver", "role": "organ",
             "code": {"scheme": "SCT", "value": "10200004", "meaning": "Liver"}},
            {"value": 2, "name": "metastasis", "role": "lesion", "lesionType": "metastasis",
             "code": {"scheme": "SCT", "value": "94381002", "meaning": "Secondary malignant neoplasm of liver"}},
            {"value": 3, "name": "cyst", "role": "lesion", "lesionType": "cyst",
             "code": {"scheme": "SCT", "value": "85057007", "meaning": "Cyst of liver"}},
        ],
        "input": {
            "name": "image",
            "spacingMm": [2, 2, 2],
            "orientation": "LPS",
            "channels": 1,
            "normalization": {"type": "ct-clip-zscore", "clipMinHu": norm["clipMinHu"], "clipMaxHu": norm["clipMaxHu"],
                              "mean": norm["mean"], "std": norm["std"]},
            "patchSize": [px, py, pz],
            "overlap": overlap,
        },
        "output": {"name": "logits", "activation": "softmax", "kind": "logits", "channels": 4},
        "card": {
            "trainedOn": (f"Synthetic contrast CT phantoms of tools/phantom (Longitude), {len(split['train'])} training / "
                          f"{len(split['validation'])} validation / {len(split['test'])} test patients, one exam each; "
                          "split and generator options in split.json"),
            "testDice": round(test["lesion"], 4),
            "intendedUse": ("Demonstration of the local-AI workflow: proposes liver, metastasis and cyst masks on portal-venous "
                            "abdominal CT for a reader to accept, edit or reject. Trained on synthetic phantoms only."),
            "notForClinicalUse": True,
        },
    }


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(2)
    torch.manual_seed(0)
    state = torch.load(os.path.join(args.run, "best.pt"), map_location="cpu")
    with open(os.path.join(args.run, "metrics.json")) as f:
        metrics = json.load(f)
    model = UNet3D(state["channels"])
    model.load_state_dict(state["model"])
    model.eval()
    px, py, pz = state["patch"]

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    dummy = torch.zeros(1, 1, pz, py, px)
    torch.onnx.export(
        model, dummy, onnx_path, opset_version=OPSET, input_names=["image"], output_names=["logits"],
        dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}}, do_constant_folding=True,
    )
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m, full_check=True)
    dims = lambda t: [d.dim_param or d.dim_value for d in t.type.tensor_type.shape.dim]  # noqa: E731
    print(f"ONNX opset {m.opset_import[0].version}: input {m.graph.input[0].name} {dims(m.graph.input[0])}, "
          f"output {m.graph.output[0].name} {dims(m.graph.output[0])}, {os.path.getsize(onnx_path) / 1e6:.2f} MB")

    with open(onnx_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(manifest(sha, state, metrics, args.overlap), f, indent=2)
        f.write("\n")
    print(f"wrote {onnx_path} and model.json (sha256 {sha})")

    # Reference: two real patches of the first test case (one through a lesion), normalised as the app does.
    _, cases = load_cases(args.data, splits={"test"})
    c = cases[0]
    img = normalize(c["image"], state["normalization"])
    les = np.argwhere(c["classes"] >= 2)
    centre = les[len(les) // 2]
    starts = []
    for centre_zyx in (centre, np.array(img.shape) // 2):
        starts.append([int(min(max(centre_zyx[a] - s // 2, 0), img.shape[a] - s)) for a, s in enumerate((pz, py, px))])
    x = np.stack([img[z:z + pz, y:y + py, x0:x0 + px] for z, y, x0 in starts])[:, None].copy()
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    ref_dir = os.path.join(args.run, "reference")
    os.makedirs(ref_dir, exist_ok=True)
    x.astype("<f4").tofile(os.path.join(ref_dir, "input.f32"))
    ref.astype("<f4").tofile(os.path.join(ref_dir, "logits.f32"))
    with open(os.path.join(ref_dir, "reference.json"), "w") as f:
        json.dump({"case": c["id"], "startsZyx": starts, "inputShape": list(x.shape), "outputShape": list(ref.shape)}, f)
    print(f"reference patches of {c['id']} in {ref_dir}: torch logits range {ref.min():.2f}..{ref.max():.2f}")


if __name__ == "__main__":
    main()
