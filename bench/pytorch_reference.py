#!/usr/bin/env python3
"""PyTorch reference for `npm run bench`: the project's five networks, built as in
pipeline/models/ (same layers, input 1x64x64, 6 classes, Adam), timed on the CPU the same
way bench/bench.ts times tfjs: training images/s (one optimizer step per batch) and
inference images/s, median of several timed runs after a warm-up.

Prints one JSON object on stdout: {"torch": version, "threads": n, "results": [...]}.
Optional: the project never needs Python; bench.ts runs this only when torch imports.
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def two_conv_cnn(filters, dense):
    f1, f2 = filters
    return nn.Sequential(
        nn.Conv2d(1, f1, 3), nn.ReLU(), nn.MaxPool2d(2),          # 62 -> 31
        nn.Conv2d(f1, f2, 3), nn.ReLU(), nn.MaxPool2d(2),         # 29 -> 14
        nn.Flatten(), nn.Linear(14 * 14 * f2, dense), nn.ReLU(), nn.Linear(dense, 6))


def gap_cnn():
    def block(cin, cout):  # conv, batch norm (Keras' epsilon), relu, 2x2 max-pool
        return [nn.Conv2d(cin, cout, 3), nn.BatchNorm2d(cout, eps=1e-3, momentum=0.1), nn.ReLU(), nn.MaxPool2d(2)]
    return nn.Sequential(
        *block(1, 32), *block(32, 64), *block(64, 128),          # 62 -> 31 -> 29 -> 14 -> 12 -> 6
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 6))


def basic_cnn():
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
    return nn.Sequential(
        *block(1, 32), *block(32, 64), *block(64, 128),
        nn.Flatten(), nn.Linear(8 * 8 * 128, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 6))


class Bottleneck(nn.Module):
    """Keras' ResNet50 block1 ("v1": the stride sits on the first 1x1 conv)."""

    def __init__(self, cin, filters, stride, project):
        super().__init__()
        eps = 1.001e-5
        self.shortcut = nn.Sequential(nn.Conv2d(cin, 4 * filters, 1, stride), nn.BatchNorm2d(4 * filters, eps=eps)) if project else None
        self.c1 = nn.Conv2d(cin, filters, 1, stride); self.b1 = nn.BatchNorm2d(filters, eps=eps)
        self.c2 = nn.Conv2d(filters, filters, 3, padding=1); self.b2 = nn.BatchNorm2d(filters, eps=eps)
        self.c3 = nn.Conv2d(filters, 4 * filters, 1); self.b3 = nn.BatchNorm2d(4 * filters, eps=eps)

    def forward(self, x):
        s = self.shortcut(x) if self.shortcut is not None else x
        y = F.relu(self.b1(self.c1(x)))
        y = F.relu(self.b2(self.c2(y)))
        y = self.b3(self.c3(y))
        return F.relu(s + y)


def resnet50():
    layers = [nn.Conv2d(1, 64, 7, 2, padding=3), nn.BatchNorm2d(64, eps=1.001e-5), nn.ReLU(), nn.MaxPool2d(3, 2, padding=1)]
    cin = 64
    for filters, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
        for b in range(blocks):
            layers.append(Bottleneck(cin, filters, stride if b == 0 else 1, b == 0))
            cin = 4 * filters
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 6)]
    return nn.Sequential(*layers)


MODELS = {
    'resnet50': resnet50,
    'basic-cnn': basic_cnn,
    'tiny-cnn': lambda: two_conv_cnn((32, 64), 64),
    'reduced-filter-cnn': lambda: two_conv_cnn((8, 8), 32),
    'gap-cnn': gap_cnn,
}


def timed_runs(step, images, repeats, min_seconds):
    """Images/s: median of `repeats` runs, each repeating `step` for >= min_seconds, after one warm-up step."""
    step()
    rates = []
    for _ in range(repeats):
        n = 0
        start = time.perf_counter()
        while True:
            step()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        rates.append(n * images / elapsed)
    return statistics.median(rates)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--models', default=','.join(MODELS))
    p.add_argument('--train-batches', default='64,256')
    p.add_argument('--infer-batches', default='1,256')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--min-seconds', type=float, default=1.0, help='each timed run repeats its step at least this long')
    p.add_argument('--threads', type=int, default=0, help='torch threads (0: torch default)')
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    results = []
    for mid in a.models.split(','):
        if mid not in MODELS:
            sys.exit(f'--models: unknown model "{mid}", expected one of {", ".join(MODELS)}')
        model = MODELS[mid]()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for batch in [int(b) for b in a.train_batches.split(',') if b]:
            x = torch.randn(batch, 1, 64, 64)
            y = torch.randint(0, 6, (batch,))
            model.train()

            def step():
                opt.zero_grad(set_to_none=True)
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                opt.step()
            rate = timed_runs(step, batch, a.repeats, a.min_seconds)
            results.append({'model': mid, 'mode': 'train', 'batch': batch, 'imagesPerSecond': rate})
        model.eval()
        for batch in [int(b) for b in a.infer_batches.split(',') if b]:
            x = torch.randn(batch, 1, 64, 64)

            def infer():
                with torch.no_grad():
                    model(x)
            rate = timed_runs(infer, batch, a.repeats, a.min_seconds)
            results.append({'model': mid, 'mode': 'infer', 'batch': batch, 'imagesPerSecond': rate})
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'results': results}))


if __name__ == '__main__':
    main()
