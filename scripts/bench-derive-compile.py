#!/usr/bin/env python3
"""What #[derive(CharmReconciler)] adds to `cargo check`, for large generated charms.

For each shape (chain, layered: layers of 10, each depending on all 10 of the previous
layer) and size N, it writes two crates that differ only in the derive: one with
`#[derive(CharmReconciler)]` and `#[component(...)]` attributes, one with the same struct
and fields but no derive. It times `cargo check` of each (dependencies prebuilt, the
crate itself rebuilt every run) and reports the median difference.

Usage: python3 scripts/bench-derive-compile.py [--runs 5] [--sizes 100,500,1000]
"""
import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def deps_for(shape, i):
    if shape == "chain":
        return [i - 1] if i > 0 else []
    layer = i // 10
    if layer == 0:
        return []
    return list(range((layer - 1) * 10, layer * 10))


def source(shape, n, derive):
    lines = [
        "#![allow(dead_code)]",
        "use reconciler_core::{Component, Context, Status};",
        "pub struct Trivial;",
        "impl Component for Trivial {",
        "    fn status(&self, _: &mut Context<'_>) -> Status { Status::active() }",
        "}",
    ]
    if derive:
        lines.append("#[derive(reconciler_core::CharmReconciler)]")
    lines.append("pub struct Big {")
    for i in range(n):
        if derive:
            deps = deps_for(shape, i)
            if deps:
                lines.append(
                    "    #[component(depends_on = [%s])]" % ", ".join("c%d" % d for d in deps)
                )
            else:
                lines.append("    #[component]")
        lines.append("    c%d: Trivial," % i)
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_crate(base, name):
    crate = base / name
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n'
        '[dependencies]\nreconciler-core = { path = "%s" }\n\n[workspace]\n'
        % (name, ROOT / "reconciler-core")
    )
    return crate


def check(crate, target, text):
    (crate / "src" / "lib.rs").write_text(text)
    env = dict(os.environ, CARGO_TARGET_DIR=str(target), CARGO_INCREMENTAL="0")
    start = time.perf_counter()
    subprocess.run(
        ["cargo", "check", "--quiet", "--offline"], cwd=crate, env=env, check=True
    )
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="100,500,1000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    base = pathlib.Path(tempfile.mkdtemp(prefix="derive-compile-"))
    target = base / "target"
    try:
        crate = write_crate(base, "derive_cost")
        # Prebuild dependencies once.
        check(crate, target, source("chain", 1, True))
        print("| shape | N | cargo check without derive (median s) | with derive (median s) | derive adds (s) | per component (ms) |")
        print("|---|---|---|---|---|---|")
        for shape in ("chain", "layered"):
            for n in sizes:
                plain, derived = [], []
                for _ in range(args.runs):
                    plain.append(check(crate, target, source(shape, n, False)))
                    derived.append(check(crate, target, source(shape, n, True)))
                p, d = statistics.median(plain), statistics.median(derived)
                print(
                    "| %s | %d | %.2f | %.2f | %.2f | %.2f |"
                    % (shape, n, p, d, d - p, (d - p) / n * 1000),
                    flush=True,
                )
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
