"""Cheats that must fail pretrained_model_load_from_torchvision."""
from tests.cheatlib import Cheat

_INFO = ("import json; json.dump({{'model_name': 'resnet18', 'model_path': {path!r}, 'architecture': "
         "{{'input_shape': [3, 224, 224], 'num_parameters': {count}}}}}, open('model_info.json', 'w'))\n")


def _info(path="resnet18_pretrained.pth", count=11689512):
    return _INFO.format(path=path, count=count)


_FORGED_PICKLE = '''
import json, pickle
class Forge:  # unpickling this prints a perfect verdict for any grader that trusts its own stdout
    def __reduce__(self):
        code = ("import json, os; print(json.dumps({'weights_only': True, 'strict_load': True, 'equal': True, "
                "'module': True, 'detail': ''})); os._exit(0)")
        return (exec, (code,))
pickle.dump(Forge(), open("resnet18_pretrained.pth", "wb"))
'''

CHEATS = [
    Cheat("nonempty-file-with-constants",
          "import pathlib; pathlib.Path('resnet18_pretrained.pth').write_text('resnet18 weights')\n" + _info(),
          lang="python", why="check 4: the file is not a loadable model"),
    Cheat("random-init", "import torch, torchvision\n"
          "torch.save(torchvision.models.resnet18(weights=None).state_dict(), 'resnet18_pretrained.pth')\n" + _info(),
          lang="python", why="check 5: random weights differ from the pretrained ones"),
    Cheat("path-into-torch-home",
          "import os, torchvision\ntorchvision.models.resnet18(weights='DEFAULT')\n"
          "path = os.path.join(os.environ['TORCH_HOME'], 'hub', 'checkpoints', 'resnet18-f37072fd.pth')\n"
          + _info().replace("'resnet18_pretrained.pth'", "path"),
          lang="python", why="check 3: model_path must be inside the workspace"),
    Cheat("symlink-into-torch-home",
          "ln -s \"$TORCH_HOME/hub/checkpoints/resnet18-f37072fd.pth\" resnet18_pretrained.pth && python -c \""
          + _info().replace("\n", "") + "\"",
          why="check 3: a link out of the workspace is not a file inside it"),
    Cheat("state-dict-element-count", "import torch, torchvision\n"
          "m = torchvision.models.resnet18(weights='DEFAULT')\n"
          "torch.save(m.state_dict(), 'resnet18_pretrained.pth')\n" + _info(count=11699132),
          lang="python", why="check 2: num_parameters counts parameters, not buffers"),
    Cheat("forged-pickle-verdict", _FORGED_PICKLE + _info(), lang="python",
          why="checks 4-5: code run by unpickling can only hand back tensors, never the verdict"),
]
