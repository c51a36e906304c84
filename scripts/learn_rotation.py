"""Learns the residual-stream rotation R1 of the shipped tiny decoder for fully static W4A8, as
SpinQuant does (Liu et al., "SpinQuant: LLM Quantization with Learned Rotations", ICLR 2025), and
writes the model with it folded in: data/tiny-llama-kjv-r1/.

The rotation is exact in float (quant/rotation.h has the algebra): every RMSNorm gain folds into
the linears that read the norm, the embedding and every linear reading the residual take W R,
the output and down projections R^T W. Only the quantization error depends on R. R starts as a
randomized Hadamard matrix and follows Cayley SGD on the Stiefel manifold (Li, Wang and Lin,
ICLR 2020): with G the loss gradient, W = R G^T - G R^T is skew-symmetric and
R <- (I - a/2 W)^-1 (I + a/2 W) R stays orthogonal while the loss descends. The loss is the next-byte cross-entropy of the
fake-quantized model on the calibration text (data/sentences-kjv.txt, the text npusim calibrates
the decoder on; Revelation stays held out): int4 weights per output channel and int8 inputs of
every linear with one scale per tensor (the batch's max), rounded with straight-through gradients.

    python3 -m venv /tmp/train && /tmp/train/bin/pip install -r scripts/requirements-train.txt
    /tmp/train/bin/python scripts/learn_rotation.py --steps 200 --batch 16 --lr 0.05

Writes config.json (untied: the final norm's gain folds into lm_head but not into the embedding),
model.safetensors (float32, Hugging Face names), and rotation.json (the loss curve, the float
perplexity before and after folding, which must agree, and the seconds taken).
"""
import argparse
import json
import math
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

from train_tiny_llama import CFG, ROOT, heldout_ppl, rope, save_safetensors

SRC = os.path.join(ROOT, "data", "tiny-llama-kjv")
OUT = os.path.join(ROOT, "data", "tiny-llama-kjv-r1")


def load_safetensors(path):
    raw = open(path, "rb").read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + a:8 + n + b], np.float32).reshape(t["shape"])
    return out


def randomized_hadamard(n, seed):
    h = np.array([[1.0]])
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    signs = np.random.default_rng(seed).choice([-1.0, 1.0], n)
    return (h * signs[None, :] / math.sqrt(n)).astype(np.float32)


def fold_norms(p):
    """RMSNorm gains into the linears reading them (gains become 1); lm_head untied from the embedding."""
    q = dict(p)
    q["lm_head.weight"] = p["model.embed_tokens.weight"] * p["model.norm.weight"][None, :]
    q["model.norm.weight"] = np.ones_like(p["model.norm.weight"])
    for l in range(CFG["num_hidden_layers"]):
        s = f"model.layers.{l}."
        for norm, linears in (("input_layernorm", ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj")),
                              ("post_attention_layernorm", ("mlp.gate_proj", "mlp.up_proj"))):
            g = p[s + norm + ".weight"]
            for lin in linears:
                q[s + lin + ".weight"] = p[s + lin + ".weight"] * g[None, :]
            q[s + norm + ".weight"] = np.ones_like(g)
    return q


def rotate(p, r):
    """The folded model with its residual stream rotated by r: inputs W r, outputs r^T W."""
    q = dict(p)
    q["model.embed_tokens.weight"] = p["model.embed_tokens.weight"] @ r
    q["lm_head.weight"] = p["lm_head.weight"] @ r
    for l in range(CFG["num_hidden_layers"]):
        s = f"model.layers.{l}."
        for lin in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "mlp.gate_proj", "mlp.up_proj"):
            q[s + lin + ".weight"] = p[s + lin + ".weight"] @ r
        for lin in ("self_attn.o_proj", "mlp.down_proj"):
            q[s + lin + ".weight"] = r.T @ p[s + lin + ".weight"]
    return q


def ste(x, q):
    return x + jax.lax.stop_gradient(q - x)


def quant_weight(w, bits=4):  # per output channel (row), symmetric
    qmax = 2 ** (bits - 1) - 1
    s = jnp.maximum(jnp.max(jnp.abs(w), 1, keepdims=True), 1e-8) / qmax
    return ste(w, jnp.clip(jnp.round(w / s), -qmax, qmax) * s)


def quant_act(x):  # int8, one scale for the tensor
    s = jnp.maximum(jax.lax.stop_gradient(jnp.max(jnp.abs(x))), 1e-8) / 127
    return ste(x, jnp.clip(jnp.round(x / s), -128, 127) * s)


def qlinear(x, w):
    return quant_act(x) @ quant_weight(w).T


def quant_forward(p, ids):
    """The folded, rotated model with W4A8 fake quantization at every linear."""
    return folded_logits(p, ids, qlinear)


def loss_fn(r, folded, batch):
    p = rotate(folded, r)
    logits = jax.vmap(quant_forward, (None, 0))(p, batch[:, :-1])
    logp = jax.nn.log_softmax(logits, -1)
    return -jnp.mean(jnp.take_along_axis(logp, batch[:, 1:, None], -1))


def folded_logits(p, ids, linear=lambda x, w: x @ w.T):
    """The forward pass of a folded model (untied lm_head, the norms' gains as stored: ones),
    every linear computed by `linear`."""
    H, Hk, hd, eps = CFG["num_attention_heads"], CFG["num_key_value_heads"], CFG["head_dim"], CFG["rms_norm_eps"]
    T = ids.shape[0]
    norm = lambda x, g: x * jax.lax.rsqrt(jnp.mean(x * x, -1, keepdims=True) + eps) * g  # noqa: E731
    x = p["model.embed_tokens.weight"][ids]
    mask = jnp.tril(jnp.ones((T, T), bool))
    for l in range(CFG["num_hidden_layers"]):
        s = f"model.layers.{l}."
        h = norm(x, p[s + "input_layernorm.weight"])
        q = rope(linear(h, p[s + "self_attn.q_proj.weight"]).reshape(T, H, hd))
        k = rope(linear(h, p[s + "self_attn.k_proj.weight"]).reshape(T, Hk, hd))
        v = linear(h, p[s + "self_attn.v_proj.weight"]).reshape(T, Hk, hd)
        k, v = jnp.repeat(k, H // Hk, 1), jnp.repeat(v, H // Hk, 1)
        a = jax.nn.softmax(jnp.where(mask, jnp.einsum("thd,shd->hts", q, k) / math.sqrt(hd), -jnp.inf), -1)
        x = x + linear(jnp.einsum("hts,shd->thd", a, v).reshape(T, H * hd), p[s + "self_attn.o_proj.weight"])
        h = norm(x, p[s + "post_attention_layernorm.weight"])
        g = jax.nn.silu(linear(h, p[s + "mlp.gate_proj.weight"])) * linear(h, p[s + "mlp.up_proj.weight"])
        x = x + linear(g, p[s + "mlp.down_proj.weight"])
    return linear(norm(x, p["model.norm.weight"]), p["lm_head.weight"])


def folded_ppl(p, data, window):
    """Held-out perplexity per byte of a folded model, windows as heldout_ppl's."""
    p = {k: jnp.asarray(v) for k, v in p.items()}

    @jax.jit
    def nll(w):
        logp = jax.nn.log_softmax(folded_logits(p, w[:-1]), -1)
        return -jnp.mean(jnp.take_along_axis(logp, w[1:, None], -1))

    losses = [float(nll(jnp.asarray(data[i:i + window + 1]))) for i in range(0, len(data) - window - 1, window)]
    return math.exp(sum(losses) / len(losses))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=8, help="windows of 256 bytes per step")
    ap.add_argument("--lr", type=float, default=0.5, help="Cayley SGD step")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=OUT, help="directory written (default: data/tiny-llama-kjv-r1)")
    args = ap.parse_args()
    start = time.time()
    p = {k: np.asarray(v) for k, v in load_safetensors(os.path.join(SRC, "model.safetensors")).items()}
    calib = np.frombuffer(open(os.path.join(ROOT, "data", "sentences-kjv.txt"), "rb").read(), np.uint8).astype(np.int32)
    held = np.frombuffer(open(os.path.join(ROOT, "data", "kjv-heldout.txt"), "rb").read(), np.uint8).astype(np.int32)
    T = CFG["max_position_embeddings"]
    folded = {k: jnp.asarray(v) for k, v in fold_norms(p).items()}
    r = jnp.asarray(randomized_hadamard(CFG["hidden_size"], args.seed))
    grad = jax.jit(jax.value_and_grad(loss_fn))
    # A fixed set of calibration windows to compare the quantized loss before and after.
    fixed = jnp.asarray(np.stack([calib[i:i + T + 1] for i in range(0, 16 * T, T)]))
    quantized_loss = jax.jit(loss_fn)
    loss_init = float(quantized_loss(r, folded, fixed))
    eye = jnp.eye(CFG["hidden_size"])
    rng = np.random.default_rng(args.seed)
    log = []
    for t in range(1, args.steps + 1):
        idx = rng.integers(0, len(calib) - T - 1, args.batch)
        batch = jnp.asarray(np.stack([calib[i:i + T + 1] for i in idx]))
        loss, g = grad(r, folded, batch)
        # Skew-symmetric, and the curve's slope at a = 0, W R, has <G, W R> = -(|G|^2 - tr((R^T G)^2))
        # <= 0: a descent direction.
        w = r @ g.T - g @ r.T
        a = args.lr * 0.5 * (1 + math.cos(math.pi * (t - 1) / args.steps))
        r = jnp.linalg.solve(eye - a / 2 * w, (eye + a / 2 * w) @ r)
        if t % 25 == 0 or t == 1:
            held_in = float(quantized_loss(r, folded, fixed))
            log.append({"step": t, "batch_loss": float(loss), "fixed_windows_loss": held_in,
                        "seconds": round(time.time() - start, 1)})
            print(f"step {t}/{args.steps}: batch loss {float(loss):.4f}, fixed windows {held_in:.4f} "
                  f"({time.time() - start:.0f} s)", flush=True)
    loss_final = float(quantized_loss(r, folded, fixed))
    print(f"quantized loss on 16 fixed calibration windows: {loss_init:.4f} (Hadamard) -> {loss_final:.4f} (learned)")
    r = np.asarray(r, np.float32)
    orth = float(np.abs(r @ r.T - np.eye(r.shape[0])).max())
    rotated = {k: np.asarray(v) for k, v in rotate({k: np.asarray(v) for k, v in folded.items()}, r).items()}
    before, _ = heldout_ppl({k: jnp.asarray(v) for k, v in p.items()}, held, T - 1)
    after = folded_ppl(rotated, held, T - 1)
    print(f"float held-out perplexity: {before:.5f} original, {after:.5f} rotated; max |R R^T - I| {orth:.2e}")
    os.makedirs(args.out, exist_ok=True)
    cfg = {k: v for k, v in CFG.items() if v is not None}
    cfg["tie_word_embeddings"] = False
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    save_safetensors(os.path.join(args.out, "model.safetensors"), rotated)
    with open(os.path.join(args.out, "rotation.json"), "w") as f:
        json.dump({"source": "data/tiny-llama-kjv", "steps": args.steps, "batch": args.batch, "lr": args.lr,
                   "seed": args.seed, "init": "randomized Hadamard", "quantized_loss_hadamard": loss_init,
                   "quantized_loss_learned": loss_final, "float_ppl_original": before,
                   "float_ppl_rotated": after, "max_orthogonality_error": orth, "jax": jax.__version__,
                   "seconds": round(time.time() - start, 1), "log": log}, f, indent=1)


if __name__ == "__main__":
    main()
