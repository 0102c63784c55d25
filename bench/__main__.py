"""``python -m bench`` — national scale, measured against the I/O floor.

    python -m bench                      # national inputs (~48,000 members)
    python -m bench --scale cig          # ~1,500 members (target: < 2 s end to end)
    python -m bench --membres 10000      # any size: sampled (or replicated) real bodies
    python -m bench --scaling            # 1k, 10k, 50k, 200k: the table of docs/performance.md
    python -m bench --profile            # also a cProfile of the run (bench/out/profile.txt)

Every measurement runs in a fresh child process. Generated inputs are cached in
bench/out/inputs/<hash>/ (git-ignored); results go to bench/out/results/.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections import Counter
from pathlib import Path

from .generate import OUT, Params, cached_inputs
from .runner import floor, run_cli

SCALES = {"national": None, "cig": 1500}
SCALING = (1_000, 10_000, 50_000, 200_000)
RSS_LIMIT_MIB = 1024
RATIO_LIMIT = 1.5
CIG_LIMIT_S = 2.0
NATIONAL_MIN = 40_000


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.scaling:
        rows = [bench(Params(membres=n), floor_too=not args.sans_plancher, repeat=args.repeat)
                for n in SCALING]
        print_scaling(rows)
        return 0
    membres = args.membres if args.membres is not None else SCALES[args.scale]
    bench(Params(membres=membres), floor_too=not args.sans_plancher, repeat=args.repeat,
          profile=args.profile)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="national",
                        help="taille prédéfinie (défaut : national)")
    parser.add_argument("--membres", type=int, help="nombre de membres visé (remplace --scale)")
    parser.add_argument("--scaling", action="store_true",
                        help="mesurer 1k, 10k, 50k et 200k membres (tableau de montée en charge)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="répétitions de chaque mesure (exécution et plancher) ; la plus "
                        "rapide est retenue (défaut : 1)")
    parser.add_argument("--sans-plancher", action="store_true",
                        help="ne pas mesurer le plancher d'entrées-sorties")
    parser.add_argument("--profile", action="store_true",
                        help="profiler aussi l'exécution (cProfile) → bench/out/profile.txt")
    return parser


def bench(params: Params, floor_too: bool = True, repeat: int = 1, profile: bool = False):
    inputs, meta = cached_inputs(params)
    label = "national" if params.membres is None else str(params.membres)
    work = OUT / "runs" / label
    counts = meta["counts"]
    print(f"\n=== {label} : {counts['membres']} membres, {counts['souscriptions']} "
          f"souscriptions, {counts['titres']} titres (reconcile {_commit()}) ===")
    runs = [run_cli(inputs, work) for _ in range(max(1, repeat))]
    cpu = min(r.child.cpu for r in runs)
    result = min(runs, key=lambda r: r.child.seconds)
    print_stages(result)
    summary = {"label": label, "counts": counts, "wall": result.child.seconds, "cpu": cpu,
               "maxrss_mib": result.child.maxrss_mib,
               "tree_peak_mib": result.child.tree_peak_mib, "stages": result.stages,
               "python": platform.python_version(), "machine": platform.machine(),
               "commit": _commit()}
    if floor_too:
        summary["floor"] = measured = floor(inputs, result.report, work, repeat)
        print_floor(result, measured, cpu)
    print_targets(params, summary, counts)
    if profile:
        run_profile(inputs, work)
    results = OUT / "results"
    results.mkdir(exist_ok=True)
    (results / f"{label}.json").write_text(json.dumps(summary, indent=2, default=str) + "\n",
                                           encoding="utf-8")
    return summary


def _commit() -> str:
    """The commit measured (with « + » when reconcile/ has uncommitted changes)."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=OUT.parent.parent, capture_output=True,
                              text=True, check=False)
        return done.stdout.strip()

    dirty = "+" if git("status", "--porcelain", "--", "reconcile", "schemas") else ""
    return git("rev-parse", "--short", "HEAD") + dirty


def print_stages(result) -> None:
    print(f"{'étape':<15}{'durée (s)':>11}{'pic RSS (Mio)':>15}{'lignes':>10}{'lignes/s':>12}")
    for s in result.stages:
        rate = s["rows"] / s["seconds"] if s["seconds"] else 0
        print(f"{s['name']:<15}{s['seconds']:>11.2f}{s['peak_rss_mib']:>15.0f}{s['rows']:>10}"
              f"{rate:>12,.0f}".replace(",", "\u202f"))
    inside = sum(s["seconds"] for s in result.stages)
    child = result.child
    print(f"{'somme étapes':<15}{inside:>11.2f}")
    print(f"{'total (processus)':<18}{child.seconds:>8.2f} s   (démarrage, imports et étapes ; "
          f"CPU {child.cpu:.2f} s)")
    print(f"pic RSS : {child.maxrss_mib:.0f} Mio (ru_maxrss), {child.tree_peak_mib:.0f} Mio "
          "(somme de l'arbre de processus, échantillonnée)")


def print_floor(result, f: dict, cpu: float) -> None:
    rows = sum(count for count, _ in f["shape"].values())
    shape = (f"{len(f['shape'])} feuilles des classeurs écrits, {rows:,} lignes, "
             f"{f['write_cells']:,} cellules".replace(",", "\u202f").replace("\u202f ", ", "))
    print("plancher d'entrées-sorties (processus neufs) :")
    print(f"  démarrage de l'interpréteur   {f['startup']:6.2f} s")
    print(f"  (a) lecture calamine          {f['read']:6.2f} s  ({f['read_cells']:,} cellules)"
          .replace(",", "\u202f"))
    print(f"  (b) écriture xlsxwriter       {f['write']:6.2f} s  ({shape})")
    print(f"  plancher = démarrage + a + b  {f['total']:6.2f} s")
    ratio = result.child.seconds / f["total"]
    inside = sum(s["seconds"] for s in result.stages) / (f["read"] + f["write"])
    f["ratio"], f["ratio_inside"] = ratio, inside
    print(f"  ratio exécution / plancher    {ratio:6.2f}  (hors démarrage : étapes / (a + b) "
          f"= {inside:.2f})")
    f["ratio_cpu"] = cpu / f["cpu"]["total"]
    print(f"  en temps CPU (insensible à la charge de la machine) : exécution {cpu:.2f} s, "
          f"plancher {f['cpu']['total']:.2f} s, ratio {f['ratio_cpu']:.2f}")


def print_targets(params: Params, summary: dict, counts: dict) -> None:
    ok = {True: "PASS", False: "FAIL"}
    peak = summary["tree_peak_mib"]
    if counts["membres"] >= NATIONAL_MIN:
        if "floor" in summary:
            ratio = summary["floor"]["ratio"]
            print(f"objectif ratio ≤ {RATIO_LIMIT} × plancher : {ratio:.2f}  "
                  f"{ok[ratio <= RATIO_LIMIT]}")
        print(f"objectif pic RSS < 1 Gio : {peak:.0f} Mio  {ok[peak < RSS_LIMIT_MIB]}")
    if counts["membres"] <= 2_000:
        wall = summary["wall"]
        print(f"objectif taille CIG < {CIG_LIMIT_S:.0f} s de bout en bout : {wall:.2f} s  "
              f"{ok[wall < CIG_LIMIT_S]}")


def print_scaling(rows: list[dict]) -> None:
    print("\n| membres | souscriptions | titres | durée totale (s) | CPU (s) | pic RSS (Mio) "
          "| plancher (s) | ratio | ratio CPU |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        f = r.get("floor", {})
        print(f"| {r['counts']['membres']:,} | {r['counts']['souscriptions']:,} | "
              f"{r['counts']['titres']:,} | {r['wall']:.2f} | {r['cpu']:.2f} | "
              f"{r['tree_peak_mib']:.0f} | {f.get('total', float('nan')):.2f} | "
              f"{f.get('ratio', float('nan')):.2f} | {f.get('ratio_cpu', float('nan')):.2f} |"
              .replace(",", "\u202f"))


def run_profile(inputs: Path, work: Path) -> None:
    """py-spy (sampling, low overhead) when installed in the venv, else cProfile."""
    spy = Path(sys.executable).with_name("py-spy")
    if spy.exists():
        target = OUT / "profile.txt"
        print("\nprofil py-spy (200 échantillons/s) …")
        run_cli(inputs, work, profile=target, sampler=[str(spy), "record", "-r", "200",
                                                       "-f", "raw", "-o", str(target), "--"])
        print_collapsed(target)
        print(f"piles complètes (format « collapsed », pour flamegraph.pl) : {target}")
        return
    import pstats

    target = OUT / "profile.prof"
    print("\nprofil cProfile (le surcoût du profileur allonge les durées) …")
    run_cli(inputs, work, profile=target)
    stats = pstats.Stats(str(target), stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats("reconcile", 25)
    print(f"profil complet : {target}")


def print_collapsed(path: Path, top: int = 20) -> None:
    """Self and inclusive time per function from py-spy's raw (collapsed) stacks."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [_frame(f) for f in stack.split(";")]
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    print(f"{total} échantillons ; temps propre :")
    for frame, count in own.most_common(top):
        print(f"  {count / total:6.1%}  {frame}")
    print("temps inclusif, fonctions de reconcile :")
    mine = [(f, c) for f, c in inclusive.most_common() if "reconcile/" in f]
    for frame, count in mine[:top]:
        print(f"  {count / total:6.1%}  {frame}")


def _frame(text: str) -> str:
    name, _, where = text.partition(" (")
    return f"{name} ({'/'.join(where.split(':')[0].split('/')[-2:])})"

if __name__ == "__main__":
    sys.exit(main())

