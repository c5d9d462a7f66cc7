import torch
from torch import nn

from alsel_py.tokenizer import Vocabulary
from alsel_py.vocab_remap import VocabularyRemap, id_map


def vocab(*tokens):
    return Vocabulary(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *tokens])


class IdEcho(nn.Module):
    """Emissions that are the ids themselves, with CRF parameters as a tagger has them."""

    def __init__(self):
        super().__init__()
        self.start_transitions = nn.Parameter(torch.tensor([1.0, 2.0]))
        self.transitions = nn.Parameter(torch.eye(2))
        self.end_transitions = nn.Parameter(torch.tensor([3.0, 4.0]))

    def forward(self, ids, attention):
        return (ids * attention).unsqueeze(2).float().expand(-1, -1, 2)


def test_id_map_translates_tokens_and_sends_missing_ones_to_unk():
    source = vocab("中", "国", "##12", "人")
    target = vocab("人", "国", "中")
    table, missing = id_map(source, target)
    assert [target.tokens[i] for i in table.tolist()] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "中", "国", "[UNK]", "人"]
    assert missing == 1


def test_remapped_model_reads_the_target_ids_and_keeps_its_crf():
    source = vocab("中", "国", "人")
    target = vocab("人", "国", "中")
    model = IdEcho()
    remapped = VocabularyRemap(model, source, target)
    ids = torch.tensor([[2, 4, 5, 6, 3]])  # [CLS] 中 国 人 [SEP] in source ids
    attention = torch.ones_like(ids)
    got = remapped(ids, attention)[0, :, 0].tolist()
    assert got == [2.0, 6.0, 5.0, 4.0, 3.0]  # the same pieces in target ids
    assert got != model(ids, attention)[0, :, 0].tolist()
    assert torch.equal(remapped.start_transitions, model.start_transitions)
    assert torch.equal(remapped.transitions, model.transitions)
    assert torch.equal(remapped.end_transitions, model.end_transitions)
