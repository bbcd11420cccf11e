#!/usr/bin/env bash
python -c "import torchvision.datasets.cifar as c; print(c.CIFAR10.url)" > url.txt
