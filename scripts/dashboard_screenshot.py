"""Make the pictures of docs/visualization.md: surrogate plots and an optuna-dashboard screenshot.

    python scripts/dashboard_screenshot.py            # writes docs/img/*.png and *.gif

Needs the ``dashboard`` extra (optuna-dashboard, plotly), matplotlib, and Chromium for the
browser pictures (Debian/Ubuntu: ``apt-get install -y chromium``; or pass ``--chromium PATH``).
Steps, all on 127.0.0.1 and in a temporary directory:

1. run ``examples/dashboard_demo.py`` with its defaults (30 trials, the study the README's two
   commands make) into a SQLite study (the publisher saves figure and note);
2. start ``optuna-dashboard`` on a free port, take a headless-Chromium screenshot of the study
   page (where saved plotly figures are shown) and of its note page, stop the server;
3. render the 1-D and 2-D plotly figures to HTML and screenshot them with Chromium (plotly's
   static export needs kaleido, which is not a dependency); without Chromium the matplotlib
   variant draws them instead;
4. write the 2-D process, one frame per trial, as an animated GIF (matplotlib + Pillow).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
from pathlib import Path
import runpy
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import optuna

from optuna_gamma import GammaBOSampler
from optuna_gamma.visualization import plot_surrogate
from optuna_gamma.visualization import plot_surrogate_matplotlib

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def find_chromium(explicit: str | None = None) -> str | None:
    """Path of a Chromium/Chrome executable, or None."""
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dashboard_command(storage_url: str, port: int) -> list[str]:
    """The ``optuna-dashboard`` command of this Python environment."""
    script = Path(sys.executable).with_name("optuna-dashboard")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "optuna_dashboard"]
    return [*program, storage_url, "--host", "127.0.0.1", "--port", str(port), "--quiet"]


@contextlib.contextmanager
def dashboard_server(storage_url: str, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    """Runs optuna-dashboard on a free port; yields its base URL; always stops it."""
    port = free_port()
    proc = subprocess.Popen(
        dashboard_command(storage_url, port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"optuna-dashboard exited: {proc.stderr.read().decode()}")
            try:
                with urllib.request.urlopen(f"{base}/api/studies", timeout=2) as response:
                    json.load(response)
                break
            except OSError as e:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"optuna-dashboard did not answer within {timeout} s"
                    ) from e
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def screenshot(chromium: str, url: str, out: Path, width: int, height: int) -> None:
    """Headless-Chromium screenshot of ``url`` (fresh profile, no network besides ``url``)."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "--virtual-time-budget=15000",
                f"--screenshot={out}",
                url,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )
    if not out.exists():
        raise RuntimeError(f"Chromium wrote no screenshot to {out}")


def dump_dom(chromium: str, url: str, width: int = 1400, height: int = 1800) -> str:
    """The page's DOM after its scripts ran (headless Chromium's ``--dump-dom``)."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "--virtual-time-budget=15000",
                "--dump-dom",
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
    return done.stdout


def crop_rows(path: Path, top: int, bottom: int) -> None:
    """Keeps the rows ``top:bottom`` of a PNG (Pillow comes with matplotlib)."""
    from PIL import Image

    with Image.open(path) as image:
        cropped = image.crop((0, top, image.width, min(bottom, image.height)))
    cropped.save(path)


def one_dimensional_study() -> optuna.Study:
    """A 1-D study like the blog's example, stopped while the model is still uncertain."""

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -2.0, 10.0)
        return math.exp(-((x - 2.0) ** 2)) + math.exp(-((x - 6.0) ** 2) / 10.0) + 1.0 / (x * x + 1)

    study = optuna.create_study(
        direction="maximize", sampler=GammaBOSampler(seed=1, n_startup_trials=3)
    )
    study.optimize(objective, n_trials=8)
    return study


def figure_png(chromium: str | None, figure, fallback, out: Path, width: int, height: int) -> str:  # type: ignore[no-untyped-def]
    if chromium is None:
        fallback().savefig(out, dpi=110)
        return "matplotlib"
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "figure.html"
        figure.update_layout(width=width - 20, height=height - 20)
        figure.write_html(html, include_plotlyjs=True, config={"displayModeBar": False})
        screenshot(chromium, html.as_uri(), out, width, height)
    return "plotly+chromium"


def sequence_gif(study: optuna.Study, params: tuple[str, str], out: Path) -> int:
    from PIL import Image

    numbers = [t.number for t in study.trials if t.number >= 5]
    frames = []
    for k in numbers:
        fig = plot_surrogate_matplotlib(study, params, trial_number=k, n_points=30)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=50)
        buffer.seek(0)
        frames.append(Image.open(buffer).convert("P", palette=Image.Palette.ADAPTIVE))
    frames[0].save(out, save_all=True, append_images=frames[1:], duration=800, loop=0)
    return len(frames)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--chromium", default=None, help="Chromium/Chrome executable")
    parser.add_argument(
        "--n-trials",
        type=int,
        default=None,
        help="trials of the demo study (default: the demo's own, 30)",
    )
    args = parser.parse_args(argv)
    out_dir: Path = args.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    chromium = find_chromium(args.chromium)
    if chromium is None:
        print("Chromium not found (apt-get install -y chromium): no dashboard screenshot.")
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    demo = runpy.run_path(str(ROOT / "examples" / "dashboard_demo.py"))
    n_trials = demo["N_TRIALS"] if args.n_trials is None else args.n_trials
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{os.path.join(tmp, 'demo.db')}"
        with contextlib.redirect_stdout(io.StringIO()):
            study = demo["main"](["--storage", url, "--n-trials", str(n_trials)])
        print(f"demo study: {len(study.trials)} trials")
        if chromium is not None:
            with dashboard_server(url) as base:
                with urllib.request.urlopen(f"{base}/api/studies") as response:
                    summaries = json.load(response)["study_summaries"]
                study_id = summaries[0]["study_id"]
                page = out_dir / "dashboard.png"
                screenshot(chromium, f"{base}/dashboard/studies/{study_id}", page, 1400, 2300)
                # The study page: importance and timeline, then the saved figures (half width)
                # beside the best trial; the history chart above is cut off.
                crop_rows(page, 630, 1760)
                note = out_dir / "dashboard_note.png"
                screenshot(chromium, f"{base}/dashboard/studies/{study_id}/note", note, 1400, 900)
            print(f"wrote {page} and {note}")

        study_1d = one_dimensional_study()
        how = figure_png(
            chromium,
            plot_surrogate(study_1d, "x"),
            lambda: plot_surrogate_matplotlib(study_1d, "x"),
            out_dir / "surrogate_1d.png",
            1100,
            650,
        )
        print(f"wrote {out_dir / 'surrogate_1d.png'} ({how})")
        figure_png(
            chromium,
            plot_surrogate(study, ("x", "lr")),
            lambda: plot_surrogate_matplotlib(study, ("x", "lr")),
            out_dir / "surrogate_2d.png",
            1400,
            520,
        )
        print(f"wrote {out_dir / 'surrogate_2d.png'} ({how})")
        n = sequence_gif(study, ("x", "lr"), out_dir / "surrogate_2d_sequence.gif")
        print(f"wrote {out_dir / 'surrogate_2d_sequence.gif'} ({n} frames)")


if __name__ == "__main__":
    main()
