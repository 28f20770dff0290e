"""PyTorch mirror of a Recur model (docs/DESIGN.md sections 2 and 3).

Shared by the helper scripts in this directory (make-parity-fixtures,
check-recur-model, bench-eval-torch, make-random-model). It is not part of
the Swift build; run the scripts with a Python that has torch, numpy and
safetensors installed.

The module's attribute names (`embedding`, `rnn`, `head`) make its
`state_dict()` keys exactly the tensor names of a Recur model file:
`embedding.weight`, `rnn.weight_ih_l{k}`, `rnn.weight_hh_l{k}`,
`rnn.bias_ih_l{k}`, `rnn.bias_hh_l{k}`, `head.weight`, `head.bias`.
"""

import hashlib
import json
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import save_file

FORMAT = "recur.model/1"
CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class RecurTorchModel(nn.Module):
    """Optional embedding -> stacked LSTM/GRU/tanh-RNN -> linear head."""

    def __init__(self, cell, layers, hidden, vocab_size, embedding=None):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r} (expected lstm, gru or rnn)")
        self.cell, self.vocab_size = cell, vocab_size
        self.embedding = nn.Embedding(vocab_size, embedding) if embedding else None
        in_size = embedding if embedding else vocab_size
        extra = {"nonlinearity": "tanh"} if cell == "rnn" else {}
        self.rnn = CELLS[cell](in_size, hidden, num_layers=layers, bias=True,
                               batch_first=False, **extra)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, tokens, state=None):
        """tokens: [T, B] long. Returns (logits [T, B, V], state).

        state is h [L, B, H] for gru/rnn and (h, c) for lstm, as in torch."""
        if self.embedding is not None:
            x = self.embedding(tokens)
        else:
            x = F.one_hot(tokens, self.vocab_size).to(self.head.weight.dtype)
        out, state = self.rnn(x, state)
        return self.head(out), state


def split_file(path):
    """(parsed JSON header, tensor data region) of a safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    return json.loads(blob[8:8 + n]), blob[8 + n:]


def same_model_file(a, b):
    """True when two files hold the same header (up to key order) and data.

    safetensors writes `__metadata__` keys in a random order (a Rust
    HashMap), so two saves of one model can differ byte-wise."""
    return split_file(a) == split_file(b)


def save_recur_model(path, model, cell, kind, vocab, name, description,
                     training=None, notes=None):
    """Write `model` as a Recur model file (float32 tensors + metadata)."""
    tensors = {k: v.detach().to(torch.float32).contiguous()
               for k, v in model.state_dict().items()}
    meta = {
        "format": FORMAT,
        "cell": cell,
        "layers": str(model.rnn.num_layers),
        "hidden": str(model.rnn.hidden_size),
        "kind": kind,
        "vocab": json.dumps(list(vocab), ensure_ascii=False),
        "name": name,
        "description": description,
    }
    if training is not None:
        meta["training"] = json.dumps(training)
    if notes is not None:
        meta["notes"] = json.dumps(notes)
    # The tensor bytes do not depend on the metadata: save once to learn the
    # data region, then save again with its checksum.
    save_file(tensors, path, metadata=meta)
    region = split_file(path)[1]
    meta["data_sha256"] = hashlib.sha256(region).hexdigest()
    save_file(tensors, path, metadata=meta)
    assert split_file(path)[1] == region, "data region changed between saves"
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)  # safetensors creates files mode 0600
    return meta


def load_recur_model(path):
    """Read a Recur model file. Returns (model in eval mode, metadata dict)."""
    with safe_open(path, framework="pt") as f:
        meta = dict(f.metadata() or {})
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path}: format is {meta.get('format')!r}, expected {FORMAT!r}")
    vocab = json.loads(meta["vocab"])
    emb = tensors["embedding.weight"].shape[1] if "embedding.weight" in tensors else None
    model = RecurTorchModel(meta["cell"], int(meta["layers"]), int(meta["hidden"]),
                            len(vocab), emb)
    model.load_state_dict(tensors, strict=True)  # also checks every shape
    digest = hashlib.sha256(split_file(path)[1]).hexdigest()
    if meta.get("data_sha256") != digest:
        raise ValueError(f"{path}: data_sha256 mismatch (file has "
                         f"{meta.get('data_sha256')!r}, data hashes to {digest})")
    return model.eval(), meta


def text_tokens(text, vocab):
    """Code points -> ids; characters not in vocab are dropped.

    Returns (ids, unknown_count)."""
    index = {ch: i for i, ch in enumerate(vocab)}
    ids = [index[ch] for ch in text if ch in index]
    return ids, len(text) - len(ids)


def notes_tokens(text, vocab):
    """Note names -> ids as `recur eval` reads a notes corpus: `<eos>`, then each
    non-empty line's tokens followed by `<eos>`; names not in vocab are dropped.

    Returns (ids, unknown_count)."""
    index = {name: i for i, name in enumerate(vocab)}
    names = ["<eos>"]
    for line in text.splitlines():
        tokens = [t for t in line.split() if t != "<eos>"]
        if tokens:
            names.extend(tokens)
            names.append("<eos>")
    ids = [index[n] for n in names if n in index]
    return ids, len(names) - len(ids)


def read_text(path):
    """Read a corpus as UTF-8 without newline translation."""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def eval_loss(model, ids, chunk, reset_id=None):
    """Mean cross-entropy (nats) of predicting ids[1:] from ids[:-1], fed
    from zero state in chunks of `chunk` steps with the state carried over;
    with `reset_id`, the state is zeroed again before every input equal to it
    (a model trained with `reset_at_eos` starts every tune from the zero state).

    Returns (loss_nats, scored_predictions). Computes in the model's dtype
    (summed in float64); call under torch.no_grad() or inference_mode()."""
    ids = torch.tensor(ids, dtype=torch.long)
    inputs, targets = ids[:-1], ids[1:]
    total = torch.zeros((), dtype=torch.float64)
    starts = [0]
    if reset_id is not None:
        starts += [i for i in range(1, len(inputs)) if inputs[i].item() == reset_id]
    for a, b in zip(starts, starts[1:] + [len(inputs)]):
        state = None
        for s in range(a, b, chunk):
            e = min(s + chunk, b)
            logits, state = model(inputs[s:e].unsqueeze(1), state)   # [T, 1, V]
            ce = F.cross_entropy(logits[:, 0, :], targets[s:e], reduction="sum")
            total += ce.to(torch.float64)
    n = len(targets)
    return (total.item() / n if n else float("nan")), n
