"""Writes threshold/model.onnx: a known-answer 2-class segmentation "model" for tests.

logits[0] = 0, logits[1] = 4 * (t - x) where x is the normalized input, so after softmax
class 1 ("dark") wins where x < t. With the manifest's normalization (scale HU [-1000, 1000]
to [-1, 1]) and t = 0.025 this marks voxels below 25 HU: cysts and water in a phantom.
Run with Debian's python3-onnx: /usr/bin/python3 make_threshold_model.py
"""
import os
import onnx
from onnx import TensorProto, helper, numpy_helper
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
patch = (16, 16, 16)  # z, y, x
w = numpy_helper.from_array(np.array([[[[[0.0]]]], [[[[-4.0]]]]], dtype=np.float32), "w")
b = numpy_helper.from_array(np.array([0.0, 4.0 * 0.025], dtype=np.float32), "b")
x = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, *patch])
y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 2, *patch])
node = helper.make_node("Conv", ["image", "w", "b"], ["logits"], kernel_shape=[1, 1, 1])
graph = helper.make_graph([node], "threshold", [x], [y], [w, b])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="longitude-tests")
model.ir_version = 8
onnx.checker.check_model(model)
os.makedirs(os.path.join(here, "threshold"), exist_ok=True)
onnx.save(model, os.path.join(here, "threshold", "model.onnx"))
