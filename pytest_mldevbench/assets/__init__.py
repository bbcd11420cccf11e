"""Datasets and pretrained weights for the tasks: manifest, smoke generators, local mirror + HF endpoint."""
from .manifest import ASSETS, Asset, get
from .service import AssetService

__all__ = ["ASSETS", "Asset", "AssetService", "get"]
