"""`seglab train --nproc N` starts itself again under torchrun, one process per rank."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

log = logging.getLogger(__name__)


def relaunch_with_torchrun(argv: list[str], nproc: int, max_restarts: int = 0,
                           extra_env: dict[str, str] | None = None) -> None:
    """`seglab train --nproc N [--max-restarts K] ...` = `torchrun --nproc-per-node N
    [--max-restarts K] -m seglab train ...` with `extra_env` set; a restarted run continues from its
    last epoch."""
    options = {"--nproc", "--max-restarts"}
    rest, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in options:
            skip = True
        elif arg.split("=", 1)[0] not in options:
            rest.append(arg)
    # '--' ends torchrun's options: its parser would take seglab's --log for an abbreviation of its --log-dir
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
               f"--max-restarts={max_restarts}", "-m", "seglab", "--", *rest]
    env = {**os.environ, **(extra_env or {})}
    # torch 2.x's gloo restarts fail on a rendezvous store shared with the agent (pytorch#135712)
    env.setdefault("TORCH_DISABLE_SHARE_RDZV_TCP_STORE", "1")
    log.info("launching %d processes: %s", nproc, " ".join(command))
    raise SystemExit(subprocess.call(command, env=env))
