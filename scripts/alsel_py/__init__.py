"""Python side of alsel: the reference tokenizer and helpers shared by training and experiments."""
