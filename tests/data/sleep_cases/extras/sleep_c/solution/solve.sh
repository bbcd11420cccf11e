#!/usr/bin/env bash
date +%s.%N > started
sleep 1.2
