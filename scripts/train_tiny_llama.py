"""Trains the small decoder LM npusim ships (data/tiny-llama-kjv/): a Llama-architecture model
(RMSNorm, RoPE, grouped-query attention, SwiGLU) over bytes (vocabulary 256) of the King James
Bible, Genesis to Jude; Revelation is held out for perplexity. No pretrained decoder weights can be
fetched at run time, so the project makes its own.

    python3 -m venv /tmp/train && /tmp/train/bin/pip install -r scripts/requirements-train.txt
    python scripts/make_texts.py --train /tmp/kjv-train.txt
    /tmp/train/bin/python scripts/train_tiny_llama.py --train /tmp/kjv-train.txt --steps 1500

Writes config.json (Hugging Face LlamaForCausalLM fields), model.safetensors (float32, Hugging
Face tensor names) and train_log.json (the loss curve, and the held-out perplexity this script
measures with its own JAX forward pass, which tests/python compares with npusim's).
"""
import argparse
import json
import math
import os
import struct
import time

import jax
import jax.numpy as jnp
import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "data", "tiny-llama-kjv")
CFG = dict(architectures=["LlamaForCausalLM"], model_type="llama", vocab_size=256, hidden_size=256,
           intermediate_size=512, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
           head_dim=64, max_position_embeddings=256, rms_norm_eps=1e-5, rope_theta=10000.0,
           tie_word_embeddings=True, hidden_act="silu", torch_dtype="float32", bos_token_id=None,
           eos_token_id=None)


def init(key):
    d, f, L = CFG["hidden_size"], CFG["intermediate_size"], CFG["num_hidden_layers"]
    hd, H, Hk = CFG["head_dim"], CFG["num_attention_heads"], CFG["num_key_value_heads"]
    keys = iter(jax.random.split(key, 8 * L + 2))
    n = lambda *s: jax.random.normal(next(keys), s) * 0.02
    p = {"model.embed_tokens.weight": n(256, d), "model.norm.weight": jnp.ones(d)}
    for l in range(L):
        q = f"model.layers.{l}."
        p.update({q + "input_layernorm.weight": jnp.ones(d), q + "post_attention_layernorm.weight": jnp.ones(d),
                  q + "self_attn.q_proj.weight": n(H * hd, d), q + "self_attn.k_proj.weight": n(Hk * hd, d),
                  q + "self_attn.v_proj.weight": n(Hk * hd, d), q + "self_attn.o_proj.weight": n(d, H * hd) / math.sqrt(2 * L),
                  q + "mlp.gate_proj.weight": n(f, d), q + "mlp.up_proj.weight": n(f, d),
                  q + "mlp.down_proj.weight": n(d, f) / math.sqrt(2 * L)})
    return p


def rms(x, g):
    return x * jax.lax.rsqrt(jnp.mean(x * x, -1, keepdims=True) + CFG["rms_norm_eps"]) * g


def rope(x):  # x: (T, heads, hd), rotate-half
    T, _, hd = x.shape
    freq = CFG["rope_theta"] ** (-jnp.arange(0, hd // 2) * 2.0 / hd)
    ang = jnp.arange(T)[:, None] * freq[None, :]
    c, s = jnp.cos(ang)[:, None, :], jnp.sin(ang)[:, None, :]
    a, b = x[..., : hd // 2], x[..., hd // 2:]
    return jnp.concatenate([a * c - b * s, b * c + a * s], -1)


def forward(p, ids):  # ids: (T,) -> logits (T, 256)
    H, Hk, hd = CFG["num_attention_heads"], CFG["num_key_value_heads"], CFG["head_dim"]
    T = ids.shape[0]
    x = p["model.embed_tokens.weight"][ids]
    mask = jnp.tril(jnp.ones((T, T), bool))
    for l in range(CFG["num_hidden_layers"]):
        q_ = f"model.layers.{l}."
        h = rms(x, p[q_ + "input_layernorm.weight"])
        q = rope((h @ p[q_ + "self_attn.q_proj.weight"].T).reshape(T, H, hd))
        k = rope((h @ p[q_ + "self_attn.k_proj.weight"].T).reshape(T, Hk, hd))
        v = (h @ p[q_ + "self_attn.v_proj.weight"].T).reshape(T, Hk, hd)
        k, v = jnp.repeat(k, H // Hk, 1), jnp.repeat(v, H // Hk, 1)
        s = jnp.einsum("thd,shd->hts", q, k) / math.sqrt(hd)
        a = jax.nn.softmax(jnp.where(mask, s, -jnp.inf), -1)
        x = x + jnp.einsum("hts,shd->thd", a, v).reshape(T, H * hd) @ p[q_ + "self_attn.o_proj.weight"].T
        h = rms(x, p[q_ + "post_attention_layernorm.weight"])
        g = jax.nn.silu(h @ p[q_ + "mlp.gate_proj.weight"].T) * (h @ p[q_ + "mlp.up_proj.weight"].T)
        x = x + g @ p[q_ + "mlp.down_proj.weight"].T
    return rms(x, p["model.norm.weight"]) @ p["model.embed_tokens.weight"].T


def nll(p, batch):  # mean next-byte negative log-likelihood
    logits = jax.vmap(forward, (None, 0))(p, batch[:, :-1])
    logp = jax.nn.log_softmax(logits, -1)
    return -jnp.mean(jnp.take_along_axis(logp, batch[:, 1:, None], -1))


def save_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(np.asarray(tensors[name], np.float32))
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def heldout_ppl(p, data, window):
    f = jax.jit(lambda p, w: nll(p, w[None]))
    losses = [float(f(p, jnp.asarray(data[i:i + window + 1]))) for i in range(0, len(data) - window - 1, window)]
    return math.exp(sum(losses) / len(losses)), len(losses)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True, help="training text (scripts/make_texts.py --train)")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    data = np.frombuffer(open(args.train, "rb").read(), np.uint8).astype(np.int32)
    held = np.frombuffer(open(os.path.join(ROOT, "data", "kjv-heldout.txt"), "rb").read(), np.uint8).astype(np.int32)
    T = CFG["max_position_embeddings"]
    p = init(jax.random.PRNGKey(args.seed))
    m = jax.tree_util.tree_map(jnp.zeros_like, p)
    v = jax.tree_util.tree_map(jnp.zeros_like, p)

    @jax.jit
    def step(p, m, v, batch, lr, t):
        loss, g = jax.value_and_grad(nll)(p, batch)
        m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, g)
        v = jax.tree_util.tree_map(lambda v, g: 0.99 * v + 0.01 * g * g, v, g)
        c1, c2 = 1 - 0.9 ** t, 1 - 0.99 ** t
        p = jax.tree_util.tree_map(lambda p, m, v: p - lr * (m / c1) / (jnp.sqrt(v / c2) + 1e-8), p, m, v)
        return p, m, v, loss

    rng = np.random.default_rng(args.seed)
    log, start = [], time.time()
    for t in range(1, args.steps + 1):
        idx = rng.integers(0, len(data) - T - 1, args.batch)
        batch = jnp.asarray(np.stack([data[i:i + T + 1] for i in idx]))
        lr = args.lr * min(1.0, t / 100) * 0.5 * (1 + math.cos(math.pi * t / args.steps))
        p, m, v, loss = step(p, m, v, batch, lr, t)
        if t % 50 == 0 or t == 1:
            log.append({"step": t, "loss": float(loss), "seconds": round(time.time() - start, 1)})
            print(f"step {t}/{args.steps}: loss {float(loss):.4f} ({time.time() - start:.0f} s)", flush=True)
    ppl, windows = heldout_ppl(p, held, T - 1)
    print(f"held-out perplexity per byte: {ppl:.4f} over {windows} windows of {T} bytes")
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump({k: v for k, v in CFG.items() if v is not None}, f, indent=2)
    save_safetensors(os.path.join(OUT, "model.safetensors"), {k: np.asarray(x) for k, x in p.items()})
    with open(os.path.join(OUT, "train_log.json"), "w") as f:
        json.dump({"steps": args.steps, "batch": args.batch, "seq": T, "lr": args.lr, "seed": args.seed,
                   "train_bytes": int(len(data)), "heldout_ppl_per_byte": ppl, "heldout_windows": windows,
                   "heldout_window": T, "jax": jax.__version__, "log": log}, f, indent=1)


if __name__ == "__main__":
    main()
