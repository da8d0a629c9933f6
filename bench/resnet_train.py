"""Training steps of a CIFAR ResNet-18 (the common CIFAR variant: a 3x3 stem, four stages of
two basic blocks, 64-512 channels, global average pool) on a batch of 8 32x32 images; SGD with
momentum and weight decay; eager and compiled (`torch.compile(model)`, the optimizer step stays
eager), in ms per step.

    smelt run bench/resnet_train.py [--threads N] [--steps N]
    python3 bench/resnet_train.py [--threads N] [--steps N]     (with PyTorch)
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--steps", type=int, default=6)
parser.add_argument("--mode", choices=["both", "eager", "compiled"], default="both")
args = parser.parse_args()
torch.set_num_threads(args.threads)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes),
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, num_blocks=(2, 2, 2, 2), num_classes=10):
        super().__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = self._make_layer(64, num_blocks[0], 1)
        self.layer2 = self._make_layer(128, num_blocks[1], 2)
        self.layer3 = self._make_layer(256, num_blocks[2], 2)
        self.layer4 = self._make_layer(512, num_blocks[3], 2)
        self.linear = nn.Linear(512, num_classes)

    def _make_layer(self, planes, num_blocks, stride):
        layers = []
        for s in [stride] + [1] * (num_blocks - 1):
            layers.append(BasicBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.avg_pool2d(out, 4)
        return self.linear(out.view(out.size(0), -1))


def run(compiled):
    torch.manual_seed(0)
    model = ResNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    fn = torch.compile(model) if compiled else model
    torch.manual_seed(1)
    images = torch.randn(16, 3, 32, 32)
    labels = torch.randint(0, 10, (16,))
    losses, times = [], []
    for i in range(args.steps + 2):
        x, y = images[(i % 2) * 8:(i % 2 + 1) * 8], labels[(i % 2) * 8:(i % 2 + 1) * 8]
        start = time.perf_counter()
        loss = F.cross_entropy(fn(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - start)
        losses.append(loss.item())
    steady = sorted(times[2:])
    median = steady[len(steady) // 2]
    label = "compiled" if compiled else "eager"
    print(f"ResNet-18 train step, {label}, {args.threads} thread(s): median {median * 1e3:.2f} ms, "
          f"best {steady[0] * 1e3:.2f} ms, first step {times[0] * 1e3:.0f} ms")
    print(f"  losses: {' '.join(f'{l:.4f}' for l in losses)}")


if args.mode in ("both", "eager"):
    run(False)
if args.mode in ("both", "compiled"):
    run(True)
