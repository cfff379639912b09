"""The catalogue, the spaCy text classifiers, their training and evaluation."""
