"""The trainable taggers under alsel's model contract (docs/model-format.md), one per file, and
what they share: bert_tagger (the default BERT-CRF), lstm_tagger (the BiLSTM-CRF yardstick),
conv_tagger (al_experiment.py's reduced-protocol model), bigrams (hashed bigram features and the
CRF parameters), crf (loss and decoding over word positions), factory (a tagger from its
checkpoint config) and export (TorchScript files with alsel's metadata, initial weights).
"""
