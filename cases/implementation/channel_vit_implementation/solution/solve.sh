#!/usr/bin/env bash
# Oracle: write the reference PatchEmbedPerChannel and ChannelViT.prepare_tokens into the workspace.
set -euo pipefail
python "$MLDB_SOLUTION_DIR/write_channel_vit.py"
