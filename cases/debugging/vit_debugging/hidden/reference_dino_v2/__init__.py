"""A DINOv2-style Vision Transformer: layers in `dino_v2.layers`, the backbone in `dino_v2.models`."""
__version__ = "0.1.0"
