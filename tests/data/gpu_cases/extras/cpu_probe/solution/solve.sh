#!/usr/bin/env bash
printf "%s" "${CUDA_VISIBLE_DEVICES-unset}" > seen.txt
