"""`seglab train`: train a model into a run folder, in one process or several (torchrun)."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from seglab import config as config_io
from seglab.cli.command import COMMANDS, Command
from seglab.cli.log_setup import log, log_to_file
from seglab.cli.options import DEFAULTS, add_compile_options, add_recipe_options, add_training_options, build_config
from seglab.cli.planned import plan_from_flags, planning, shared_plan
from seglab.cli.torchrun import relaunch_with_torchrun
from seglab.errors import ConfigError

if TYPE_CHECKING:
    from seglab.planning import Plan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from seglab.engine.tracking import LOGGERS  # imports torch: only when train's flags are wanted

    add_training_options(parser)
    parser.add_argument("--out", default="runs/latest", metavar="RUN", help="run folder to write (default runs/latest)")
    parser.add_argument("--skip-bad", dest="data.skip_bad", action="store_true", default=None,
                        help="leave out pairs with fatal data problems (listed) instead of stopping")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the run already in --out: its checkpoints, history, evaluations, exports and "
                        "report are deleted first (without it, training into a finished run folder is refused)")
    parser.add_argument("--resume", metavar="RUN", help="continue RUN after its last complete epoch with model, "
                        "optimizer, schedule and random states restored (flags such as --epochs still apply)")
    add_recipe_options(parser)
    parser.add_argument("--plan", action=argparse.BooleanOptionalAction, default=True,
                        help="plan what the flags leave open from the data, this machine's measured speed and the "
                        "time budget, as `seglab plan` prints it, kept as RUN/plan.json (default); --no-plan "
                        "trains the fixed defaults instead (unet, native size, no augmentation, 20 epochs). A "
                        "--config file or --resume is never planned (docs/auto.md)")
    parser.add_argument("--dry-run", action="store_true",
                        help="measure a few steps, print the expected time per epoch and peak memory, train nothing")
    add_compile_options(parser, "train.")
    parser.add_argument("--augment-device", dest="data.augment_device", action=argparse.BooleanOptionalAction,
                        help="flip (and crop, for uniform --patch-size crops of same-size images) the batches on "
                        "the training device instead of in the loader workers (default: on CUDA only)")
    parser.add_argument("--nproc", type=int, default=1, metavar="N",
                        help="train with N processes (torch DistributedDataParallel via torchrun; "
                        "--batch-size is the global batch; the recipe is planned once, here, for all of them). "
                        "For several nodes run torchrun yourself with a plan saved by `seglab plan --save-config` "
                        "(docs/deployment.md)")
    parser.add_argument("--max-restarts", type=int, default=0, metavar="K",
                        help="with --nproc: let torchrun restart failed processes up to K times; a restart "
                        "continues the run from its last complete epoch")
    parser.add_argument("--sync-batchnorm", dest="train.sync_batchnorm", action="store_true", default=None,
                        help="distributed training on CUDA: BatchNorm statistics over all processes at every step "
                        "(without it they are averaged over the processes before each validation)")
    parser.add_argument("--deterministic", dest="train.deterministic", action="store_true", default=None,
                        help="deterministic kernels and a fixed thread count: identical metrics for the same seed "
                        "(CPU runs already are with --threads N)")
    parser.add_argument("--warmup-epochs", dest="train.warmup_epochs", type=int, metavar="N",
                        help="linear learning-rate warmup over the first N epochs")
    parser.add_argument("--early-stopping", dest="train.early_stopping_patience", type=int, metavar="N",
                        help="stop when val mIoU has not improved for N epochs")
    parser.add_argument("--ema", dest="train.ema_decay", type=float, metavar="DECAY",
                        help="keep an exponential moving average of the weights (decay per step, e.g. 0.999); "
                        "validation scores it and best/last hold it: steadier than the last step's weights")
    parser.add_argument("--tune-thresholds", dest="train.tune_thresholds", action="store_true", default=None,
                        help="multi-label: after training, choose each class's sigmoid threshold on the validation "
                        "split (best Dice) and store them in the best checkpoint's model card (default 0.5)")
    parser.add_argument("--log", dest="train.loggers", action="append", choices=LOGGERS.names(), metavar="TRACKER",
                        help="also log the run to an experiment tracker (repeatable): tensorboard (event files in "
                        "RUN/tensorboard) or mlflow (a file store in RUN/mlruns, or --mlflow-uri): every history.csv "
                        "column per epoch, the config as hyperparameters, the model card, validation predictions, "
                        "curves.png and the final per-class scores; needs pip install 'seglab[TRACKER]' "
                        "(docs/training.md)")
    parser.add_argument("--mlflow-uri", metavar="URI",
                        help="MLflow tracking URI: a server like http://host:5000, sqlite:///mlflow.db (needs "
                        "the full mlflow package), or a folder, e.g. one shared by several runs (default "
                        "RUN/mlruns); implies --log mlflow")
    parser.add_argument("--log-images-every", dest="train.log_images_every", type=int, metavar="N",
                        help=f"with --log: validation images with truth and prediction every N epochs, the first "
                        f"and last included (default {DEFAULTS.train.log_images_every}; 0: none)")


def run(args: argparse.Namespace) -> None:
    from seglab.engine.experiment import train
    from seglab.engine.restart import restarts_before_first_checkpoint, resumes_after_restart
    from seglab.runs.run_folder import RunFolder

    if args.max_restarts and args.nproc <= 1:
        raise ConfigError("--max-restarts restarts the processes of --nproc N (N > 1); give --nproc as well")
    plans = planning(args)
    out = args.resume or args.out
    if args.nproc > 1 and "WORLD_SIZE" not in os.environ:
        if not args.dry_run:  # refused here once, not in every process (and every restart) of torchrun
            RunFolder(Path(out)).check_claim(resume=args.resume is not None, overwrite=args.overwrite)
        with shared_plan(args) if plans else nullcontext({}) as env:
            relaunch_with_torchrun(args.argv, args.nproc, args.max_restarts, env)
    rank = int(os.environ.get("RANK", "0"))
    if rank != 0:  # one log and one run folder: the other processes only train
        log.setLevel(logging.WARNING)

    if args.resume:
        if args.data is not None or args.config is not None:
            raise ConfigError("--resume continues a run with its own data and config; give only flags to change")
        args.config = str(RunFolder.open_to_resume(args.resume).config)
    cfg = with_mlflow_uri(build_config(args), args.mlflow_uri)
    if args.dry_run:
        from seglab.engine.session import dry_run

        if plans:
            cfg = follow_plan(args, cfg)[0]
        estimate = dry_run(cfg)
        epochs = cfg.train.epochs or config_io.DEFAULT_EPOCHS
        print(f"dry run: {estimate.step_seconds:.3f}s per step x {estimate.train_steps} steps + "
              f"{estimate.val_seconds:.1f}s validation = about {estimate.epoch_seconds:.1f}s per epoch, "
              f"{(estimate.one_time_seconds + estimate.epoch_seconds * epochs) / 60:.1f} min for "
              f"{epochs} epochs (with {estimate.one_time_seconds:.1f}s once: warm-up"
              f"{', compilation' if cfg.train.compile else ''}); "
              f"peak memory {estimate.peak_memory_mb:.0f} MB")
        return
    if rank != 0:
        if plans:  # the launcher's plan, as rank 0 trains it (rank 0 logs and keeps it)
            cfg = follow_plan(args, cfg)[0]
        train(cfg, out, resume=args.resume is not None)
        return
    # a torchrun restart of this command continues its run (train() decides the same again)
    resume = args.resume is not None or resumes_after_restart(cfg, out)
    # claimed before the log opens: a refused second training must not write into the first's train.log
    overwrite = args.overwrite or restarts_before_first_checkpoint(out)
    with RunFolder(Path(out)).claim(resume=resume, overwrite=overwrite), log_to_file(Path(out) / "train.log"):
        if plans:  # inside the claim and the log: train.log tells how the recipe was made
            cfg, plan = follow_plan(args, cfg)
            for line in plan.explain():
                log.info("%s", line)
            plan.save(RunFolder(Path(out)).plan)
        result = train(cfg, out, resume=resume)
    print(f"run folder: {result.run.root}  (best epoch {result.best_epoch})")
    if result.best_scores is not None:
        print((result.run.root / "metrics.md").read_text(encoding="utf-8"))


def interrupted_route(args: argparse.Namespace) -> str:
    """After Ctrl-C: `--resume` once an epoch's checkpoint exists, else the same command again
    (with --overwrite where the stopped run left its config behind)."""
    from seglab.runs.run_folder import RunFolder

    run = RunFolder(Path(args.resume or args.out))
    if run.resumable():
        return f"continue with `seglab train --resume {shlex.quote(str(run.root))}`"
    again = ["seglab", *args.argv, *(["--overwrite"] if run.holds_run() and not args.overwrite else [])]
    return f"no checkpoint was written yet, so there is nothing to resume; start again with `{shlex.join(again)}`"


def follow_plan(args: argparse.Namespace, cfg: config_io.ExperimentConfig
                ) -> tuple[config_io.ExperimentConfig, Plan]:
    """The planned config (the flags and --mlflow-uri on top) and its plan; `cfg` is the unplanned one."""
    planned, plan = plan_from_flags(args, cfg)
    return with_mlflow_uri(planned, args.mlflow_uri), plan


def with_mlflow_uri(cfg: config_io.ExperimentConfig, uri: str | None) -> config_io.ExperimentConfig:
    """--mlflow-uri: the mlflow logger, with that tracking URI."""
    if uri is None:
        return cfg
    from seglab.engine.tracking import with_logger_option

    return replace(cfg, train=replace(cfg.train, loggers=with_logger_option(cfg.train.loggers, "mlflow",
                                                                            "tracking_uri", uri)))


COMMANDS.register("train")(Command(
    help="train a model and write a run folder",
    description="Train a U-Net on DATA; writes config.yaml, checkpoints/, "
                "history.csv, curves.png, metrics.json into --out.",
    add_arguments=add_arguments,
    run=run,
    interrupted=interrupted_route,
))
