#!/usr/bin/env bash
# Fetch, on a machine with pip access, the wheels that a GPU machine without network needs to run
# seglab from its source tree and benchmarks/gpu_check.py beside the torch already installed there.
#
# What a GPU image usually lacks: seglab's volume readers (nibabel, pydicom; imported when the
# data formats register) and the peer that gpu_check.py races (segmentation_models_pytorch, whose
# own needs - timm, huggingface_hub, safetensors - such images carry). imagecodecs is left out:
# only compressed TIFFs need it, and it weighs 26 MB of an upload limit.
#
#   bash benchmarks/gpu_wheels.sh [PYTHON_VERSION] [FOLDER]      # defaults: 3.12 .whl
#
# Then, on the GPU machine: bash benchmarks/gpu_session.sh [FOLDER] [OUT]
set -euo pipefail
python_version="${1:-3.12}"
folder="${2:-.whl}"
mkdir -p "$folder"
# the versions this project tests with (the dev environment's)
python3 -m pip download --no-deps --only-binary=:all: --python-version "$python_version" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d "$folder" nibabel==5.4.2 pydicom==3.0.2 segmentation-models-pytorch==0.6.0
ls -l "$folder"
