#!/usr/bin/env python3
"""Ratios of picogan's speed to PyTorch's and JAX's, from the JSON lines of one side-by-side run.

Usage: python3 scripts/bench_ratios.py DIR
DIR holds peak.jsonl (flops_and_peak.py) and SIDE-ROUND.jsonl files (picogan bench and the
reference scripts). For every (config, framework, metric) the value is the median over the rounds
of each round's median. Prints the goals of the comparison, each with its ratio and whether it is
met, then the achieved GFLOP/s and the fraction of the measured peak of separate multiplies and
adds at the width picogan's kernels used. Only the standard library.
"""
import json
import pathlib
import statistics
import sys


def load(folder):
    rounds, mul_add_peaks, flops, machine = {}, {}, {}, {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if not line.startswith("{"):
                continue
            record = json.loads(line)
            metric = record.get("metric")
            if metric == "env" and record.get("framework") == "picogan":
                machine = record
            elif metric == "flops":
                flops[record["config"]] = record
            elif metric == "peak_mul_add_gflops":
                mul_add_peaks[record["bits"]] = record["value"]
            elif isinstance(record.get("value"), (int, float)):
                key = (record["config"], record["framework"], metric)
                rounds.setdefault(key, []).append(record["value"])
    medians = {key: statistics.median(values) for key, values in rounds.items()}
    # The peak at the width picogan's kernels ran with: 512 bits with AVX-512, else 256.
    bits = 512 if machine.get("isa") == "avx512" else 256
    peak = mul_add_peaks.get(bits)
    return medians, {key: len(v) for key, v in rounds.items()}, (bits, peak), flops, machine


def main(folder):
    medians, counts, (peak_bits, peak), flops, machine = load(pathlib.Path(folder))
    if machine:
        print(f"CPU: {machine.get('cpu')} ({machine.get('vector_extensions')})")
        print(f"picogan kernels: {machine.get('isa')} (best on this CPU: {machine.get('best_isa')})")

    def get(config, framework, metric):
        return medians.get((config, framework, metric))

    rows = []

    def goal(what, ours, theirs, factor, theirs_name):
        if ours is None or theirs is None:
            rows.append((what, None, f"{theirs_name}: not measured", "skipped"))
            return
        ratio = ours / theirs
        rows.append((what, ratio, f">= {factor:g}x {theirs_name}", "met" if ratio >= factor else "MISSED"))

    for config, jax_factor, torch_factor in (("small", 1.5, 15), ("medium", 1.0, 3)):
        ours = get(config, "picogan", "train_steps_per_s")
        goal(f"{config} train steps/s", ours, get(config, "jax_jit_scan", "train_steps_per_s"),
             jax_factor, "JAX jit-scan")
        goal(f"{config} train steps/s", ours, get(config, "torch_eager", "train_steps_per_s"),
             torch_factor, "PyTorch eager")
    ours_b1 = get("small", "picogan", "sample_b1_samples_per_s")
    for framework, name in (("torch_eager", "PyTorch eager"), ("jax_jit", "JAX jit")):
        goal("small sample b1", ours_b1, get("small", framework, "sample_b1_samples_per_s"), 100, name)
    bulk = [get("small", f, "sample_b4096_samples_per_s") for f in ("torch_eager", "jax_jit")]
    bulk = [b for b in bulk if b is not None]
    goal("small sample b4096", get("small", "picogan", "sample_b4096_samples_per_s"),
         max(bulk) if bulk else None, 1.2, "the faster of PyTorch and JAX")

    print(f"\n{'goal':<22} {'ratio':>8}  {'target':<40} result")
    for what, ratio, target, result in rows:
        shown = "-" if ratio is None else f"{ratio:.2f}x"
        print(f"{what:<22} {shown:>8}  {target:<40} {result}")

    if ours_b1 is not None:
        latency = 1e6 / ours_b1
        print(f"{'small sample b1':<22} {latency:>7.3f}µs  {'< 0.6 µs per sample':<40} "
              f"{'met' if latency < 0.6 else 'MISSED'}")
    rss = get("small", "picogan", "train_peak_rss_mb")
    if rss is not None:
        print(f"{'small train peak RSS':<22} {rss:>6.1f}MB  {'<= 16 MB':<40} "
              f"{'met' if rss <= 16 else 'MISSED'}")

    print(f"\nmeasured peak of one core, separate {peak_bits}-bit multiplies and adds: "
          f"{peak if peak else '?'} GFLOP/s (scripts/peak/mul_add_peak.c)")
    print(f"{'config':<7} {'framework':<22} {'metric':<28} {'value':>12} {'GFLOP/s':>8} {'of peak':>8} runs")
    for (config, framework, metric), value in sorted(medians.items()):
        if config not in flops or not metric.endswith("_per_s"):
            continue
        per_unit = (flops[config]["train_flops_per_step"] if metric.startswith("train")
                    else flops[config]["g_fwd_flops_per_sample"])
        gflops = value * per_unit / 1e9
        share = f"{100 * gflops / peak:.0f}%" if peak else "?"
        runs = counts[(config, framework, metric)]
        print(f"{config:<7} {framework:<22} {metric:<28} {value:>12.1f} {gflops:>8.1f} {share:>8} {runs}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: bench_ratios.py DIR")
    main(sys.argv[1])
