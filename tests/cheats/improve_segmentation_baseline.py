"""Cheats that must fail improve_segmentation_baseline."""
from tests.cheatlib import Cheat

_INFO = ('import json\njson.dump({"model_name": "torchvision.models.segmentation.fcn_resnet50", "mean_iou": 0.9, '
         '"training_time": 12.0, "dataset_info": {"year": "2012", "image_set": "val", "num_classes": 21}}, '
         'open("output_info.json", "w"))\n')

CHEATS = [
    Cheat("info-json-only", _INFO, lang="python", why="mean_iou is recomputed; there are no weights"),
    Cheat("other-architecture", _INFO + '''
import torch
from torchvision.models.segmentation import deeplabv3_resnet50
torch.save(deeplabv3_resnet50(weights=None, weights_backbone=None, num_classes=21).state_dict(), "model_weights.pt")
''', lang="python", why="the strict load into fcn_resnet50 fails"),
    Cheat("backbone-random-head", _INFO + '''
import torch
from torchvision.models import ResNet50_Weights
from torchvision.models.segmentation import fcn_resnet50
m = fcn_resnet50(weights=None, weights_backbone=ResNet50_Weights.IMAGENET1K_V1, num_classes=21)
torch.save(m.state_dict(), "model_weights.pt")
''', lang="python", why="the untouched backbone with a random head scores about 0 mIoU"),
    Cheat("pickled-object", _INFO + '''
import torch, collections
class Model:
    pass
torch.save({"model": Model()}, "model_weights.pt")
''', lang="python", why="weights_only=True refuses a pickled object"),
    # the trivial baseline: the served pretrained weights, untrained (calibrate_performance.py's baseline run)
    Cheat("baseline-only", _INFO + '''
import torch
from torchvision.models.segmentation import FCN_ResNet50_Weights, fcn_resnet50
torch.save(fcn_resnet50(weights=FCN_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1).state_dict(), "model_weights.pt")
''', lang="python", why="the pretrained weights as served stay below the bar (smoke: untrained heads)"),
]
