"""Model files: TorchScript archives with alsel's metadata inside, and initial weights.

An exported model holds alsel/meta.json and alsel/vocab.txt as extra files
(docs/model-format.md); checkpoints (best.pt, last.pt, encoder.pt) are torch.save'd dicts with
"model" (a state dict) and, where they record one, "vocab".
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Dict

import torch

from ..tokenizer import Vocabulary


def is_torchscript_file(path: str) -> bool:
    """True for a torch.jit.save'd archive (an exported model), False for a torch.save'd dict."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name.endswith("/constants.pkl") for name in archive.namelist())


def load_initial_weights(path: str, vocab: Vocabulary) -> Dict[str, torch.Tensor]:
    """A state dict from best.pt / last.pt / encoder.pt checkpoints or an exported TorchScript model.
    The checkpoint's vocabulary, where it records one, must be this run's."""
    if is_torchscript_file(path):
        return torch.jit.load(path).state_dict()
    checkpoint = torch.load(path)
    if "vocab" in checkpoint and checkpoint["vocab"] != vocab.to_text():
        raise SystemExit(f"{path}: its vocabulary differs from this run's vocab.txt "
                         "(use the same --train, --held-out, --seed and --min-word-count)")
    return checkpoint["model"]


def save_torchscript(scripted, vocab: Vocabulary, meta: Dict, path: str):
    """Writes a scripted model with alsel/meta.json and alsel/vocab.txt inside, atomically."""
    extra = {"alsel/meta.json": json.dumps(meta, ensure_ascii=False, indent=1),
             "alsel/vocab.txt": vocab.to_text()}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    torch.jit.save(scripted, tmp, _extra_files=extra)
    os.replace(tmp, path)
