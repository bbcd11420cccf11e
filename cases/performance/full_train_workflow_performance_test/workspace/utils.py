"""Your model for grading. Implement get_best_model(); get_transform() is optional.

The grader imports this file (in a sandbox, with the hidden evaluation images only) and calls:

- get_best_model() -> torch.nn.Module mapping a float batch (B, 3, H, W) to logits (B, 10). Class i is the
  i-th wnid in sorted order:
      0 n01440764 tench             5 n03394916 French horn
      1 n02102040 English springer  6 n03417042 garbage truck
      2 n02979186 cassette player   7 n03425413 gas pump
      3 n03000684 chain saw         8 n03445777 golf ball
      4 n03028079 church            9 n03888257 parachute
- get_transform() (optional) -> a callable from a PIL RGB image to a (3, H, W) float tensor. Without it
  the grader uses Resize(S) + CenterCrop(S) + ToTensor + ImageNet Normalize, with S = 160 (full) or
  64 (smoke).

Load weights from files in this workspace (for example checkpoints/). All parameters of the returned module
count towards the 30 M limit, trainable or not.
"""


def get_best_model():
    raise NotImplementedError("return your trained model here")
