"""The ``batchproc`` command: parses options, calls the library, prints. No logic lives here."""
from __future__ import annotations

import json
import logging
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from . import __version__
from .config import DecordConfig, load_toml
from .errors import BatchprocError, ConfigError

EXIT_OK, EXIT_FAILED_VIDEOS, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3


def _parse_params(items: tuple[str, ...]) -> dict[str, Any]:
    """``key=value``; the value is read as JSON when it parses (numbers, true, lists), else a string."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--param {item!r}: expected key=value")
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    return out


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("batchproc: %(message)s"))
    handler.setLevel(level)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _fail(e: BatchprocError) -> None:
    click.echo(f"error: {e}", err=True)
    sys.exit(e.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="batchproc")
def main() -> None:
    """Resumable batch processing of videos listed in a CSV manifest."""


@main.command()
@click.option("--csv", "csv_path", required=True, type=click.Path(path_type=Path), help="CSV manifest of videos.")
@click.option("--fn", "fn_name", default=None, help="Process function: a registered name, or module:attr.  [default: keyframes]")
@click.option("--output-dir", type=click.Path(path_type=Path), default=None, help="Where outputs go.  [default: outputs]")
@click.option("--workers", type=int, default=None, help="Worker processes.  [default: CPU count]")
@click.option("--checkpoint", type=click.Path(path_type=Path), default=None, help="[default: OUTPUT_DIR/checkpoint.json]")
@click.option("--save-interval", type=int, default=None, help="Commit a Parquet part every N videos.  [default: 100]")
@click.option("--save-every", "save_every_s", type=float, default=None, help="...and at least every S seconds.  [default: 30]")
@click.option("--timeout", "timeout_s", type=float, default=None, help="Per-video timeout in seconds.")
@click.option("--max-memory-mb", type=float, default=None, help="Per-worker memory limit; a video past it fails.")
@click.option("--backend", type=click.Choice(["local", "dask", "ray"]), default=None, help="Execution engine.  [default: local]")
@click.option("--address", default=None, help="Address of an existing Dask scheduler or Ray cluster.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="Parameter for the process function (repeatable).")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None, help="TOML config ([run], [params], [decoder]).")
@click.option("--video-col", default=None, help="Column with the video paths.  [default: video_path]")
@click.option("--id-col", default=None, help="Column with the video ids.  [default: video_id, else derived from the path]")
@click.option("--decoder", type=click.Choice(["auto", "pyav", "decord", "opencv"]), default=None, help="Preferred decoder.")
@click.option("--device", type=click.Choice(["cpu", "gpu"]), default=None, help="Decode on CPU or GPU (falls back to CPU).")
@click.option("--retry-failed", is_flag=True, default=None, help="Run again the videos that failed before.")
@click.option("--limit", type=int, default=None, help="Only the first N rows of the manifest.")
@click.option("--restart", is_flag=True, default=None, help="Discard the checkpoint and outputs and start over.")
@click.option("--resume-anyway", is_flag=True, default=None, help="Resume even if the manifest, function or params changed.")
@click.option("--dry-run", is_flag=True, help="Validate and show what would run; change nothing.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("-v", "--verbose", count=True)
@click.option("-q", "--quiet", is_flag=True)
def run(csv_path: Path, fn_name: str | None, config_path: Path | None, params: tuple[str, ...], dry_run: bool,
        no_progress: bool, verbose: int, quiet: bool, decoder: str | None, device: str | None, **opts: Any) -> None:
    """Process every video of a CSV manifest (resumes where a previous run stopped).

    Exit codes: 0 all videos ok, 1 finished with failed videos, 2 usage or input error,
    3 another run holds the lock, 130/143 stopped by SIGINT/SIGTERM (what finished is committed).
    """
    from .processor import BatchVideoProcessor

    _setup_logging(verbose, quiet)
    try:
        file_cfg = load_toml(config_path) if config_path else {}
        run_opts = {k: v for k, v in file_cfg.get("run", {}).items()}
        run_opts.update({k: v for k, v in opts.items() if v is not None})
        merged_params = {**file_cfg.get("params", {}), **_parse_params(params)}
        dec = {**file_cfg.get("decoder", {})}
        if decoder:
            dec["backend"] = decoder
        if device:
            dec["device"] = device
        fn = fn_name or run_opts.pop("fn", None) or "keyframes"
        run_opts.pop("fn", None)
        rename = {"workers": "num_workers", "checkpoint": "checkpoint_path", "timeout": "timeout_s", "save_every": "save_every_s"}
        run_opts = {rename.get(k, k): v for k, v in run_opts.items()}
        processor = BatchVideoProcessor(config=DecordConfig(**dec), num_workers=run_opts.pop("num_workers", 0),
                                        checkpoint_path=run_opts.pop("checkpoint_path", None))
        result = processor.process_dataset(
            csv_path, video_col=run_opts.pop("video_col", "video_path"), process_fn=fn,
            id_col=run_opts.pop("id_col", "video_id"), output_dir=run_opts.pop("output_dir", "outputs"),
            save_interval=run_opts.pop("save_interval", 100), params=merged_params, dry_run=dry_run,
            show_progress=not (no_progress or quiet), **run_opts)
    except TypeError as e:
        _fail(ConfigError(f"bad option in config: {e}"))
        return
    except BatchprocError as e:
        _fail(e)
        return
    if dry_run:
        click.echo(json.dumps(result["plan"], indent=2))
        return
    stats = result["stats"]
    out = Path(result["output_dir"])
    click.echo(f"{'interrupted' if stats['interrupted'] else 'done'}: {stats['processed']} ok, {stats['failed']} failed, "
               f"{stats['skipped']} skipped of {stats['total_videos']} in {stats['total_time']:.1f} s "
               f"({stats['videos_per_s']:.1f} videos/s) -> {out}")
    if stats["errors_by_type"]:
        click.echo("failures by type: " + ", ".join(f"{k} {v}" for k, v in sorted(stats["errors_by_type"].items())))
    if result["interrupted"]:
        sig = result.get("signal") or signal.SIGINT
        click.echo(f"stopped by {signal.Signals(sig).name}; {stats['remaining']} videos remain: run the same command to resume", err=True)
        sys.exit(128 + int(sig))
    sys.exit(EXIT_FAILED_VIDEOS if stats["total_failed"] else EXIT_OK)


@main.command()
@click.option("--checkpoint", type=click.Path(path_type=Path), required=True, help="checkpoint.json, or the output folder.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(checkpoint: Path, as_json: bool) -> None:
    """Progress of a run, live or finished."""
    from .report import run_status

    try:
        info = run_status(checkpoint)
    except BatchprocError as e:
        _fail(e)
        return
    if as_json:
        click.echo(json.dumps(info, indent=2))
    else:
        click.echo(info["text"])


@main.command()
def fns() -> None:
    """The registered process functions and their parameters."""
    from .fns.registry import available

    for spec in available():
        params = ", ".join(f"{k}={v!r}" for k, v in spec.params.items()) or "-"
        click.echo(f"{spec.name:<12} {spec.description}")
        click.echo(f"{'':<12} params: {params}   [{spec.source}]")


@main.command()
@click.argument("video", type=click.Path(path_type=Path))
@click.option("--fn", "fn_name", default="keyframes", show_default=True)
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE")
@click.option("--output-dir", type=click.Path(path_type=Path), default=None,
              help="Where arrays (artifacts) go.  [default: not kept (a temporary folder, removed on exit)]")
@click.option("--report", "as_report", is_flag=True, help="A readable summary instead of JSON.")
@click.option("--decoder", type=click.Choice(["auto", "pyav", "decord", "opencv"]), default="auto")
def analyze(video: Path, fn_name: str, params: tuple[str, ...], output_dir: Path | None, as_report: bool, decoder: str) -> None:
    """Run a process function on one video and print the result (JSON on stdout)."""
    from .report import analyze_one, format_result
    from .sandbox import quiet_native_logs

    _setup_logging(0, True)
    quiet_native_logs()  # native libraries' INFO/WARNING chatter (MediaPipe, TFLite) stays off the terminal
    # without --output-dir the arrays go to a temporary folder that is removed before exiting, whatever happens
    tmp = tempfile.TemporaryDirectory(prefix="batchproc-analyze-") if output_dir is None else None
    try:
        try:
            outcome = analyze_one(video, fn_name, _parse_params(params), Path(tmp.name) if tmp else output_dir,
                                  DecordConfig(backend=decoder))
        except BatchprocError as e:
            _fail(e)
            return
        if outcome["status"] != "ok":
            click.echo(f"error: {video}: {outcome['error_type']}: {outcome['error']}", err=True)
            sys.exit(EXIT_FAILED_VIDEOS)
        click.echo(format_result(fn_name, outcome) if as_report else json.dumps(outcome["result"], indent=2, ensure_ascii=False))
        if tmp and not as_report and (Path(tmp.name) / "artifacts").exists():
            click.echo("note: the arrays (artifacts) above were not kept; pass --output-dir to keep them", err=True)
    finally:
        if tmp is not None:
            tmp.cleanup()


@main.command()
@click.argument("output_dir", type=click.Path(path_type=Path))
def report(output_dir: Path) -> None:
    """A readable summary of a finished run."""
    from .report import run_report

    try:
        click.echo(run_report(output_dir))
    except BatchprocError as e:
        _fail(e)


@main.command("fitness-train")
@click.option("--manifest", required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Labelled clips: path (relative to the CSV), exercise; optional video_id, active_start_s, active_end_s.")
@click.option("--segments", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="Optional time segments: video_id,start_s,end_s,label (for clips with several phases).")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Where the model goes (.npz; provenance beside it).")
@click.option("--no-generated", is_flag=True, help="Train on your clips alone, without the generated pose sequences.")
def fitness_train(manifest: Path, segments: Path | None, out: Path, no_generated: bool) -> None:
    """Fit the fitness exercise classifier on your own labelled clips (plus generated data).

    Use it with: batchproc run --fn fitness --param model=OUT ...
    """
    from .fns.fitness.training import train_from_manifest
    from .sandbox import quiet_native_logs

    _setup_logging(0, True)
    quiet_native_logs()
    try:
        rep = train_from_manifest(manifest, out, segments, with_synth=not no_generated,
                                  progress=lambda line: click.echo(line, err=True))
    except (ValueError, OSError) as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(EXIT_USAGE)
    for vid, err in rep.clips_failed:
        click.echo(f"skipped {vid}: {err}", err=True)
    per_class = ", ".join(f"{k} {v}" for k, v in rep.windows_per_class.items() if v)
    click.echo(f"wrote {rep.model_path}: {len(rep.clips_used)} clips, {rep.windows} examples ({per_class})")
    if rep.clips_failed:
        sys.exit(EXIT_FAILED_VIDEOS)


if __name__ == "__main__":  # pragma: no cover
    main()
