#!/usr/bin/env python3
"""Tiny-MLP GAN calibration on the 8x8 digits (../../../data/digits.csv.gz), PyTorch, one thread.

Trains a (conditional or unconditional) MLP GAN and writes N samples as CSV in the data's own
units (0..16): 64 pixel columns, then the asked-for class when conditional.

usage: python3 digits_calib.py [--cond] [--steps 20000] [--seed 0] [--width 128] [--z 16]
                               [--r1 1.0] [--ema 0.999] [--decay 0.3] [--n 900] --out samples.csv
Conditioning: the class as a one-hot vector appended to G's noise and to D's input.
G: z (+10) -> width -> width -> 64, ReLU, sigmoid output scaled to 0..16.
D: 64 (+10) -> 2*width -> 2*width -> 1, LeakyReLU 0.2. Non-saturating loss, R1 on real data,
Adam lr 1e-3 betas (0.5, 0.999), batch 128, linear lr decay over the last `decay` share of steps,
the saved generator an exponential moving average of G's weights.
"""
import argparse, copy, gzip, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=__file__.rsplit("/", 4)[0] + "/data/digits.csv.gz")
    ap.add_argument("--cond", action="store_true")
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--z", type=int, default=16)
    ap.add_argument("--r1", type=float, default=1.0)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--decay", type=float, default=0.3)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--n", type=int, default=900)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    raw = np.loadtxt(gzip.open(a.data, "rt"), delimiter=",").astype(np.float32)
    x = torch.tensor(raw[:, :64] / 16.0)
    y = torch.tensor(raw[:, 64].astype(np.int64))
    c = 10 if a.cond else 0
    w = a.width
    G = nn.Sequential(nn.Linear(a.z + c, w), nn.ReLU(), nn.Linear(w, w), nn.ReLU(), nn.Linear(w, 64))
    D = nn.Sequential(nn.Linear(64 + c, 2 * w), nn.LeakyReLU(0.2), nn.Linear(2 * w, 2 * w),
                      nn.LeakyReLU(0.2), nn.Linear(2 * w, 1))
    G_ema = copy.deepcopy(G)
    og = torch.optim.Adam(G.parameters(), 1e-3, betas=(0.5, 0.999))
    od = torch.optim.Adam(D.parameters(), 1e-3, betas=(0.5, 0.999))
    decay_from = int(a.steps * (1 - a.decay))

    def gen(net, z, labels):
        inp = torch.cat([z, F.one_hot(labels, 10).float()], 1) if c else z
        return torch.sigmoid(net(inp))

    def disc(v, labels):
        inp = torch.cat([v, F.one_hot(labels, 10).float()], 1) if c else v
        return D(inp)

    t0 = time.time()
    for step in range(a.steps):
        if step >= decay_from:
            lr = 1e-3 * (a.steps - step) / (a.steps - decay_from)
            for o in (og, od):
                for g in o.param_groups:
                    g["lr"] = lr
        idx = torch.randint(0, len(x), (a.batch,))
        real, lab = x[idx], y[idx]
        z = torch.randn(a.batch, a.z)
        fake_lab = torch.randint(0, 10, (a.batch,))
        fake = gen(G, z, fake_lab).detach()
        real.requires_grad_(True)
        dr = disc(real, lab)
        loss_d = F.softplus(-dr).mean() + F.softplus(disc(fake, fake_lab)).mean()
        if a.r1 > 0:
            grad, = torch.autograd.grad(dr.sum(), real, create_graph=True)
            loss_d = loss_d + a.r1 / 2 * grad.pow(2).sum(1).mean()
        od.zero_grad(); loss_d.backward(); od.step()
        z = torch.randn(a.batch, a.z)
        fake_lab = torch.randint(0, 10, (a.batch,))
        loss_g = F.softplus(-disc(gen(G, z, fake_lab), fake_lab)).mean()
        og.zero_grad(); loss_g.backward(); og.step()
        with torch.no_grad():
            for pe, p in zip(G_ema.parameters(), G.parameters()):
                pe.mul_(a.ema).add_((1 - a.ema) * p)
    params = sum(p.numel() for p in G.parameters())
    with torch.no_grad():
        labels = torch.arange(a.n) % 10
        s = gen(G_ema, torch.randn(a.n, a.z), labels).numpy() * 16.0
    cols = np.c_[s, labels.numpy()] if c else s
    np.savetxt(a.out, cols, delimiter=",", fmt="%.5g")
    print(f"G params {params}, {a.steps} steps in {time.time() - t0:.0f} s -> {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
