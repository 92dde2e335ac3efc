#!/usr/bin/env bash
# Issue 29's GPU checks on a lent machine that can install nothing: seglab runs from the source
# tree against the machine's own torch, with the wheels from benchmarks/gpu_wheels.sh put on
# PYTHONPATH. Everything goes to OUT (log, nvidia-smi, pip versions), so a run cut short by its
# time limit still leaves what it had. About 6 minutes on an H200 (most of it torch.compile).
#
#   bash benchmarks/gpu_session.sh [WHEELS] [OUT] [gpu_check.py options...]   # defaults: .whl $OUT or gpu-out
set -uo pipefail
wheels="${1:-.whl}"
out="${2:-${OUT:-gpu-out}}"
shift $(( $# < 2 ? $# : 2 ))
mkdir -p "$out"
site=/tmp/seglab-site
if compgen -G "$wheels/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" "$wheels"/*.whl \
        || exit 1
fi
export PYTHONPATH="$PWD/src:$site${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
nvidia-smi >"$out/nvidia-smi.txt" 2>&1
python3 -m pip list 2>/dev/null | grep -i -E "^(torch|torchvision|triton|numpy|timm|segmentation)" >"$out/versions.txt"
python3 -c "import seglab, torch; print('seglab', seglab.__version__, 'torch', torch.__version__, 'cuda', torch.cuda.is_available())" \
    | tee -a "$out/versions.txt" || exit 1
# what --compile needs on CUDA: triton and the C compiler it builds launchers with
{ echo "CC=${CC:-}"; command -v gcc clang cc; python3 -c "import triton; print('triton', triton.__version__)"; } \
    >>"$out/versions.txt" 2>&1
python3 benchmarks/gpu_check.py --logs "$out" "$@" 2>&1 | tee "$out/gpu_check.log"
