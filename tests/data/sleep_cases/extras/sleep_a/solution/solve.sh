#!/usr/bin/env bash
date +%s.%N > started
sleep 0.4
