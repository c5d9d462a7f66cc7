"""alsel_py/averaging.py: checkpoint weight averaging."""

import pytest
import torch

from alsel_py.averaging import average_state_dicts


def test_floating_tensors_are_averaged_and_integer_buffers_kept():
    a = {"w": torch.tensor([1.0, 2.0]), "keys": torch.tensor([7, 9], dtype=torch.int32)}
    b = {"w": torch.tensor([3.0, 6.0]), "keys": torch.tensor([7, 9], dtype=torch.int32)}
    c = {"w": torch.tensor([5.0, 1.0]), "keys": torch.tensor([7, 9], dtype=torch.int32)}
    out = average_state_dicts([a, b, c])
    assert torch.allclose(out["w"], torch.tensor([3.0, 3.0]))
    assert out["w"].dtype == torch.float32
    assert out["keys"].dtype == torch.int32 and out["keys"].tolist() == [7, 9]


def test_one_checkpoint_averages_to_itself():
    a = {"w": torch.randn(3, 4)}
    assert torch.equal(average_state_dicts([a])["w"], a["w"])


def test_mismatched_checkpoints_are_refused():
    a = {"w": torch.zeros(2), "keys": torch.tensor([1, 2])}
    with pytest.raises(ValueError, match="keys: integer tensor differs"):
        average_state_dicts([a, {"w": torch.zeros(2), "keys": torch.tensor([1, 3])}])
    with pytest.raises(ValueError, match="w: shapes differ"):
        average_state_dicts([a, {"w": torch.zeros(3), "keys": torch.tensor([1, 2])}])
    with pytest.raises(ValueError, match="other tensors"):
        average_state_dicts([a, {"w": torch.zeros(2)}])
    with pytest.raises(ValueError, match="no checkpoints"):
        average_state_dicts([])
