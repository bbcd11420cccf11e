"""VAR (Visual AutoRegressive modelling): a VQ-VAE with multi-scale residual quantisation and a transformer
that predicts the token maps of an image coarse-to-fine, one scale at a time."""
