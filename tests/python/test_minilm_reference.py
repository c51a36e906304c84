"""all-MiniLM-L6-v2 on its real weights: the project's tokenizer and float32 Eigen forward pass
against independent implementations (Hugging Face's tokenizers; the same network as an ONNX graph
run by onnxruntime)."""
import os

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer

import npusim

SENTENCES = npusim.sentences()


@pytest.fixture(scope="module")
def minilm():
    return npusim.MiniLM()


def onnx_bert(model_dir):
    """The BERT encoder built from the safetensors weights as a plain ONNX graph (opset 17)."""
    import json
    import struct
    path = os.path.join(model_dir, "model.safetensors")
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    w = {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], np.float32).reshape(v["shape"])
         for k, v in header.items() if k != "__metadata__" and v["dtype"] == "F32"}
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    d, heads, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    inits, nodes = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op, ins, **attrs):
        out = f"t{len(nodes)}"
        nodes.append(helper.make_node(op, ins, [out], **attrs))
        return out

    def linear(x, prefix):
        return node("Add", [node("MatMul", [x, const(prefix + ".wt", w[prefix + ".weight"].T.copy())]),
                            const(prefix + ".b", w[prefix + ".bias"])])

    def norm(x, prefix):
        return node("LayerNormalization", [x, const(prefix + ".g", w[prefix + ".weight"]),
                                           const(prefix + ".b", w[prefix + ".bias"])], axis=-1, epsilon=eps)

    heads_shape = const("heads_shape", np.array([-1, heads, d // heads], np.int64))
    flat_shape = const("flat_shape", np.array([-1, d], np.int64))
    x = node("Add", [node("Gather", [const("word", w["embeddings.word_embeddings.weight"]), "ids"]),
                     node("Gather", [const("pos", w["embeddings.position_embeddings.weight"]), "pos_ids"])])
    x = node("Add", [x, const("type0", w["embeddings.token_type_embeddings.weight"][0])])
    x = norm(x, "embeddings.LayerNorm")
    for layer in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{layer}"
        q, k, v = (node("Transpose", [node("Reshape", [linear(x, f"{p}.attention.self.{n}"), heads_shape])],
                        perm=[1, 0, 2]) for n in ("query", "key", "value"))
        s = node("Mul", [node("MatMul", [q, node("Transpose", [k], perm=[0, 2, 1])]),
                         const(f"scale{layer}", np.float32(1 / np.sqrt(d // heads)))])
        ctx = node("MatMul", [node("Softmax", [s], axis=-1), v])
        ctx = node("Reshape", [node("Transpose", [ctx], perm=[1, 0, 2]), flat_shape])
        x = norm(node("Add", [linear(ctx, f"{p}.attention.output.dense"), x]), f"{p}.attention.output.LayerNorm")
        u = linear(x, f"{p}.intermediate.dense")
        g = node("Mul", [node("Mul", [u, const(f"half{layer}", np.float32(0.5))]),
                         node("Add", [node("Erf", [node("Mul", [u, const(f"rs2{layer}", np.float32(2 ** -0.5))])]),
                                      const(f"one{layer}", np.float32(1))])])
        x = norm(node("Add", [linear(g, f"{p}.output.dense"), x]), f"{p}.output.LayerNorm")
    nodes[-1].output[0] = "hidden"
    graph = helper.make_graph(nodes, "bert", [helper.make_tensor_value_info("ids", TensorProto.INT64, ["T"]),
                                              helper.make_tensor_value_info("pos_ids", TensorProto.INT64, ["T"])],
                              [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["T", d])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model)
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def test_tokenizer_matches_hugging_face(minilm):
    hf = Tokenizer.from_file(os.path.join(minilm.dir, "tokenizer.json"))
    hf.no_padding()
    hf.enable_truncation(256)
    extra = ["Héllo, WORLD!! It's 3.14 -- naïve café's “quotes”…", "unaffable supercalifragilisticexpialidocious",
             "a" * 120, "tabs\tand\nnewlines  and   spaces", ""]
    for text in SENTENCES + extra:
        assert minilm.tokenize(text) == hf.encode(text).ids, text


def test_float_reference_matches_onnxruntime(minilm):
    session = onnx_bert(minilm.dir)
    worst_embedding = worst_hidden = 0.0
    for text in SENTENCES[:64]:
        ids = np.array(minilm.tokenize(text), np.int64)
        (want,) = session.run(None, {"ids": ids, "pos_ids": np.arange(len(ids), dtype=np.int64)})
        got = minilm.hidden_states(text)[-1]
        worst_hidden = max(worst_hidden, float(np.abs(got - want).max()))
        e = want.mean(axis=0)
        e /= np.linalg.norm(e)
        worst_embedding = max(worst_embedding, float(np.abs(minilm.embed([text])[0] - e).max()))
    assert worst_embedding <= 1e-4, worst_embedding
    assert worst_hidden <= 1e-3, worst_hidden


def test_embeddings_are_unit_length_and_meaningful(minilm):
    e = minilm.embed(["The cat sat on the mat.", "A cat was sitting on a rug.", "Stock markets fell sharply today."])
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5)
    assert e[0] @ e[1] > e[0] @ e[2] + 0.3


def test_weight_file_errors(tmp_path):
    bad = tmp_path / "model.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      ")
    with pytest.raises(npusim.UserError, match="model.safetensors \\(header\\):1:3: syntax error while parsing object key"):
        npusim._npusim.BertReference(os.path.join(npusim.minilm_dir(), "config.json"), str(bad))
    bad.write_bytes(b"\xff\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(npusim.UserError, match="header length 255 exceeds the file"):
        npusim._npusim.BertReference(os.path.join(npusim.minilm_dir(), "config.json"), str(bad))
    header = b'{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 12]}}'
    bad.write_bytes(len(header).to_bytes(8, "little") + header + bytes(16))
    with pytest.raises(npusim.UserError, match="tensor 'a': 12 data bytes for 4 F32 elements"):
        npusim._npusim.BertReference(os.path.join(npusim.minilm_dir(), "config.json"), str(bad))
    header = b'{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}'
    bad.write_bytes(len(header).to_bytes(8, "little") + header + bytes(16))
    with pytest.raises(npusim.UserError, match="no tensor 'embeddings.word_embeddings.weight'"):
        npusim._npusim.BertReference(os.path.join(npusim.minilm_dir(), "config.json"), str(bad))
    with pytest.raises(npusim.UserError, match="cannot open the weights file"):
        npusim._npusim.BertReference(os.path.join(npusim.minilm_dir(), "config.json"), str(tmp_path / "none"))
